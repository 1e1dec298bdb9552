"""Predict: next-word probabilities and generation, or sentiment as each word is read."""

import streamlit as st

from playground.analysis.calibration import known_words
from playground.analysis.prediction import (
    class_probabilities,
    generate,
    input_limit,
    sentiment_trajectory,
    top_next_words,
    unread_tokens,
)
from playground.data.language import word_class
from playground.data.tokenizer import join_tokens
from playground.figures.prediction import next_word_bars, sentiment_trajectory_figure
from playground.run import Run
from playground.share_links import ViewOption, float_text, real, text_option, whole
from playground.text import escape_markdown
from ui.sentences import flag_unknown, has_chosen_examples, limited_text_input
from ui.share import linked_run, share_view
from ui.widgets import slider

MAX_CHARS = 500
NEXT_WORD_EXAMPLES = [
    "the dog runs to the",
    "the cats are",
    "the farmer eats",
    "the fox near the dogs",
    "the children walk to the park in the",
]
SENTIMENT_EXAMPLES = [
    "the food was bad but the service was great",
    "the film was good",
    "the film was not good",
    "the service was great but the food was bad",
    "the hotel was lovely even though the room was small",
    "i did not enjoy the concert",
]


def max_generated(run: Run) -> int:
    """How many tokens one continuation may have: a sentence of words, or a few lines of characters."""
    return 400 if run.vocab.level == "char" else 40


VIEW = [
    text_option("prefix", "predict_prefix", "The start of a sentence", MAX_CHARS),
    text_option("sentence", "predict_sentence", "The sentence", MAX_CHARS),
    ViewOption("shown", "predict_k", "How many to show", whole(3, 25)),
    ViewOption("temperature", "predict_temperature", "Temperature", real(0.1, 2.0), float_text),
    ViewOption("top_k", "predict_top_k", "Top-k", whole(1, 50)),
    ViewOption("words", "predict_length", "Tokens to generate", whole(1, max_generated)),
    ViewOption("sample_seed", "predict_seed", "Sampling seed", whole(0, 2**31 - 1)),
]


def text_box(run: Run, built_in: list[str], label: str, key: str) -> str:
    """A text input with clickable examples above it; unknown words are flagged below it.

    The examples are chosen ones for the built-in corpus, or held-out inputs of an upload.
    """
    curated = has_chosen_examples(run)
    examples = built_in if curated else run.examples

    def use_example() -> None:
        if st.session_state.get(f"{key}_example"):
            st.session_state[key] = st.session_state[f"{key}_example"]

    if examples:
        st.pills(
            "Try an example" if curated else "Try text the model did not train on",
            examples,
            format_func=lambda example: escape_markdown(example, 80),
            key=f"{key}_example",
            on_change=use_example,
        )
    text = limited_text_input(label, examples[0] if examples else "", key, MAX_CHARS)
    flag_unknown(run, text)
    return text


def say_what_was_cut(run: Run, text: str, from_start: bool) -> None:
    """Name the part of the text the model does not read, so a verdict is never about less than it seems."""
    unread = unread_tokens(run, text, from_start)
    if not unread:
        return
    unit = "characters" if run.vocab.level == "char" else "words"
    why = (
        f"this Transformer has {run.config.data.max_length} positions"
        if run.config.model.arch == "transformer"
        else "the page reads that many"
    )
    where = "first" if from_start else "last"
    shown = escape_markdown(join_tokens(unread, run.vocab.level), 200)
    st.warning(
        f"The model reads only the {where} {input_limit(run)} {unit} ({why}); it did not read "
        f"{len(unread):,} {unit}: “{shown}”.",
        icon=":material/content_cut:",
    )


