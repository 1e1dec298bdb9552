"""The sentence box every 'look inside' page starts from, with unknown words flagged."""

from __future__ import annotations

import streamlit as st

from playground.run import Run
from playground.text import escape_markdown


def flag_unknown(run: Run, text: str) -> None:
    """Tell the learner which of their words the model has never seen."""
    unknown = run.vocab.unknown_tokens(text)
    if unknown:
        shown = ", ".join(f"“{escape_markdown(w, 30)}”" for w in unknown[:12])
        more = f" and {len(unknown) - 12} more" if len(unknown) > 12 else ""
        st.warning(
            f"Not in this model's vocabulary, so read as `<unk>`: {shown}{more}. "
            "Try words from the training data.",
            icon=":material/help:",
        )


def has_chosen_examples(run: Run) -> bool:
    """Runs on the built-in corpora, read as words, can use sentences chosen for them."""
    return run.config.data.source == "built-in" and run.vocab.level == "word"


def default_sentence(run: Run, built_in: dict[str, str]) -> str:
    """A chosen sentence for the built-in corpora, else one the model held out of the learner's data."""
    if has_chosen_examples(run):
        return built_in[run.task]
    return run.examples[0] if run.examples else ""


def limited_text_input(label: str, value: str, key: str, limit: int, container=st, **kwargs) -> str:
    """A text input that accepts any paste and reads only its first `limit` characters, saying so.

    Streamlit's own max_chars silently refuses a longer paste, which looks like a broken box.
    """
    text = container.text_input(label, value, key=key, **kwargs)
    if len(text) > limit:
        st.warning(
            f"That is {len(text):,} characters; only the first {limit} are read.",
            icon=":material/content_cut:",
        )
        text = text[:limit]
    return text


def sentence_box(run: Run, built_in: dict[str, str], key: str, max_chars: int = 400) -> str:
    """A text input starting from a sensible sentence for this run; unknown words are flagged."""
    text = limited_text_input("Sentence", default_sentence(run, built_in), key, max_chars)
    flag_unknown(run, text)
    return text
