"""Figures assembled as plain specs and wrapped once, without plotly.py's property-by-property checks.

plotly.py validates every property each time one is set: `make_subplots` and a few `update_*` calls
cost a figure of Self-attention 36–126 ms to build, against 3 ms to wrap the same spec unchecked (and
22 ms checked). A figure a new sentence rebuilds is therefore written as dicts, laid on
`grid_layout`'s cached subplot grid, and wrapped by `assemble`. The checks are not lost: the tests
build every such figure and validate it (`tests/test_figures.py`), so a misspelt property fails there.

One thing validation did that a spec must do itself: name a colour scale by its colours
(`colorscale`). plotly.js has scales of the same names that differ from plotly.py's: its "RdBu" runs
blue to red and its "Blues" dark to light, the other way round.
"""

from __future__ import annotations

import copy
import functools
import json

import plotly.graph_objects as go
from plotly.colors import get_colorscale
from plotly.subplots import make_subplots


@functools.lru_cache(maxsize=128)
def _grid(rows: int, cols: int, arguments: str) -> dict:
    layout = make_subplots(rows, cols, **json.loads(arguments)).to_plotly_json()["layout"]
    layout.pop("template", None)  # `assemble` puts in the default template
    return layout


def grid_layout(rows: int, cols: int, **arguments) -> dict:
    """`make_subplots(rows, cols, **arguments)`'s layout (axes, domains, subplot titles) as a new dict;
    each set of arguments is laid out once per process."""
    return copy.deepcopy(_grid(rows, cols, json.dumps(arguments, sort_keys=True)))


@functools.lru_cache(maxsize=32)
def _colorscale(name: str) -> tuple[tuple[float, str], ...]:
    return tuple((float(stop), color) for stop, color in get_colorscale(name))


def colorscale(name: str) -> list[list]:
    """plotly.py's colour scale `name` as its stops, as validation would have written it."""
    return [list(stop) for stop in _colorscale(name)]


def axis_ref(kind: str, index: int) -> str:
    """How a trace names subplot axis `index` (1-based) of `kind` "x" or "y": x, x2, …"""
    return f"{kind}{index if index > 1 else ''}"


def axis_name(kind: str, index: int) -> str:
    """The layout key of subplot axis `index` (1-based) of `kind` "x" or "y": xaxis, xaxis2, …"""
    return f"{kind}axis{index if index > 1 else ''}"


def assemble(data: list[dict], layout: dict, frames: list[dict] | None = None) -> go.Figure:
    """A `go.Figure` of `data`, `layout` and `frames`, not validated (see the module's docstring), whose
    tick labels may pass the chart's edge (`allow_tick_overflow`)."""
    allow_tick_overflow(data, layout)
    return go.Figure(data=data, layout=layout, frames=frames, _validate=False)


def allow_tick_overflow(data: list[dict], layout: dict) -> None:
    """Let every axis's and colour bar's tick labels pass the chart's edge, unless a spec says otherwise.

    plotly.js otherwise measures each tick label of a numeric axis or colour bar on every drawing, to
    hide those past the edge of the chart (`ticklabeloverflow` "hide past div"): each measurement
    makes the browser lay the page out again, about a sixth of the time Self-attention took to draw a
    new sentence. The labels sit in the margins plotly.js reserves for them, so none was hidden anyway.
    """
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")):
            axis.setdefault("ticklabeloverflow", "allow")
    for trace in data:
        for owner in (trace, trace.get("marker") or {}):
            if isinstance(owner, dict) and "colorbar" in owner:
                owner["colorbar"].setdefault("ticklabeloverflow", "allow")
