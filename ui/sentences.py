"""The sentence boxes pages start from: pastes cut at a limit, examples to click, unknown words flagged."""

from __future__ import annotations

import streamlit as st

from playground.analysis.prediction import input_limit, tokens_read, unread_tokens
from playground.data.examples import example_inputs, has_chosen_examples
from playground.data.tokenizer import has_invisible, join_tokens
from playground.run import Run
from playground.share_links import ViewOption
from playground.text import cut_at_word, escape_markdown


def invisible_note(text: str) -> str:
    """A sentence for a message naming unknown words, when some were joined by characters nobody sees."""
    if not has_invisible(text):
        return ""
    return (
        " Your text has invisible characters, such as zero-width spaces, direction marks or emoji "
        "style selectors: they are removed before reading, and words only they separated become one word."
    )


def flag_unknown(run: Run, text: str) -> None:
    """Tell the learner which of their words the model has never seen."""
    unknown = run.vocab.unknown_tokens(text)
    if unknown:
        shown = ", ".join(f"“{escape_markdown(w, 30)}”" for w in unknown[:12])
        more = f" and {len(unknown) - 12} more" if len(unknown) > 12 else ""
        st.warning(
            f"Not in this model's vocabulary, so read as `<unk>`: {shown}{more}. "
            "Try words from the training data." + invisible_note(text),
            icon=":material/help:",
        )


def limited_text_input(label: str, value: str, key: str, limit: int, container=st, **kwargs) -> str:
    """A text input that accepts any paste and reads only its first `limit` characters, saying so.

    Streamlit's own max_chars silently refuses a longer paste, which looks like a broken box.
    """
    text = container.text_input(label, value, key=key, **kwargs)
    if len(text) > limit:
        kept = cut_at_word(text, limit)
        whole = text[len(kept)].isspace()  # a word longer than the space left is cut through
        how = (
            f"whole words, up to the limit of {limit:,}"
            if whole
            else f"the limit is {limit:,}; a word that long is cut through"
        )
        st.warning(
            f"That is {len(text):,} characters; only the first {len(kept):,} are read ({how}).",
            icon=":material/content_cut:",
        )
        text = kept
    return text


def sentence_box(run: Run, option: ViewOption) -> str:
    """The page's sentence option as a text input starting from its default; unknown words are flagged.

    A default the learner left as it was follows the model: another run's default (a review of films
    for a model of the toy language) would be mostly unknown words. What they typed stays.
    """
    default, shown = option.default_for(run), f"{option.key}_default_shown"
    previous = st.session_state.get(shown)
    if previous is not None and previous != default and st.session_state.get(option.key) == previous:
        st.session_state[option.key] = default
    st.session_state[shown] = default
    text = limited_text_input(option.label_for(run), default, option.key, option.max_chars)
    flag_unknown(run, text)
    return text


def sentence_with_examples(run: Run, option: ViewOption) -> str:
    """A sentence box with clickable examples above it: chosen ones, or inputs held out of an upload."""
    curated = has_chosen_examples(run)
    examples = example_inputs(run)

    def use_example() -> None:
        if st.session_state.get(f"{option.key}_example"):
            st.session_state[option.key] = st.session_state[f"{option.key}_example"]

    if examples:
        st.pills(
            "Try an example" if curated else "Try text the model did not train on",
            examples,
            format_func=lambda example: escape_markdown(example, 80),
            key=f"{option.key}_example",
            on_change=use_example,
        )
    return sentence_box(run, option)


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
    read = tokens_read(run, from_start)
    if read < input_limit(run):
        why += ", and the first holds `<bos>`, the start-of-sentence marker it was trained with"
    where, other_end = ("first", "last") if from_start else ("last", "first")
    total = len(unread) + read
    shown = escape_markdown(join_tokens(unread, run.vocab.level), 200)
    st.warning(
        f"The model reads only the {where} {read:,} {unit} ({why}); of the {total:,} {unit} here, it did "
        f"not read the {other_end} {len(unread):,}: “{shown}”.",
        icon=":material/content_cut:",
    )


PROMPT_SHOWN = 120  # characters of a long prompt's end shown before a continuation


def continuation_line(number: int, prompt: str, continuation: str) -> str:
    """One numbered continuation as markdown: the prompt's end (what the model continues), then the
    model's words in bold, or a note where it ended the sentence at once."""
    prompt = prompt.rstrip()
    start = prompt if len(prompt) <= PROMPT_SHOWN else "…" + prompt[-PROMPT_SHOWN:]
    written = "*(the model ends the sentence here)*"
    if continuation.strip():
        written = f"**{escape_markdown(continuation)}**"
    return f"{number}. {escape_markdown(start)} {written}"
