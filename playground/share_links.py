"""Share links for the pages that show a model: the run's config plus the page's view options.

A link names the model by its training config (the seed included), so whoever opens it can
retrain the same model; the view options then say what the page showed. Values come from
strangers, so each is parsed against bounds that may depend on the run (a layer index must
exist in that model) and falls back to the page's default with a warning that never repeats it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import parse_qs

from playground.config import (
    SECTIONS,
    ExperimentConfig,
    from_query_params,
    parse_number,
    read_link_values,
    to_query_params,
)
from playground.run import Run

Bound = float | Callable[[Run], float]
Choices = Sequence | Callable[[Run], Sequence]
CONFIG_KEYS = frozenset(f.name for cls in SECTIONS.values() for f in dataclasses.fields(cls))
MAX_LIST_ITEMS = 16
MAX_LINK_CHARS = 20_000
KINDS = ("text", "whole", "real", "choice", "switch", "whole_list")


def _resolve(value: Any, run: Run) -> Any:
    return value(run) if callable(value) else value


@dataclasses.dataclass(frozen=True)
class ViewOption:
    """One view option of a page, declared once: its name in links, its widget, its bounds and default.

    Pages draw their widgets from it (`ui/view.py`) and links read and write it, so a bound or a label
    cannot differ between the slider and the link. Bounds, choices and defaults may depend on the run.
    """

    name: str  # in the URL
    key: str  # the widget's key in st.session_state
    label: str | Callable[[Run], str]
    kind: str  # one of KINDS
    default: Any = None
    lo: Bound = 0
    hi: Bound = 0
    step: float | None = None
    choices: Choices = ()
    max_items: int = MAX_LIST_ITEMS  # whole_list
    max_chars: int = 0  # text
    format: Callable[[Any], str] = str  # how a choice is shown in its widget
    help: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: unknown kind {self.kind!r}")

    def label_for(self, run: Run) -> str:
        return _resolve(self.label, run)

    def bounds(self, run: Run) -> tuple[float, float]:
        """The lowest and highest value for this run (whole and real options)."""
        return _resolve(self.lo, run), _resolve(self.hi, run)

    def options(self, run: Run) -> list:
        """The values a choice (or the items a list) may take for this run."""
        return list(_resolve(self.choices, run))

    def default_for(self, run: Run) -> Any:
        """The default, clamped into this run's bounds or choices."""
        default = _resolve(self.default, run)
        if self.kind in ("whole", "real"):
            lo, hi = self.bounds(run)
            return min(max(default, lo), hi)
        if self.kind == "choice":
            options = self.options(run)
            return default if default in options else (options[0] if options else None)
        return default

    def parse(self, raw: str, run: Run) -> Any:
        """A value from a link, or ValueError saying what is wrong (never repeating the raw text)."""
        raw_value = raw.strip()
        if self.kind == "text":
            if len(raw) > self.max_chars:
                raise ValueError(f"is longer than {self.max_chars} characters")
            return raw
        if self.kind == "whole":
            lo, hi = self.bounds(run)
            return int(parse_number(raw, lo, hi, whole=True))
        if self.kind == "real":
            lo, hi = self.bounds(run)
            return float(parse_number(raw, lo, hi, whole=False))
        if self.kind == "switch":
            if raw_value not in ("0", "1"):
                raise ValueError("must be 0 or 1")
            return raw_value == "1"
        if self.kind == "choice":
            for option in self.options(run):
                if str(option) == raw_value:
                    return option
            raise ValueError("is not one of the options")
        items = [item for item in raw.split(",") if item.strip()]
        if len(items) > self.max_items:
            raise ValueError(f"has more than {self.max_items} items")
        lo, hi = self.bounds(run)
        return list(dict.fromkeys(int(parse_number(item, lo, hi, whole=True)) for item in items))

    def write(self, value: Any) -> str:
        """The value as a link writes it; `parse` reads it back."""
        if self.kind == "text":
            return str(value)[: self.max_chars]
        if self.kind == "real":
            return f"{value:g}"
        if self.kind == "switch":
            return "1" if value else "0"
        if self.kind == "whole_list":
            return ",".join(str(v) for v in value)
        return str(value)


