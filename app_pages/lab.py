"""Shapes and limits: one small model per task shape, and the classic experiments on RNNs' limits."""

from collections.abc import Callable
from typing import Any

import streamlit as st

from playground.analysis.prediction import generate, sentiment_trajectory
from playground.config import default_config
from playground.experiments.adding import ARCHITECTURES as ADDING_MODELS
from playground.experiments.agreement import CONDITIONS, training_profile
from playground.experiments.parallel import MODELS as PARALLEL_MODELS
from playground.experiments.registry import EXPERIMENTS, reference_result
from playground.experiments.shapes import (
    LABELS,
    classify_each_word,
    train_one_to_many,
    train_one_to_one,
    write_from_label,
)
from playground.experiments.summaries import (
    adding_summary,
    agreement_summary,
    bottleneck_summary,
    parallel_summary,
)
from playground.experiments.tables import adding_table, agreement_table, bottleneck_table, parallel_table
from playground.experiments.translation import MODELS as TRANSLATION_MODELS
from playground.experiments.translation import train_translator, translate_sentence
from playground.figures.experiments import (
    adding_figure,
    agreement_figure,
    bottleneck_figure,
    critical_path_figure,
    parallel_figure,
    translation_attention_figure,
)
from playground.figures.prediction import sentiment_trajectory_figure
from playground.text import escape_markdown
from playground.train import MAX_TRAINING_STEPS
from ui.experiments import results, run_live, show_result
from ui.sentences import limited_text_input
from ui.state import builtin_data, runs
from ui.training import train_live, training_slot

ARCH_NAMES = {"rnn": "RNN", "lstm": "LSTM", "transformer": "Transformer", "bow": "Bag of words"}


@st.cache_data(show_spinner=False)
def cached_training_profile(num_sentences: int) -> dict:
    """What the agreement models' training data shows (a fraction of a second, kept per server)."""
    return training_profile(num_sentences, default_config("next-word", "rnn").data.data_seed)


def steps_choice(label: str, options: list[int], default: int, key: str) -> int:
    """A steps slider that never offers more than the server allows."""
    allowed = [n for n in options if n <= MAX_TRAINING_STEPS] or [MAX_TRAINING_STEPS]
    return st.select_slider(label, allowed, value=min(default, allowed[-1]), key=key)


def trained_here(label: str, key: str, train: Callable[[], Any]) -> Any:
    """A small model kept in this session, trained when `label` is clicked; None until then.

    It takes one of the server's training slots, like every other training.
    """
    if st.button(label, key=f"lab_train_{key}", icon=":material/play_arrow:"):
        with training_slot() as granted, st.spinner("Training…"):
            if granted:
                st.session_state[f"lab_{key}"] = train()
    return st.session_state.get(f"lab_{key}")


def quick_run(task: str, key: str):
    """The newest built-in run for `task`, or a button that trains the default LSTM for it here."""
    found = [r for r in runs() if r.task == task and r.config.data.source == "built-in" and r.complete]
    if found:
        return found[-1]
    if st.button(
        f"Train the default {'sentiment' if task == 'sentiment' else 'next-word'} LSTM (about 6 seconds)",
        key=key,
        icon=":material/play_arrow:",
    ):
        config = default_config(task, "lstm")
        if train_live(config, builtin_data(config.data)) is not None:
            st.rerun()
    return None


st.title("Task shapes and the limits of RNNs")
st.markdown(
    "Sequence problems come in four shapes, and plain RNNs have three famous limits: one vector "
    "must carry the whole input (**the encoding bottleneck**), steps must run one after another "
    "(**no parallelism**), and early inputs fade (**no long memory**). Train each shape here in "
    "seconds, then run the experiments that showed the limits, and compare with the papers."
)

st.header("1 · Four shapes, one model each")
one_one, many_one, one_many, many_many = st.tabs(["One to one", "Many to one", "One to many", "Many to many"])

with one_one:
    st.markdown(
        "**One word in, one class out.** A feed-forward network reads a single word as a one-hot "
        "vector and says whether it is positive, negative or neutral. There is no sequence, so "
        "there is no context either."
    )
    trained = trained_here("Train the word classifier (about a second)", "one_to_one", train_one_to_one)
    if trained is not None:
        st.caption(
            f"It fits all {len(trained.words)} words of the review lexicon ({trained.accuracy:.0%} right). "
            "Now give it a sentence: it reads every word alone."
        )
        text = limited_text_input("Sentence", "the film was not good", "lab_one_to_one_text", 300)
        words = classify_each_word(trained, text)
        st.dataframe(
            words,
            hide_index=True,
            column_config={
                label: st.column_config.ProgressColumn(label, min_value=0, max_value=1, format="%.2f")
                for label in ("negative", "neutral", "positive")
            },
        )
        if {"not", "never"} & set(words["word"]):
            st.info(
                "“not” is just another neutral word to it: it cannot turn “good” around. That takes a "
                "model that reads the words in order, the next tab."
            )