def next_word_view(run: Run) -> None:
    characters = run.vocab.level == "char"
    unit, start = ("character", "text") if characters else ("word", "sentence")
    st.markdown(
        f"Type the start of a {start}. The model gives every {unit} in its vocabulary a "
        "probability of coming next; here are the likeliest."
    )
    text = text_box(run, NEXT_WORD_EXAMPLES, f"Start of a {start}", "predict_prefix")
    say_what_was_cut(run, text, from_start=False)
    k = st.slider(f"How many {unit}s to show", 3, 25, 10, key="predict_k")
    top = top_next_words(run, text, k)
    if run.config.data.source == "built-in" and not characters:
        top["word class"] = top["word"].map(word_class)
        st.caption(
            "Colours are the word classes of the built-in language: the model was never told "
            "them, so if one colour dominates, it discovered the class from context alone."
        )
    st.plotly_chart(next_word_bars(top, text, unit))

    st.subheader("Generate a continuation")
    st.caption(
        f"The model samples one {unit} at a time from its own predictions. Low temperature "
        f"picks the likeliest {unit}s; high temperature takes more chances. Top-k keeps only "
        f"the k likeliest {unit}s at each step."
    )
    cols = st.columns(4)
    temperature = cols[0].slider("Temperature", 0.1, 2.0, 0.8, 0.1, key="predict_temperature")
    top_k = cols[1].slider("Top-k", 1, 50, 10, key="predict_top_k")
    most = max_generated(run)
    length = slider(
        cols[2], f"{unit.capitalize()}s", 1, most, min(most, 200 if characters else 12), key="predict_length"
    )
    seed = cols[3].number_input("Seed", 0, 2**31 - 1, 0, key="predict_seed")
    if st.button("Generate three continuations", icon=":material/auto_awesome:", key="predict_generate"):
        for offset in range(3):
            continuation = generate(run, text, length, temperature, top_k, int(seed) + offset)
            if characters:  # line breaks are part of what a character model writes
                st.caption(f"Continuation {offset + 1}: your text, then the model's")
                st.code(text + continuation, language=None, wrap_lines=True)
            else:
                st.markdown(f"{offset + 1}. {escape_markdown(text)} **{escape_markdown(continuation)}**")


def classification_view(run: Run) -> None:
    st.markdown(
        "Type a sentence. The chart shows what the model would say if the sentence "
        "ended after each word, so you can see where it changes its mind."
    )
    text = text_box(run, SENTIMENT_EXAMPLES, "Sentence", "predict_sentence")
    say_what_was_cut(run, text, from_start=True)
    trajectory = sentiment_trajectory(run, text)
    if trajectory.empty:
        st.info("Type at least one word.")
        return
    probabilities = class_probabilities(run, text)
    verdict = probabilities.idxmax()
    cols = st.columns(min(len(probabilities), 6))
    for i, (name, p) in enumerate(probabilities.sort_values(ascending=False).head(6).items()):
        cols[i].metric(f"P({escape_markdown(name, 60)})", f"{p:.1%}")
    st.markdown(f"The model reads this sentence as **{escape_markdown(str(verdict))}**.")
    if not known_words(run.vocab, text):
        st.info(
            "None of these words is in the model's vocabulary (punctuation marks are not words), so "
            "it has no evidence either way: whatever it says is a guess. The built-in sentiment "
            "defaults are trained to say about 50% here (word dropout and rows of unknown words "
            "labelled both ways); they mostly land between 35% and 65%.",
            icon=":material/help:",
        )
    if "test_ece" in run.metrics:
        st.caption(
            f"How far to trust these percentages: on its test sentences this model's confidence "
            f"differed from its accuracy by {run.metrics['test_ece']:.1%} on average (expected "
            "calibration error, ten bins). On sentences unlike its training data it can be "
            "confidently wrong."
        )
    st.plotly_chart(sentiment_trajectory_figure(trajectory, run.class_names))


st.title("Use your model")
run = linked_run("predict", VIEW)
share_view(run, VIEW)
st.caption(
    f"Model: {run.name}, {run.num_parameters:,} parameters, trained on "
    f"{escape_markdown(run.data_description)} ({run.status}). Pick another in the sidebar."
)
if run.status == "diverged":
    st.warning("This run diverged; it uses the last weights that were still finite.")
if run.task == "next-word":
    next_word_view(run)
else:
    classification_view(run)
