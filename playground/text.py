"""Making user text safe to show inside Markdown."""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")


def escape_markdown(text: str, limit: int = 300) -> str:
    """Backslash-escape Markdown syntax so user text shows as typed, never as links or HTML."""
    text = text if len(text) <= limit else text[:limit] + "…"
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text.replace("\n", " "))