with many_one:
    st.markdown(
        "**A sentence in, one class out.** The recurrent network reads every word and its last "
        "state decides the sentiment. The chart shows its answer after each word."
    )
    run = quick_run("sentiment", "lab_train_many_to_one")
    if run is not None:
        text = limited_text_input("Sentence", "the film was not good", "lab_many_to_one_text", 300)
        trajectory = sentiment_trajectory(run, text)
        if trajectory.empty:
            st.info("Type at least one word.")
        else:
            st.plotly_chart(sentiment_trajectory_figure(trajectory, run.class_names), key="lab_trajectory")
        st.caption(f"Model: {run.name}. More on the **Predict** page.")

with one_many:
    st.markdown(
        "**One label in, a sentence out.** The label becomes the LSTM's first hidden state; from "
        "there it writes a review one word at a time, feeding each word back in."
    )
    writer = trained_here("Train the review writer (a few seconds)", "one_to_many", train_one_to_many)
    if writer is not None:
        st.caption(
            f"On held-out reviews its loss is {writer.loss_with_label:.3f} per word given the right "
            f"label and {writer.loss_with_other_label:.3f} given the other one: the label steers it."
        )
        left, right = st.columns(2)
        temperature = left.slider("Temperature", 0.2, 1.5, 0.8, 0.1, key="lab_one_to_many_temperature")
        seed = right.number_input("Seed", 0, 10_000, 0, key="lab_one_to_many_seed")
        for column, label in zip(st.columns(2), LABELS, strict=True):
            column.markdown(f"**{label}**")
            for sentence in write_from_label(writer, label, 4, temperature, int(seed)):
                column.markdown(f"- {escape_markdown(sentence)}")

with many_many:
    st.markdown(
        "**A sentence in, a sentence out.** Two kinds. A next-word model writes one output per input "
        "step, in step; a translator first reads the whole sentence (the encoder), then writes "
        "another sentence of its own length (the decoder)."
    )
    translated = None
    next_word, translation = st.columns(2, gap="large")
    with next_word:
        st.markdown("**Next word, at every step**")
        run = quick_run("next-word", "lab_train_many_to_many")
        if run is not None:
            text = limited_text_input("Start", "the dog near the cats", "lab_many_to_many_text", 300)
            for offset in range(3):
                continuation = generate(run, text, 12, 0.8, 10, offset)
                st.markdown(f"{offset + 1}. {escape_markdown(text)} **{escape_markdown(continuation)}**")
            st.caption(f"Model: {run.name}.")
    with translation:
        st.markdown("**Translation, encoder then decoder**")
        st.caption(
            "Into a made-up language with its own words and the verb at the end of each clause. With "
            "attention, the decoder looks back at every word it read."
        )
        translator = trained_here(
            "Train a small translator (about 20 seconds)", "translator", train_translator
        )
        if translator is not None:
            text = limited_text_input(
                "Sentence to translate", "the dogs near the cat are happy", "lab_translate_text", 200
            )
            try:
                translated = translate_sentence(translator, text)
            except ValueError as error:
                st.warning(f"{escape_markdown(str(error)).capitalize()}. Use words of the built-in language.")
            else:
                right = sum(a == b for a, b in zip(translated.output, translated.reference, strict=False))
                st.markdown(
                    f"**It writes:** {escape_markdown(' '.join(translated.output))}  \n"
                    f"**Reference:** {escape_markdown(' '.join(translated.reference))}  \n"
                    f"{right} of {len(translated.reference)} words right, in place."
                )
                st.caption(f"On held-out sentences it gets {translator.word_accuracy:.0%} of words right.")
    if translated is not None:
        st.plotly_chart(
            translation_attention_figure(translated.attention, translated.source, translated.output),
            key="lab_translation_attention",
        )
        st.caption(
            "Each row is one word the decoder wrote; the dark cell is the source word it was looking at. "
            "The verb's row points back to the verb, wherever the reordering moved it."
        )