def text_option(
    name: str, key: str, label: str, max_chars: int, default: str = "", help: str | None = None
) -> ViewOption:
    """Free text up to `max_chars` characters (shown escaped wherever it appears)."""
    return ViewOption(name, key, label, "text", default, max_chars=max_chars, help=help)


def whole_option(
    name: str, key: str, label: str | Callable[[Run], str], lo: Bound, hi: Bound, default: Any, **extra: Any
) -> ViewOption:
    """A whole number within bounds that may depend on the run."""
    return ViewOption(name, key, label, "whole", default, lo, hi, **extra)


def real_option(
    name: str, key: str, label: str, lo: float, hi: float, default: float, step: float, **extra: Any
) -> ViewOption:
    """A finite number within bounds, moved in steps of `step`."""
    return ViewOption(name, key, label, "real", default, lo, hi, step, **extra)


def choice_option(
    name: str, key: str, label: str, choices: Choices, default: Any = None, **extra: Any
) -> ViewOption:
    """One of a list of values (compared as text in a link, returned as the value itself)."""
    return ViewOption(name, key, label, "choice", default, choices=choices, **extra)


def switch_option(name: str, key: str, label: str, default: bool = False, **extra: Any) -> ViewOption:
    """On or off, written 1 or 0."""
    return ViewOption(name, key, label, "switch", default, **extra)


def whole_list_option(
    name: str, key: str, label: str, lo: Bound, hi: Bound, max_items: int, **extra: Any
) -> ViewOption:
    """A short comma-separated list of distinct whole numbers within bounds."""
    return ViewOption(name, key, label, "whole_list", [], lo, hi, max_items=max_items, **extra)


def read_view(
    params: dict[str, list[str]], options: Sequence[ViewOption], run: Run
) -> tuple[dict[str, Any], list[str]]:
    """The widget values a link asks for, keyed by widget key, and a warning for each bad one."""
    parsers = {
        option.name: (option.label_for(run), lambda raw, option=option: option.parse(raw, run))
        for option in options
    }
    values, warnings = read_link_values(params, parsers)
    by_name = {option.name: option.key for option in options}
    return {by_name[name]: value for name, value in values.items()}, warnings


def view_link(run: Run, widget_values: dict[str, Any], options: Sequence[ViewOption]) -> dict[str, str]:
    """URL parameters for `run` seen through these widget values; empty if the run cannot be rebuilt.

    A run trained on an uploaded file cannot travel in a link, so it gets none.
    """
    if run.config.data.source != "built-in":
        return {}
    params = to_query_params(run.config)
    for option in options:
        value = widget_values.get(option.key)
        if value is not None:
            params[option.name] = option.write(value)
    return params


def matches(run: Run, config) -> bool:
    """Whether `run` is the complete training that a link's config describes."""
    return run.config == config and run.complete


def link_params(link: str) -> dict[str, list[str]]:
    """The parameters of a share link, given whole, as its query string, or as its settings part."""
    text = link.strip()
    if len(text) > MAX_LINK_CHARS:
        raise ValueError(
            f"The link is longer than {MAX_LINK_CHARS:,} characters; a share link is far shorter."
        )
    if "?" in text:
        text = text.split("?", 1)[1]
    return parse_qs(text.split("#", 1)[0], keep_blank_values=True)


def config_from_link(link: str) -> tuple[ExperimentConfig, list[str]]:
    """The training config a share link describes, and the app's warnings for its bad values.

    The same parser as the app's (`from_query_params`), so the link trains the same model.
    """
    config, warnings = from_query_params(link_params(link)) if link.strip() else (None, [])
    if config is None:
        raise ValueError(
            "The link holds no training settings (it should contain task=…&arch=…&seed=…); "
            "copy it from “Share this configuration” on the Train page or “Share this view”."
        )
    return config, warnings
