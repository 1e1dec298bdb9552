"""Making text from users, files and links safe to show: one escaping function per target."""

from __future__ import annotations

import re
import unicodedata

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'^@])")
# GitHub-style autolinks ("www.x", "https://x", "a@b.c", "mailto:a") are found in the text *after*
# backslash escapes are resolved, so escaping cannot stop them. A word joiner (U+2060: invisible,
# no line break) inside each pattern's fixed part breaks it without changing what is seen.
_AUTOLINK_PARTS = re.compile(r"(?i)www(?=\.)|(?:https?|mailto|xmpp)(?=:)|@")
WORD_JOINER = "\u2060"
# Streamlit turns ":material/home:" and ":smile:" into icons after Markdown escapes are resolved, so a
# word joiner after the colon is what keeps them as typed.
_SHORTCODE_START = re.compile(r":(?=[\w/])")
_PLOTLY_SPECIAL = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "$": "&#36;",
    "%": "&#37;",
    "{": "&#123;",
    "}": "&#125;",
}


ZERO_WIDTH_JOINER = "\u200d"


def joins_symbols(text: str, i: int) -> bool:
    """Whether text[i] is a zero-width joiner between two symbols: part of one emoji (👨‍👩‍👧), not hidden."""
    return (
        text[i] == ZERO_WIDTH_JOINER
        and 0 < i < len(text) - 1
        and unicodedata.category(text[i - 1])[0] == unicodedata.category(text[i + 1])[0] == "S"
    )


def visible_characters(text: str) -> str:
    """Invisible control and format characters written as their code points, e.g. [U+200B]; a joiner
    inside an emoji stays as it is."""
    return "".join(
        f"[U+{ord(c):04X}]" if unicodedata.category(c) in ("Cc", "Cf") and not joins_symbols(text, i) else c
        for i, c in enumerate(text)
    )


FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE = "\u2068", "\u2069"


def isolated(text: str) -> str:
    """Text with right-to-left letters (Arabic, Hebrew) in a bidi isolate, so it cannot reorder the
    quotes and commas around it ("”بالعالم“"); other text as it is."""
    if any(unicodedata.bidirectional(c) in ("R", "AL") for c in text):
        return f"{FIRST_STRONG_ISOLATE}{text}{POP_DIRECTIONAL_ISOLATE}"
    return text


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _break_autolink(match: re.Match) -> str:
    return f"{WORD_JOINER}@{WORD_JOINER}" if match[0] == "@" else match[0] + WORD_JOINER


def escape_markdown(text: object, limit: int = 300) -> str:
    """User text for st.markdown and every other Markdown string: shown as typed, never a link,
    formatting, a formula or HTML.

    Backslash-escapes Markdown syntax and breaks autolinks with an invisible word joiner.
    Invisible control and format characters are written as their code points, e.g. [U+200B];
    right-to-left text is isolated (`isolated`).
    """
    text = visible_characters(shorten(str(text), limit).replace("\n", " "))
    text = _SHORTCODE_START.sub(":" + WORD_JOINER, _AUTOLINK_PARTS.sub(_break_autolink, text))
    return isolated(_MARKDOWN_SPECIAL.sub(r"\\\1", text))


def capitalized(text: str) -> str:
    """`text` with its first letter upper-case and the rest as it was (str.capitalize lowercases the
    rest, the learner's words included, and finds no letter behind a bidi isolate)."""
    for i, c in enumerate(text):
        if c.isalpha():
            return text[:i] + c.upper() + text[i + 1 :]
    return text


def escape_plotly(text: object, limit: int = 200) -> str:
    """User text for any Plotly string (titles, axes, ticks, legends, hover text, annotations).

    Plotly draws a subset of HTML there (<a href>, <b>, <br>, ...), fills %{...} templates and
    typesets $...$ with MathJax; entities keep all of it as plain characters.
    """
    text = visible_characters(shorten(str(text), limit))
    return isolated("".join(_PLOTLY_SPECIAL.get(c, c) for c in text))


_WHITESPACE_LABELS = {" ": "␣", "\n": "↵", "\t": "⇥", "\r": "␍"}


def token_label(token: str) -> str:
    """A token as a chart or table shows it: spaces and line breaks as visible symbols (␣, ↵)."""
    if token in _WHITESPACE_LABELS:
        return _WHITESPACE_LABELS[token]
    if len(token) == 1 and unicodedata.category(token) in ("Cc", "Cf", "Zs", "Zl", "Zp"):
        return f"U+{ord(token):04X}"
    return token


_TERMINAL_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


_LINE_BREAKS = re.compile(r"[\t\n]")


def for_terminal(text: object, one_line: bool = False) -> str:
    """Text for a terminal: control characters (escape sequences that clear the screen or recolour
    it, a carriage return that writes over a label) and bidi overrides written as escapes, `\\x1b`.
    Newlines and tabs stay, unless `one_line` (a label from a file, printed inside a line)."""
    escape = lambda m: repr(m.group())[1:-1]  # noqa: E731
    text = _TERMINAL_UNSAFE.sub(escape, str(text))
    return _LINE_BREAKS.sub(escape, text) if one_line else text


def percent(p: float) -> str:
    """A probability to one decimal, never a false 100.0% or 0.0%: a softmax gives neither."""
    text = f"{p:.1%}"
    if text == "100.0%" and p < 1:
        return ">99.9%"
    if text == "0.0%" and p > 0:
        return "<0.1%"
    return text


def cut_at_word(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at a space where one is near: a cut through "music"
    left "mu", which the page then flagged as a word the model does not know."""
    if len(text) <= limit or text[limit].isspace():
        return text[:limit]
    space = max(text.rfind(" ", 0, limit), text.rfind("\n", 0, limit))
    return text[:space] if space >= limit // 2 else text[:limit]
