"""Making user text safe to show inside Markdown."""

from __future__ import annotations

import re
import unicodedata

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")


def escape_markdown(text: str, limit: int = 300) -> str:
    """Backslash-escape Markdown syntax so user text shows as typed, never as links or HTML.

    Invisible control and format characters are written as their code points, e.g. [U+200B].
    """
    text = text if len(text) <= limit else text[:limit] + "…"
    text = "".join(f"[U+{ord(c):04X}]" if unicodedata.category(c) in ("Cc", "Cf") else c
                   for c in text.replace("\n", " "))
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


_WHITESPACE_LABELS = {" ": "␣", "\n": "↵", "\t": "⇥", "\r": "␍"}


def token_label(token: str) -> str:
    """A token as a chart or table shows it: spaces and line breaks as visible symbols (␣, ↵)."""
    if token in _WHITESPACE_LABELS:
        return _WHITESPACE_LABELS[token]
    if len(token) == 1 and unicodedata.category(token) in ("Cc", "Cf", "Zs", "Zl", "Zp"):
        return f"U+{ord(token):04X}"
    return token