st.header("2 · The limits, measured")
st.caption(
    "Each experiment trains several models from scratch, so it takes minutes on a CPU. The charts "
    "first show the shipped results: the mean over the seeds each was run with (the text under "
    "each chart says how many), with bars from the lowest to the highest seed. A run here uses one "
    "seed; the chart grows as points finish, and **Stop** keeps what is "
    "done. The same experiments run from the command line: "
    "`python -m playground experiment NAME --seeds 3 --json out.json`."
)

st.subheader("No long memory: the adding problem")
st.markdown(
    "Each step shows a number and a marker; two steps are marked, one in each half, and the answer "
    "is the sum of their numbers. Predicting the average, 1, scores an error of 1/6 at any length: "
    "a model that cannot carry the first number to the end stays on that line. Every model is read "
    "the same way, at its last step. The *Transformer without attention* keeps everything but the "
    "attention, so its last step sees only itself: it shows what attention adds."
)
small = EXPERIMENTS["adding"].small
cols = st.columns([2, 4, 2])
lengths = cols[0].multiselect(
    "Sequence lengths", [10, 25, 50, 100, 200, 400], small["lengths"], key="lab_adding_lengths"
)
models = cols[1].multiselect(
    "Models",
    list(ADDING_MODELS),
    small["architectures"],
    format_func=ADDING_MODELS.get,
    key="lab_adding_models",
)
with cols[2]:
    steps = steps_choice(
        "Training steps", [500, 1000, 2000, 3000, 5000, 10_000], small["steps"], "lab_adding_steps"
    )
if st.button(
    "Run the adding problem", type="primary", key="lab_adding_run", disabled=not (lengths and models)
):
    run_live(
        "adding",
        {"lengths": sorted(lengths), "architectures": models, "steps": steps, "hidden": small["hidden"]},
        adding_figure,
    )
show_result("adding", adding_figure, adding_summary, adding_table)
longer = reference_result("adding-long")
if longer is not None:
    long_result, long_reports = longer
    long_steps = long_reports[0]["settings"]["steps"]
    st.markdown(
        f"**Why the budget matters.** {small['steps']:,} steps of 64 sequences are about "
        f"{small['steps'] * 64 / 1e6:.1f} million examples. At T = 100 the first useful "
        "gradient has to cross 100 steps before a model can start to learn, so the same models given "
        f"{long_steps:,} steps (one seed, `{long_reports[0]['command']}`, "
        f"{long_result.seconds / 60:.0f} min):"
    )
    st.markdown(" ".join(adding_summary(long_result.table)))
    st.caption(
        "Compare with the T = 100 results of the 3,000-step runs above. This longer run used one "
        "seed only, so it shows what more updates can do, not how reliably."
    )

st.subheader("No long memory, in language: subject-verb agreement")
small = EXPERIMENTS["agreement"].small
seen = cached_training_profile(small["num_sentences"])
st.markdown(
    "Next-word models learn the built-in language, where at most one phrase like “near the cats” "
    f"sits between a subject and its verb ({seen['subjects_with_a_phrase']:.0%} of sentences), so in "
    f"training the subject and its verb are never more than {seen['longest_subject_verb_distance']} "
    f"words apart; and that phrase's noun **always has the other number** "
    f"({seen['near_phrases_with_other_number']:.0%} of them: the language never writes “the dog near "
    f"the cat”). Training sentences run to {seen['longest_sentence_words']} words; what the test "
    "changes is the subject–verb distance. The models then continue “the dog near the cats beside "
    "the cats …”: is a singular verb (runs, is) likelier than a plural one? Each point is 200 "
    "prefixes; a share is called below chance only where every seed's 95% interval lies under 50%. "
    + " ".join(f"*{name}*: {text}." for name, text in CONDITIONS.items())
)
small = EXPERIMENTS["agreement"].small
cols = st.columns([3, 2, 2])
models = cols[0].multiselect(
    "Models", list(ARCH_NAMES), small["architectures"], format_func=ARCH_NAMES.get, key="lab_agreement_models"
)
phrases = cols[1].slider("Most phrases in between", 2, 10, small["max_phrases"], key="lab_agreement_phrases")
epochs = cols[2].slider("Epochs", 1, 6, small["epochs"], key="lab_agreement_epochs")
if st.button("Run the agreement test", type="primary", key="lab_agreement_run", disabled=not models):
    run_live(
        "agreement",
        {
            "architectures": models,
            "max_phrases": phrases,
            "epochs": epochs,
            "num_sentences": small["num_sentences"],
        },
        agreement_figure,
    )
show_result("agreement", agreement_figure, agreement_summary, agreement_table)

