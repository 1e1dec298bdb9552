"""The four task shapes, each a small model trained in the page: one to one, many to one, one to many,
many to many (next word and translation)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from playground.analysis.prediction import generate, sentiment_trajectory
from playground.analysis.recurrence import is_recurrent
from playground.experiments.shapes import (
    LABELS,
    classify_each_word,
    train_one_to_many,
    train_one_to_one,
    write_from_label,
)
from playground.experiments.translation import train_translator, translate_sentence
from playground.figures.experiments import translation_attention_figure
from playground.figures.prediction import sentiment_trajectory_figure
from playground.run import Run
from playground.text import capitalized, escape_markdown
from ui.sentences import continuation_line, flag_unknown, limited_text_input
from ui.state import runs
from ui.training import train_default_buttons, training_slot

# Each input's default, and the name it has in the address bar (a link gives only what differs).
DEFAULTS: dict[str, Any] = {
    "one_to_one": "the film was not good",
    "many_to_one": "the film was not good",
    "writer_temperature": 0.8,
    "writer_seed": 0,
    "start": "the dog near the cats",
    "translate": "the dogs near the cat are happy",
}


def trained_here(label: str, key: str, train: Callable[[], Any]) -> Any:
    """A small model kept in this session, trained when `label` is clicked; None until then.

    It takes one of the server's training slots, like every other training. A click elsewhere (another
    tab of the page) stops this script run while the model trains, after which every Streamlit call
    raises: the model still lands in `models`, a plain dict, and the tab shows it when it is opened
    again (the translator's 40 seconds were lost, slot and core held all the same).
    """
    models = st.session_state.setdefault("lab_models", {})
    if st.button(label, key=f"lab_train_{key}", icon=":material/play_arrow:"):
        with training_slot() as granted, st.spinner("Training…"):
            if granted:
                models[key] = train()
    trained = models.get(key)
    if trained is None:
        st.caption(
            "A small model for this tab only: unlike your runs, it is not saved, and a reload "
            "trains it again."
        )
    return trained


def quick_run(task: str, key: str) -> Run | None:
    """The newest finished recurrent run (RNN or LSTM) on `task`'s built-in data, or a button that
    trains the default LSTM for it here: the tab says a recurrent network reads the words (it showed a
    bag of words under that sentence)."""
    found = [
        r
        for r in runs()
        if r.task == task and r.config.data.source == "built-in" and r.complete and is_recurrent(r)
    ]
    if found:
        return found[-1]
    label = f"Train the default {'sentiment' if task == 'sentiment' else 'next-word'} LSTM (a few seconds)"
    train_default_buttons([(label, task, "lstm", key)])
    return None


def one_to_one() -> None:
    """A feed-forward net that classifies one word at a time, and so cannot see a negation."""
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
        text = limited_text_input("Sentence", DEFAULTS["one_to_one"], "one_to_one", 300, bind="query-params")
        words = classify_each_word(trained, text)
        if words.empty:
            st.info("Type at least one word.")
            return
        st.dataframe(
            words,
            hide_index=True,
            column_config={
                label: st.column_config.ProgressColumn(label, min_value=0, max_value=1, format="%.2f")
                for label in ("negative", "neutral", "positive")
            },
        )
        negations = [
            w for w in dict.fromkeys(words["word"]) if w in ("not", "never", "no", "nothing", "nobody")
        ]
        if negations:
            named = " and ".join(f"“{escape_markdown(w)}”" for w in negations)
            # the sentence's own sentiment word after a negation (it always said "good")
            order = list(words["word"])
            first = min(order.index(w) for w in negations)
            judged = [w for w, c in zip(order, words["class"], strict=True) if c != "neutral"]
            after = next((w for w in order[first + 1 :] if w in judged), None)
            target = f"“{escape_markdown(after)}”" if after else "the word it negates"
            st.info(
                f"{named} {'is' if len(negations) == 1 else 'are'} just another word to it, read alone: "
                f"it cannot turn {target} around. That takes a model that reads the words in order, the "
                "next tab."
            )


def many_to_one() -> None:
    """The sentiment of a sentence, word by word, from the newest built-in sentiment run."""
    st.markdown(
        "**A sentence in, one class out.** The recurrent network reads every word and its last "
        "state decides the sentiment. The chart shows its answer after each word."
    )
    run = quick_run("sentiment", "lab_train_many_to_one")
    if run is not None:
        text = limited_text_input(
            "Sentence", DEFAULTS["many_to_one"], "many_to_one", 300, bind="query-params"
        )
        trajectory = sentiment_trajectory(run, text)
        if trajectory.empty:
            st.info("Type at least one word.")
        else:
            st.plotly_chart(sentiment_trajectory_figure(trajectory, run.class_names), key="lab_trajectory")
            st.caption(
                "Each point is the answer the model would give if the sentence ended at that word. It "
                "was trained on whole sentences only, so its answers part-way through (after “was”, "
                "before the word that decides) can swing widely; the last point is its answer."
            )
        st.caption(f"Model: {run.name}. More on the **Predict** page.")


def one_to_many() -> None:
    """A review written from a label alone."""
    st.markdown(
        "**One label in, a sentence out.** The label becomes the LSTM's first hidden state; from "
        "there it writes a review one word at a time, feeding each word back in."
    )
    writer = trained_here("Train the review writer (a few seconds)", "one_to_many", train_one_to_many)
    if writer is not None:
        steers = writer.label_agreement >= 0.8
        st.caption(
            f"On held-out reviews its loss is {writer.loss_with_label:.3f} per word given the right "
            f"label and {writer.loss_with_other_label:.3f} given the other one. Of {writer.samples} "
            f"reviews it wrote at temperature 0.8, {writer.label_agreement:.0%} use only sentiment "
            "words of the label it was given: "
            + ("the label steers it." if steers else "the label steers it only weakly.")
            + " It learnt from reviews whose verdict is in their words (no “not”, no “but”)."
        )
        left, right = st.columns(2)
        temperature = left.slider(
            "Temperature",
            0.2,
            1.5,
            DEFAULTS["writer_temperature"],
            0.1,
            key="writer_temperature",
            bind="query-params",
        )
        seed = right.number_input(
            "Seed", 0, 10_000, DEFAULTS["writer_seed"], key="writer_seed", bind="query-params"
        )
        for column, label in zip(st.columns(2), LABELS, strict=True):
            column.markdown(f"**{label}**")
            for sentence in write_from_label(writer, label, 4, temperature, int(seed)):
                column.markdown(f"- {escape_markdown(sentence)}")


def many_to_many() -> None:
    """Next word at every step, and a translator (encoder then decoder) with its attention."""
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
            text = limited_text_input("Start", DEFAULTS["start"], "start", 300, bind="query-params")
            flag_unknown(run, text)
            if not text.strip():
                st.caption("No start: it writes each sentence from the beginning.")
            for offset in range(3):
                continuation = generate(run, text, 12, 0.8, 10, offset)
                st.markdown(continuation_line(offset + 1, text, continuation))
            st.caption(f"Model: {run.name}.")
    with translation:
        st.markdown("**Translation, encoder then decoder**")
        st.caption(
            "Into a made-up language with its own words and the verb at the end of each clause. With "
            "attention, the decoder looks back at every word it read."
        )
        translator = trained_here(
            "Train a small translator (about 30 seconds)", "translator", train_translator
        )
        if translator is not None:
            text = limited_text_input(
                "Sentence to translate", DEFAULTS["translate"], "translate", 200, bind="query-params"
            )
            try:
                translated = translate_sentence(translator, text)
            except ValueError as error:
                st.warning(f"{capitalized(escape_markdown(str(error)))}. Use words of the built-in language.")
            else:
                st.markdown(
                    f"**It writes:** {escape_markdown(' '.join(translated.output))}  \n"
                    f"**Reference:** {escape_markdown(' '.join(translated.reference))}  \n"
                    f"{translated.score()}"
                )
                st.caption(f"On held-out sentences it gets {translator.word_accuracy:.0%} of words right.")
    if translated is not None:
        st.plotly_chart(
            translation_attention_figure(translated.attention, translated.source, translated.output),
            key="lab_translation_attention",
        )
        st.caption(
            "Each row is one word the decoder wrote; its darkest cell is the source word it weighted "
            "most. Not every row lines a word up with its translation: the verb's row points back to the "
            "verb, wherever the reordering moved it, while other rows may rest on “the” or on the word "
            "that comes next."
        )


@dataclasses.dataclass(frozen=True)
class Shape:
    """One tab of the page: its label (the `shape` of its link), what it draws, its inputs' keys."""

    label: str
    draw: Callable[[], None]
    keys: tuple[str, ...]


SHAPES = (
    Shape("One to one", one_to_one, ("one_to_one",)),
    Shape("Many to one", many_to_one, ("many_to_one",)),
    Shape("One to many", one_to_many, ("writer_temperature", "writer_seed")),
    Shape("Many to many", many_to_many, ("start", "translate")),
)


def shape_link(shape: Shape, values: dict[str, Any]) -> dict[str, str]:
    """The query of a link to `shape`'s tab with the inputs the learner changed (defaults left out)."""
    link = {} if shape is SHAPES[0] else {"shape": shape.label}
    for key in shape.keys:
        default = DEFAULTS[key]
        value = values.get(key, default)
        if value != default:
            link[key] = _text(value)
    return link


def tidy_link(link: dict[str, list[str]]) -> tuple[dict[str, list[str]], list[str]]:
    """The link's parameters this page uses, its tab named as the page names it, and notes on
    repeated ones. Others (a mail or course site's `utm_source`, `fbclid`) are not the page's to judge.
    """
    labels = {shape.label.casefold(): shape.label for shape in SHAPES}
    ours = {name: values for name, values in link.items() if name == "shape" or name in DEFAULTS}
    notes = [
        f"“{name}” appears {len(values)} times in the link; the last is used."
        for name, values in ours.items()
        if len(values) > 1
    ]
    asked = ours["shape"][-1] if ours.get("shape") else ""
    label = labels.get(" ".join(asked.split()).casefold())
    if label is not None and label != asked:  # "many to one", as people retype it
        ours["shape"] = [label]
    return ours, notes


def unused_link_values(link: dict[str, list[str]], values: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """What a link asked for that the page did not take (a value past a bound, not a number, a tab that
    does not exist), as `name=value` strings, and the link's names not yet judged (their inputs appear
    once the tab's model is trained). Streamlit drops such values silently, for the default."""
    unused, waiting = [], []
    labels = [shape.label for shape in SHAPES]
    for name, raw in link.items():
        wanted = raw[-1] if raw else ""
        if name == "shape":
            if wanted not in labels:
                unused.append(f"shape={wanted}")
        elif name not in values:
            waiting.append(name)
        elif not _took(values[name], wanted):
            unused.append(f"{name}={wanted}")
    return unused, waiting


def _took(value: Any, wanted: str) -> bool:
    """Whether an input holds what a link asked for ("0.80" and 0.8 are one temperature)."""
    if isinstance(value, int | float):
        try:
            return float(wanted) == float(value)
        except ValueError:
            return False
    return str(value) == wanted


def _text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def share_shape(shape: Shape) -> None:
    """A link to this tab as it is now: its sentence or settings, for the receiver's own small model."""
    link = shape_link(
        shape, {key: st.session_state.get(key) for key in shape.keys if key in st.session_state}
    )
    with st.popover("Share this view", icon=":material/link:"):
        base = (st.context.url or "").split("?")[0]
        st.code(f"{base}?{urlencode(link)}" if link else base, language=None, wrap_lines=True)
        st.caption(
            "The link opens this tab with what you typed or set. The small models of this page are "
            "not saved, so whoever opens it trains their own with one click (the next-word and "
            "sentiment tabs use their own newest RNN or LSTM, or train the default LSTM)."
        )
