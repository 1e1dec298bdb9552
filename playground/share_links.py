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

from playground.config import SECTIONS, ExperimentConfig, from_query_params, parse_number, to_query_params
from playground.run import Run

Bound = float | Callable[[Run], float]
CONFIG_KEYS = frozenset(f.name for cls in SECTIONS.values() for f in dataclasses.fields(cls))
MAX_LIST_ITEMS = 16
MAX_LINK_CHARS = 20_000


@dataclasses.dataclass(frozen=True)
class ViewOption:
    """One view option of a page: its name in the URL, its widget key and how to read and write it."""

    name: str
    key: str
    label: str
    parse: Callable[[str, Run], Any]
    write: Callable[[Any], str] = str


def text_option(name: str, key: str, label: str, max_chars: int) -> ViewOption:
    """A text box's option: read up to `max_chars` characters, and written cut to that length."""
    return ViewOption(name, key, label, free_text(max_chars), clipped(max_chars))


def _bound(bound: Bound, run: Run) -> float:
    return bound(run) if callable(bound) else bound


def free_text(max_chars: int) -> Callable[[str, Run], str]:
    """Any text up to `max_chars` characters (it is shown escaped wherever it appears)."""

    def parse(raw: str, run: Run) -> str:
        if len(raw) > max_chars:
            raise ValueError(f"is longer than {max_chars} characters")
        return raw

    return parse


def clipped(max_chars: int) -> Callable[[str], str]:
    """Writes text for a link, cut to what `free_text(max_chars)` will read back."""
    return lambda value: value[:max_chars]


def whole(lo: Bound, hi: Bound) -> Callable[[str, Run], int]:
    """A whole number within bounds that may depend on the run."""
    return lambda raw, run: int(parse_number(raw, _bound(lo, run), _bound(hi, run), whole=True))


def real(lo: float, hi: float) -> Callable[[str, Run], float]:
    """A finite number within bounds."""
    return lambda raw, run: float(parse_number(raw, lo, hi, whole=False))


def one_of(choices: Sequence | Callable[[Run], Sequence]) -> Callable[[str, Run], Any]:
    """One of a fixed list of values (compared as text, returned as the value itself)."""

    def parse(raw: str, run: Run) -> Any:
        options = choices(run) if callable(choices) else choices
        for option in options:
            if str(option) == raw.strip():
                return option
        raise ValueError("is not one of the options")

    return parse


def switch(raw: str, run: Run) -> bool:
    """On or off, written 1 or 0."""
    if raw.strip() not in ("0", "1"):
        raise ValueError("must be 0 or 1")
    return raw.strip() == "1"


def write_switch(value: bool) -> str:
    return "1" if value else "0"


def whole_list(lo: Bound, hi: Bound, max_items: int = MAX_LIST_ITEMS) -> Callable[[str, Run], list[int]]:
    """A short comma-separated list of distinct whole numbers within bounds."""

    def parse(raw: str, run: Run) -> list[int]:
        items = [item for item in raw.split(",") if item.strip()]
        if len(items) > max_items:
            raise ValueError(f"has more than {max_items} items")
        numbers = [int(parse_number(item, _bound(lo, run), _bound(hi, run), whole=True)) for item in items]
        return list(dict.fromkeys(numbers))

    return parse


def write_list(values: Sequence[int]) -> str:
    return ",".join(str(v) for v in values)


def float_text(value: float) -> str:
    return f"{value:g}"


def read_view(
    params: dict[str, list[str]], options: Sequence[ViewOption], run: Run
) -> tuple[dict[str, Any], list[str]]:
    """The widget values a link asks for, keyed by widget key, and a warning for each bad one."""
    values, warnings = {}, []
    for option in options:
        raw = params.get(option.name)
        if raw is None:
            continue
        if len(raw) != 1:
            warnings.append(f"{option.label} appears {len(raw)} times in the link; using the default.")
            continue
        try:
            values[option.key] = option.parse(raw[0], run)
        except ValueError as error:
            warnings.append(f"{option.label} in the link {error}; using the default.")
    return values, warnings


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
    config, warnings = from_query_params(link_params(link))
    if config is None:
        raise ValueError(
            "The link holds no training settings (it should contain task=…&arch=…&seed=…); "
            "copy it from “Share this configuration” on the Train page or “Share this view”."
        )
    return config, warnings