st.subheader("The encoding bottleneck: translation with and without attention")
st.markdown(
    "The source is the built-in language, one to several sentences joined by “and”; the target is "
    "a made-up language with its own words and the verb at the end of each clause. The plain "
    "encoder-decoder must pass the whole sentence through its final state; the one with attention "
    "looks back at every encoder state while it writes. Two scores: *words in place* counts a word "
    "only at its exact position, so one early slip fails the rest; **BLEU** (sacrebleu's standard "
    "corpus BLEU) counts matching word sequences wherever they are."
)
small = EXPERIMENTS["bottleneck"].small
cols = st.columns([3, 2, 2, 2, 2])
models = cols[0].multiselect(
    "Models",
    list(TRANSLATION_MODELS),
    small["models"],
    format_func={"plain": "one vector", "attention": "with attention"}.get,
    help="\n".join(f"- {name}: {label}" for name, label in TRANSLATION_MODELS.items()),
    key="lab_bottleneck_models",
)
clauses = cols[1].slider(
    "Most clauses per sentence", 1, 6, small["max_clauses"], key="lab_bottleneck_clauses"
)
hidden = cols[2].select_slider(
    "Hidden size", [32, 64, 128, 256], small["hidden"], key="lab_bottleneck_hidden"
)
with cols[3]:
    steps = steps_choice(
        "Training steps", [500, 1000, 2000, 3000, 6000, 12_000], small["steps"], "lab_bottleneck_steps"
    )
with cols[4]:
    plain_steps = steps_choice(
        "Steps for the plain model",
        [500, 1000, 2000, 3000, 6000, 12_000],
        small["steps"],
        "lab_bottleneck_plain_steps",
    )
st.caption(
    "Compare like with like: a plain model that still gets short sentences wrong is undertrained, "
    "and its fall with length then mixes two causes. Give it more steps until its short sentences "
    "are right."
)
if st.button("Run the translation test", type="primary", key="lab_bottleneck_run", disabled=not models):
    run_live(
        "bottleneck",
        {
            "models": models,
            "max_clauses": clauses,
            "hidden": hidden,
            "steps": steps,
            "plain_steps": plain_steps,
        },
        bottleneck_figure,
    )
metric = st.segmented_control(
    "Score",
    ["bleu", "word_accuracy", "exact"],
    default="bleu",
    required=True,
    format_func={"bleu": "BLEU", "word_accuracy": "words in place", "exact": "exact"}.get,
    key="lab_bottleneck_metric",
)
show_result(
    "bottleneck", lambda table: bottleneck_figure(table, metric), bottleneck_summary, bottleneck_table
)

st.subheader("No parallelism: time against sequence length")
st.markdown(
    "An RNN layer must compute step t before step t+1; a self-attention layer computes every "
    "position at once and pays instead for comparing every pair. Measured now, on this server's "
    "device, one layer with 128 units and a batch of 16."
)
st.info(
    "**Time shows the point only on parallel hardware.** On a few CPU cores there is little to run "
    "side by side, so time follows the amount of arithmetic, and attention's n² comparisons can make "
    "it the slower layer. Vaswani et al. compare sequential operations: the second chart counts them "
    "in the layer's own computation, the longest chain of operations that must wait for each other, "
    "which is the same on any hardware.",
    icon=":material/info:",
)
small = EXPERIMENTS["parallel"].small
cols = st.columns([3, 3])
lengths = cols[0].multiselect(
    "Sequence lengths", [16, 32, 64, 128, 256, 512, 1024, 2048], small["lengths"], key="lab_parallel_lengths"
)
models = cols[1].multiselect(
    "Models",
    list(PARALLEL_MODELS),
    small["models"],
    format_func=PARALLEL_MODELS.get,
    key="lab_parallel_models",
)
if st.button("Measure", type="primary", key="lab_parallel_run", disabled=not (lengths and models)):
    run_live("parallel", {"lengths": sorted(lengths), "models": models}, parallel_figure)
show_result("parallel", parallel_figure, parallel_summary, parallel_table)
parallel_result = results().get("parallel")
if parallel_result is None or not parallel_result.rows:
    shipped = reference_result("parallel")
    parallel_result = shipped[0] if shipped else None
if parallel_result is not None and "critical_path_ops" in parallel_result.table:
    st.plotly_chart(critical_path_figure(parallel_result.table), key="lab_critical_path")
    st.caption(
        "Counted from the autograd graph of one layer: the recurrent layers unrolled one cell per step "
        "grow by a fixed number of operations per step (n steps, as in Vaswani et al.'s table 1); the "
        "self-attention layer's chain is the same at every length."
    )
