"""Predict: next-word probabilities and generation, or sentiment as each word is read."""

import streamlit as st

from playground.analysis.calibration import known_words
from playground.analysis.callouts import Callout, agreement_callout
from playground.analysis.prediction import (
    class_probabilities,
    generate,
    sentiment_trajectory,
    top_next_words,
)
from playground.analysis.reading import reading_steps
from playground.data.language import word_class
from playground.data.tokenizer import tokenize
from playground.figures.prediction import next_word_bars, sentiment_trajectory_figure
from playground.figures.stepping import reading_figure
from playground.outcomes import not_learned, trust_note
from playground.run import Run
from playground.text import escape_markdown, percent
from playground.view_options import VIEW_OPTIONS, view_options
from ui.layout import keep_in_a_row
from ui.lecture import callout_box
from ui.sentences import continuation_line, say_what_was_cut, sentence_with_examples
from ui.share import linked_run, share_view
from ui.view import view_widget

VIEW = VIEW_OPTIONS["predict"]
OPTION = view_options("predict")


@st.cache_data(max_entries=8, show_spinner=False, hash_funcs={Run: lambda run: (run.id, run.status)})
def cached_agreement_callout(run: Run) -> Callout | None:
    """Does the model agree the verb with "the dogs", past "the cat"? (None for models of other text.)"""
    return agreement_callout(run)


def next_word_view(run: Run) -> None:
    characters = run.vocab.level == "char"
    unit, start = ("character", "text") if characters else ("word", "sentence")
    st.markdown(
        f"Type the start of a {start}. The model gives every {unit} in its vocabulary a "
        "probability of coming next; here are the likeliest."
    )
    text = sentence_with_examples(run, OPTION["prefix"])
    say_what_was_cut(run, text, from_start=False)
    typed = tokenize(text, run.vocab.level)
    if typed and not any(token in run.vocab for token in typed):  # punctuation alone too ("!!!")
        st.info(
            f"Nothing in this {start} is in the model's vocabulary, so it reads each of its {len(typed)} "
            f"token{'s' if len(typed) > 1 else ''} as <unk>: the bars are what it expects after that, not "
            "after what you typed.",
            icon=":material/help:",
        )
    k = view_widget(OPTION["shown"], run)
    top = top_next_words(run, text, k)
    if run.config.data.source == "built-in" and not characters:
        top["word class"] = top["word"].map(word_class)
        st.caption(
            "Colours are the word classes of the built-in language: the model was never told "
            "them, so if one colour dominates, it discovered the class from context alone."
        )
    st.plotly_chart(next_word_bars(top, text, unit))
    callout_box(cached_agreement_callout(run))
    with st.expander(f"The prediction as each {unit} is read (▶ plays it in your browser)"):
        words, tables = reading_steps(run, text, 5)
        st.plotly_chart(reading_figure(words, tables, f"next {unit}"), key="predict_reading")

    st.subheader("Generate a continuation")
    st.caption(
        f"The model samples one {unit} at a time from its own predictions. Low temperature "
        f"picks the likeliest {unit}s; high temperature takes more chances. Top-k keeps only "
        f"the k likeliest {unit}s at each step."
    )
    cols = st.columns(4)
    temperature = view_widget(OPTION["temperature"], run, cols[0])
    top_k = view_widget(OPTION["top_k"], run, cols[1])
    length = view_widget(OPTION["words"], run, cols[2])
    seed = view_widget(OPTION["sample_seed"], run, cols[3], style="number")
    if st.button("Generate three continuations", icon=":material/auto_awesome:", key="predict_generate"):
        for offset in range(3):
            continuation = generate(run, text, length, temperature, top_k, int(seed) + offset)
            if characters:  # line breaks are part of what a character model writes
                st.caption(f"Continuation {offset + 1}: your text, then the model's")
                st.code(text + continuation, language=None, wrap_lines=True)
            else:
                st.markdown(continuation_line(offset + 1, text, continuation))


CLOSE_CALL = 0.2  # the top two classes this close: a toss-up, not a verdict (60% against 40%)
SURE = 0.8  # below this, the top class is a lean (67% against 33% was read out as a verdict)


def classification_view(run: Run) -> None:
    st.markdown(
        "Type a sentence. The chart shows what the model would say if the sentence "
        "ended after each word, so you can see where it changes its mind."
    )
    text = sentence_with_examples(run, OPTION["sentence"])
    say_what_was_cut(run, text, from_start=True)
    trajectory = sentiment_trajectory(run, text)
    if trajectory.empty:
        st.info("Type at least one word.")
        return
    ranked = class_probabilities(run, text).sort_values(ascending=False)
    verdict = ranked.index[0]
    with keep_in_a_row("predict_probabilities"):  # two or three numbers: one row even at 800 px
        cols = st.columns(min(len(ranked), 6))
        for i, (name, p) in enumerate(ranked.head(6).items()):
            cols[i].metric(f"P({escape_markdown(name, 60)})", percent(p))
    if not known_words(run.vocab, text):
        st.info(
            "None of these words is in the model's vocabulary (punctuation marks are not words), so "
            "it has no evidence either way: whatever it says is a guess. The built-in sentiment "
            "defaults are trained to say about 50% here (word dropout, and rows of unknown words and "
            "punctuation taught to give every class alike); they land between about 40% and 65%.",
            icon=":material/help:",
        )
    st.plotly_chart(sentiment_trajectory_figure(trajectory, run.class_names))
    if len(ranked) > 1 and ranked.iloc[0] - ranked.iloc[1] < CLOSE_CALL:
        st.markdown(
            f"The model barely leans towards **{escape_markdown(str(verdict))}** ({percent(ranked.iloc[0])} "
            f"against {percent(ranked.iloc[1])} for {escape_markdown(str(ranked.index[1]))}): close to a "
            "toss-up, not a verdict."
        )
    elif ranked.iloc[0] < SURE:
        st.markdown(
            f"The model leans towards **{escape_markdown(str(verdict))}** ({percent(ranked.iloc[0])} against "
            f"{percent(ranked.iloc[1])}), short of sure."
        )
    else:
        st.markdown(
            f"The model reads this sentence as **{escape_markdown(str(verdict))}** "
            f"({percent(ranked.iloc[0])})."
        )
    if "test_ece" in run.metrics and not_learned(run) is None:  # a guess's calibration reassures wrongly
        st.caption(
            f"How far to trust these percentages: on its test sentences this model's confidence "
            f"differed from its accuracy by {run.metrics['test_ece']:.1%} on average (expected "
            "calibration error, ten bins). On sentences unlike its training data it can be "
            "confidently wrong."
        )


st.title("Use your model")
run = linked_run("predict", VIEW)
share_view(run, VIEW)
st.caption(
    f"Model: {run.name}, {run.num_parameters:,} parameters, trained on "
    f"{escape_markdown(run.data_description)} ({run.status}). Pick another in the sidebar."
)
if (note := trust_note(run)) is not None:  # as `predict` on the command line says it
    if run.status == "diverged":
        note += " It uses the last weights that were still finite."
    st.warning(escape_markdown(note[0].upper() + note[1:], 2000), icon=":material/warning:")
if run.task == "next-word":
    next_word_view(run)
else:
    classification_view(run)
