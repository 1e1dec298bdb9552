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
