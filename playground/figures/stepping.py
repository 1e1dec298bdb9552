"""Charts that step through time in the browser: Plotly frames with a slider and a play button.

A step is a frame the browser already holds, so moving the slider or pressing play costs no server
round trip. Each builder takes the per-step values the analysis computed and puts step t's values in
frame t; nothing is recomputed here.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from playground.figures.attention import MASKED_COLOR, WRITTEN_UP_TO
from playground.figures.concepts import HIDDEN_COLOR, INPUT_COLOR, OUTPUT_COLOR
from playground.figures.recurrence import (
    CELL_COLOR,
    MAX_DRAWN_STEPS,
    arrow_labels,
    arrow_trace,
    diagram_rows,
    network_arrows,
    window_start,
)
from playground.figures.spec import assemble, grid_layout
from playground.text import escape_plotly

FRAME_MS = 700  # one step per 0.7 s when playing: slow enough to read the bars
GATE_NAMES = ("forget f_t", "input i_t", "output o_t")
TANH_NAMES = ("h_t", "h_{t-1}", "candidate g_t")
GATE_COLOR = "#4C78A8"  # gates, 0 to 1
QUANTITY_COLOR = "#B2415A"  # every other quantity, up for positive and down for negative


def player_layout(
    names: list[str],
    labels: list[str],
    prefix: str = "step ",
    redraw: bool = True,
    below: int = 0,
) -> dict:
    """The layout of a slider over the frames `names` (shown as `labels`) and play / pause buttons, set
    to frame 0.

    `redraw=False` where every trace that changes is a bar or a scatter (the trace types plotly.js
    updates in place): a step then restyles those marks instead of redrawing the whole figure.
    `below`: pixels between the plot and the controls, for tick labels and an axis title under it.
    With one frame there is nothing to step through: no controls.
    """
    if len(names) < 2:  # one step: nothing to play or slide through
        return {"sliders": [], "updatemenus": []}
    animate = {"mode": "immediate", "frame": {"duration": 0, "redraw": redraw}, "transition": {"duration": 0}}
    steps = [
        {"label": label, "method": "animate", "args": [[name], animate]}
        for name, label in zip(names, labels, strict=True)
    ]
    play = {
        "frame": {"duration": FRAME_MS, "redraw": redraw},
        "transition": {"duration": 0},
        "fromcurrent": True,
    }
    pause = {"mode": "immediate", "frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0}}
    return {
        "sliders": [
            {
                "active": 0,
                "steps": steps,
                "currentvalue": {"prefix": prefix, "font": {"size": 13}},
                # in pixels: clear of the buttons at any width, and room for the last step's label
                "pad": {"t": 30 + below, "b": 0, "l": 90, "r": 40},
                "x": 0,
                "len": 1,
            }
        ],
        "updatemenus": [
            {
                "type": "buttons",
                "direction": "left",
                "showactive": False,
                "x": 0.0,
                "xanchor": "left",
                "y": 0,
                "yanchor": "top",
                "pad": {"t": 40 + below, "r": 10},
                "buttons": [
                    {"label": "▶", "method": "animate", "args": [None, play]},
                    {"label": "❚❚", "method": "animate", "args": [[None], pause]},
                ],
            }
        ],
    }


def add_player(
    fig: go.Figure,
    names: list[str],
    labels: list[str],
    prefix: str = "step ",
    redraw: bool = True,
    below: int = 0,
) -> go.Figure:
    """`fig` with `player_layout`'s slider and buttons."""
    return fig.update_layout(**player_layout(names, labels, prefix, redraw, below))


def quantity_range(name: str, values: np.ndarray) -> tuple[float, float]:
    """A colour range for one quantity: gates 0 to 1, tanh outputs ±1, others ± their own largest value.

    One range per quantity (not one for the whole table), so h_t within ±1 is not washed out by a
    pre-activation of 6; the same range at every step, so frames compare.
    """
    largest = float(np.nanmax(np.abs(values))) if values.size else 1.0
    if name in GATE_NAMES:
        return 0.0, 1.0
    if name in TANH_NAMES and largest <= 1.0:
        return -1.0, 1.0
    largest = largest or 1.0
    return -largest, largest


# A state and its previous step's value share one range, so one number looks the same in both rows.
SAME_RANGE = {"h_{t-1}": "h_t", "c_{t-1}": "c_t"}


def quantity_ranges(tables: list[pd.DataFrame]) -> dict[str, tuple[float, float]]:
    """Each quantity's `quantity_range` over every step of `tables`; h_{t-1} and c_{t-1} on the ranges
    of h_t and c_t taken over both (c_{t-1} of step t is c_t of step t - 1, and they were ±5.2 and ±5.5)."""
    values = {name: np.stack([t[name].to_numpy() for t in tables]) for name in tables[0].columns}
    pooled = dict(values)
    for previous, current in SAME_RANGE.items():
        if previous in values and current in values:
            pooled[previous] = pooled[current] = np.concatenate([values[previous], values[current]])
    return {name: quantity_range(name, pooled[name]) for name in values}


def subscripted(name: str) -> str:
    """A quantity's name as a chart writes it: "h_{t-1}" as h<sub>t−1</sub>, "f_t" as f<sub>t</sub>."""
    return re.sub(r"_\{([^}]*)\}|_(\w+)", lambda m: f"<sub>{(m[1] or m[2]).replace('-', '−')}</sub>", name)


def quantity_label(name: str, low: float, high: float) -> str:
    """A row label that carries the row's own colour range."""
    shown = subscripted(name)
    return f"{shown}  [{low:g}, {high:g}]" if low == 0 else f"{shown}  (±{high:.2g})"


def quantity_traces(
    tables: list[pd.DataFrame], step: int, xaxis: str = "x", yaxis: str = "y"
) -> list[go.Heatmap]:
    """One heatmap per quantity of the step table `tables[step]`, each on its own colour range.

    Each trace spans every row (blank outside its own), so all rows share one grid: a one-row heatmap
    on a category axis is drawn a row off.
    """
    table = tables[step]
    every = quantity_ranges(tables)
    ranges = [every[n] for n in table.columns]
    rows = [quantity_label(n, low, high) for n, (low, high) in zip(table.columns, ranges, strict=True)]
    traces = []
    for row, (name, (low, high)) in enumerate(zip(table.columns, ranges, strict=True)):
        z = np.full((len(rows), len(table)), np.nan)
        z[row] = table[name].to_numpy()
        gate = name in GATE_NAMES
        traces.append(
            go.Heatmap(
                z=z,
                x=[str(u) for u in table.index],
                y=rows,
                zmin=low,
                zmax=high,
                colorscale="Blues" if gate else "RdBu",
                zmid=None if gate else 0,
                showscale=False,
                hoverongaps=False,
                texttemplate="%{z:.2f}" if len(table) <= 24 else None,
                hovertemplate=f"unit %{{x}}<br>{escape_plotly(name)}: %{{z:.4f}}<extra></extra>",
                xaxis=xaxis,
                yaxis=yaxis,
            )
        )
    return traces


def quantity_cells(
    tables: list[pd.DataFrame], step: int, xaxis: str = "x", yaxis: str = "y", scales: tuple | None = None
) -> dict:
    """The step table `tables[step]` as rows of bars, one bar trace: a row per quantity, a bar per unit,
    its length the value on that quantity's own range (`quantity_range`): up for positive, down for
    negative, gates (0 to 1) up from the row's floor. A value at the end of its range fills its half
    of the row, so saturated tanh units stand out.

    Bars whose length, not colour, carries the value, because plotly.js moves bars in place: a frame of
    these needs no full redraw (a heatmap does), so a step costs milliseconds, not a third of a second.
    Row r spans r to r + 1 on a reversed y axis (labelled at r + 0.5 by `quantity_axis`). A trace spec,
    as the stepper is built (`playground.figures.spec`); `scales`: `_cell_scales(tables)`, if made already.
    """
    lengths, base, values = _cell_geometry(tables, step, scales)
    names = list(tables[step].columns)
    count = len(tables[step])
    gate = np.repeat([name in GATE_NAMES for name in names], count)
    return {
        "type": "bar",
        "x": np.tile(np.arange(count), len(names)),
        "y": lengths,
        "base": base,
        "width": 0.8,
        "customdata": values,
        # Each bar's quantity, for its hover only: the same at every step, so frames leave it out.
        "text": np.repeat([escape_plotly(name) for name in names], count),
        "textposition": "none",
        # The colours stay colour strings: as a 0/1 flag on a two-colour scale, plotly.js took 105 ms
        # a step instead of 32.
        "marker": {"color": np.where(gate, GATE_COLOR, QUANTITY_COLOR), "line": {"width": 0}},
        "hovertemplate": "unit %{x}<br>%{text}: %{customdata:.4f}<extra></extra>",
        "showlegend": False,
        "xaxis": xaxis,
        "yaxis": yaxis,
    }


def _cell_scales(tables: list[pd.DataFrame]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each quantity's row of `quantity_cells`: its half-height, its floor and its range's end."""
    names = list(tables[0].columns)
    reach, floor, highs = np.empty(len(names)), np.empty(len(names)), np.empty(len(names))
    ranges = quantity_ranges(tables)
    for row, name in enumerate(names):
        highs[row] = ranges[name][1]
        floor[row], reach[row] = (row + 0.95, 0.9) if name in GATE_NAMES else (row + 0.5, 0.45)
    return reach, floor, highs


def _cell_geometry(
    tables: list[pd.DataFrame], step: int, scales: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The bars of `quantity_cells` for step `step`: their lengths, bases and values.

    Numeric arrays (plotly validates a list element by element, an array at once), rounded to what a
    screen or a hover (4 decimals) shows: the browser parses every frame's numbers.
    """
    reach, floor, highs = scales or _cell_scales(tables)
    table = tables[step]
    count, names = len(table), list(table.columns)
    values = np.stack([table[name].to_numpy() for name in names])  # (quantities, units)
    lengths = (-reach[:, None] * values / highs[:, None]).ravel()  # the axis is reversed: up is negative
    return lengths.round(5), np.repeat(floor, count), values.ravel().round(4)


def quantity_axis(tables: list[pd.DataFrame]) -> tuple[list[float], list[str]]:
    """Tick positions and labels (each with its colour range) for the rows of `quantity_cells`."""
    ranges = quantity_ranges(tables)
    labels = [quantity_label(name, *ranges[name]) for name in tables[0].columns]
    return [r + 0.5 for r in range(len(labels))], labels


DIAGRAM_COLORS = {"x": INPUT_COLOR, "c": CELL_COLOR, "h": HIDDEN_COLOR, "y": OUTPUT_COLOR}


def _boxes(boxes: list[tuple[str, float, int]], opacity: float, outline: dict) -> dict:
    """Square markers, one per (kind, row, step), labelled x_t, c_t, h_t, y_t in their colours."""
    return {
        "type": "scatter",
        "x": [1.6 * t for _, _, t in boxes],
        "y": [y for _, y, _ in boxes],
        "mode": "markers+text",
        "text": [f"<b>{kind}<sub>{t + 1}</sub></b>" for kind, _, t in boxes],
        "textfont": {"color": "white", "size": 13},
        "marker": {
            "symbol": "square",
            "size": 30,
            "color": [DIAGRAM_COLORS[kind] for kind, _, _ in boxes],
            "opacity": opacity,
            "line": outline,
        },
        "hoverinfo": "skip",
        "showlegend": False,
        "xaxis": "x",
        "yaxis": "y",
    }


def _diagram_boxes(rows: dict[str, float], count: int) -> dict:
    """The unrolled boxes, every step's drawn faint (they never change)."""
    boxes = [(kind, y, t) for kind, y in rows.items() for t in range(count)]
    return _boxes(boxes, 0.4, {"color": "white", "width": 1})


def _diagram_focus(rows: dict[str, float], chosen: int) -> dict:
    """The chosen step's column of boxes, solid and outlined, drawn over the faint ones."""
    return _boxes([(kind, y, chosen) for kind, y in rows.items()], 1.0, {"color": "black", "width": 3})


def _diagram_arrows(rows: dict[str, float], count: int) -> dict:
    """Arrows of the unrolled network, as one trace rather than ~40 annotations."""
    return arrow_trace(network_arrows(rows, [1.6 * t for t in range(count)], (0.4, 0.36))).to_plotly_json()


def _focus_labels(rows: dict[str, float], chosen: int, count: int) -> list:
    """`arrow_labels` at step `chosen`, on the left of its arrows where it is the window's last column."""
    at_edge = chosen - window_start(chosen, count) == MAX_DRAWN_STEPS - 1
    return arrow_labels(rows, chosen, count, at_edge=at_edge)


def _labels_change(rows: dict[str, float], chosen: int, count: int) -> dict:
    """The arrows' labels at the step in focus: frames move them with it."""
    labels = _focus_labels(rows, chosen, count)
    return {
        "type": "scatter",
        "x": [x for x, _, _, _ in labels],
        "y": [y for _, y, _, _ in labels],
        "text": [text for _, _, text, _ in labels],
        "textposition": [style["position"] for _, _, _, style in labels],
    }


def _diagram_labels(rows: dict[str, float], count: int) -> dict:
    """`_labels_change` at the first step, with the style frames leave out."""
    sizes = [style["size"] for *_, style in _focus_labels(rows, 0, count)]
    return {
        **_labels_change(rows, 0, count),
        "mode": "text",
        "textfont": {"size": sizes, "color": "#333"},
        "cliponaxis": False,  # the last step's labels reach into the margin
        "hoverinfo": "skip",
        "showlegend": False,
        "xaxis": "x",
        "yaxis": "y",
    }


# A frame carries only what changes at its step, as plain trace dicts: plotly.js merges a frame's
# traces into the shown ones, and plotly.py validates far less (the colours of every bar, the same at
# every step, cost most of the stepper's build when each frame repeated them).
def _focus_change(rows: dict[str, float], chosen: int) -> dict:
    """What `_diagram_focus` changes from step to step: the column's place and its subscripts."""
    return {
        "type": "scatter",
        "x": [1.6 * chosen] * len(rows),
        "text": [f"<b>{kind}<sub>{chosen + 1}</sub></b>" for kind in rows],
    }


def _cells_change(tables: list[pd.DataFrame], step: int, scales: tuple) -> dict:
    """What `quantity_cells` changes from step to step: the bars' lengths and hovered values."""
    lengths, _, values = _cell_geometry(tables, step, scales)
    return {"type": "bar", "y": lengths, "customdata": values}


def _ranked_change(outputs: pd.DataFrame) -> list[dict]:
    """What `_ranked_outputs` changes from step to step: the bars' lengths, names and labels."""
    names, probabilities, labels, positions = _ranked_values(outputs)
    return [
        {"type": "bar", "x": probabilities, "customdata": names},
        {"type": "scatter", "x": probabilities, "text": labels, "textposition": positions},
    ]


def recurrence_stepper(
    steps: list[str],
    tables: list[pd.DataFrame],
    outputs: list[pd.DataFrame],
    cell: str,
    verdict_at_end: bool = False,
) -> go.Figure:
    """The unrolled network, one step's arithmetic and its outputs y_t, stepped by a slider in the browser.

    `tables[t]` is step t's table (a column per quantity, a row per unit, as `step_table` gives it) and
    `outputs[t]` its likeliest outputs (columns output, probability). `verdict_at_end`: a many-to-one
    model, whose output is the last step's; earlier steps' outputs are written in brackets (what it
    would say if the sentence ended there).
    """
    count = len(steps)
    lstm = "c_t" in tables[0].columns
    rows = diagram_rows(lstm)
    layout = grid_layout(
        2,
        2,
        specs=[[{"colspan": 2}, None], [{}, {}]],
        row_heights=[0.45, 0.55],
        column_widths=[0.68, 0.32],
        vertical_spacing=0.1,
        horizontal_spacing=0.12,
        subplot_titles=[
            "",
            "the arithmetic of step t, unit by unit",
            "y<sub>t</sub>: the verdict if it ended here" if verdict_at_end else "y<sub>t</sub>: top outputs",
        ],
    )  # subplots: the diagram on x, y; the cells on x2, y2; y_t on x3, y3
    words = {
        "type": "scatter",
        "x": [1.6 * t for t in range(count)] * 2,
        "y": [-0.75] * count + [max(rows.values()) + 0.65] * count,
        "mode": "text",
        "text": [escape_plotly(s) for s in steps]
        + [
            escape_plotly(o["output"].iloc[0])
            if not verdict_at_end or t == count - 1
            else f"({escape_plotly(o['output'].iloc[0])})"
            for t, o in enumerate(outputs)
        ],
        "textfont": {"size": 12},
        "hoverinfo": "skip",
        "showlegend": False,
    }
    scales = _cell_scales(tables)
    data = [
        _diagram_boxes(rows, count),
        words,
        _diagram_focus(rows, 0),
        quantity_cells(tables, 0, "x2", "y2", scales),
        *_ranked_outputs(outputs[0]),
        _diagram_labels(rows, count),
        _diagram_arrows(rows, count),  # after the frames' traces (2–6), drawn over the boxes
    ]
    changing = [2, 3, 4, 5, 6]  # the focus column, the cells, y_t's bars and their names, the labels
    frames = []
    for t in range(count):
        start = window_start(t, count)
        frame = {
            "name": str(t),
            "data": [
                _focus_change(rows, t),
                _cells_change(tables, t, scales),
                *_ranked_change(outputs[t]),
                _labels_change(rows, t, count),
            ],
            "traces": changing,
        }
        if count > MAX_DRAWN_STEPS:  # moving the diagram's window costs a relayout (60 ms a step)
            end = start + MAX_DRAWN_STEPS - 1
            frame["layout"] = {"xaxis": {"range": [1.6 * start - 0.9, 1.6 * end + 0.9]}}
        frames.append(frame)
    layout.update(
        title={
            # two lines: on one, a narrow chart (a split screen with the sidebar open) cut it
            "text": f"The {cell} unrolled over your sentence:<br>one set of weights at every step"
            + (" (▶ plays it)" if count > 1 else "")
        },
        height=(720 if lstm else 640) + 45,
        margin={"l": 10, "r": 10, "t": 80, "b": 10},
        plot_bgcolor="rgba(0,0,0,0)",
        showlegend=False,
        barmode="overlay",
        bargap=0,
    )
    # Always a window's width: a short sentence sits on the left at the scale of a long one, with its
    # labels beside its arrows, not spread over the whole width.
    layout["xaxis"].update(visible=False, range=[-0.9, 1.6 * (MAX_DRAWN_STEPS - 1) + 0.9])
    layout["yaxis"].update(visible=False, range=[-1.1, max(rows.values()) + 0.95])
    tick_rows, row_labels = quantity_axis(tables)
    units = len(tables[0])
    layout["yaxis2"].update(
        range=[len(row_labels), 0], tickvals=tick_rows, ticktext=row_labels, gridcolor="#e6e6e6"
    )
    layout["xaxis2"].update(
        range=[-0.5, units - 0.5],
        title={"text": "hidden unit (each row on its own range: bars up for +, down for −)"},
        showgrid=False,
        zeroline=False,
    )
    layout["xaxis3"].update(range=[0, 1.3], tickformat=".0%")
    layout["yaxis3"].update(range=[len(outputs[0]) - 0.5, -0.5], visible=False)
    layout.update(
        player_layout(
            [str(t) for t in range(count)],
            [f"{t + 1} {escape_plotly(s)}" for t, s in enumerate(steps)],
            redraw=False,  # every changing trace is a bar or a scatter
            below=25,  # the "hidden unit" axis title
        )
    )
    return assemble(data, layout, frames)


def _ranked_outputs(outputs: pd.DataFrame, color: str = OUTPUT_COLOR) -> list[dict]:
    """y_t's likeliest outputs as bars by rank, and their names as a text scatter beside them: the
    words change from step to step, and plotly.js restyles a scatter's text in place where a category
    axis (or a bar's own text) would need a redraw."""
    names, probabilities, labels, positions = _ranked_values(outputs)
    ranks = list(range(len(outputs)))
    return [
        {
            "type": "bar",
            "x": probabilities,
            "y": ranks,
            "orientation": "h",
            "width": 0.8,
            "marker": {"color": color},
            "customdata": names,
            "hovertemplate": "%{customdata}: %{x:.2%}<extra></extra>",
            "xaxis": "x3",
            "yaxis": "y3",
        },
        {
            "type": "scatter",
            "x": probabilities,
            "y": ranks,
            "mode": "text",
            "text": labels,
            "textposition": positions,
            "textfont": {"color": "#262730"},  # dark on the orange bar too (the theme's grey was faint there)
            "cliponaxis": False,
            "hoverinfo": "skip",
            "xaxis": "x3",
            "yaxis": "y3",
        },
    ]


INSIDE_FROM = 0.5  # a bar at least this long carries its label inside its end: past it, the chart's edge


def _ranked_values(outputs: pd.DataFrame) -> tuple[list[str], np.ndarray, list[str], list[str]]:
    """y_t's likeliest outputs: their names, probabilities, the labels written at the bars' ends and
    where (beside a short bar, inside a long one's end)."""
    names = [escape_plotly(o) for o in outputs["output"]]
    probabilities = outputs["probability"].to_numpy()
    inside = probabilities >= INSIDE_FROM
    labels = [
        f"{name}  {p:.1%} " if within else f" {name}  {p:.1%}"
        for name, p, within in zip(names, probabilities, inside, strict=True)
    ]
    return names, probabilities, labels, ["middle left" if within else "middle right" for within in inside]


def reading_figure(words: list[str], outputs: list[pd.DataFrame], unit: str = "next word") -> go.Figure:
    """The prediction as each word is read: frame t holds the likeliest outputs after words[: t + 1]."""
    fig = go.Figure(_bar(outputs[0]))
    frames = []
    for t, table in enumerate(outputs):
        read = " ".join(escape_plotly(w) for w in words[: t + 1])
        # Bold in every frame: a frame's title replaces the first one's, Streamlit's bold with it.
        title = {"text": f"<b>after “{read}”</b>"}
        frames.append(go.Frame(name=str(t), data=[_bar(table)], layout={"title": title}))
    fig.frames = frames
    longest = max(len(o) for o in outputs)
    # One left margin for every frame, wide enough for the longest label of any: with plotly's
    # automargin the plot area moved as labels changed width, and the bars kept the old origin.
    widest = max(min(len(str(o)), READING_LABEL_CHARS) for table in outputs for o in table["output"])
    fig.update_layout(
        title={"text": f"<b>after “{escape_plotly(words[0])}”</b>"},
        xaxis={"range": [0, 1.12], "tickformat": ".0%", "title": "probability"},
        yaxis={"type": "category", "autorange": "reversed", "title": unit, "automargin": False},
        height=max(300, 30 * longest + 190) + 45,
        margin={"t": 50, "b": 30, "r": 40, "l": 45 + 8 * widest},  # b: the slider labels' descenders
    )
    return add_player(
        fig,
        [str(t) for t in range(len(words))],
        [f"{t + 1} {escape_plotly(w)}" for t, w in enumerate(words)],
        "read: ",
        below=25,  # the "probability" axis title
    )


READING_LABEL_CHARS = 24  # a longer output (an upload's long "word") is cut, so the margin stays sane


def _labels(table: pd.DataFrame) -> list[str]:
    return [escape_plotly(o, READING_LABEL_CHARS) for o in table["output"]]


def _bar(table: pd.DataFrame) -> go.Bar:
    return go.Bar(
        x=table["probability"].to_numpy(),
        y=_labels(table),
        orientation="h",
        marker_color=OUTPUT_COLOR,
        text=[f"{p:.1%}" for p in table["probability"]],
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{y}: %{x:.2%}<extra></extra>",
    )


def attention_rows_figure(
    weights: np.ndarray, steps: list[str], title: str, mask: np.ndarray | None = None
) -> go.Figure:
    """One head's attention, one query row at a time: the matrix with row t outlined and the rows after
    it veiled, and row t's weights as bars. Cells where `mask` is False (a later word, for a causal
    model) are grey, as in the score matrices.

    Everything a step changes is a scatter or a bar, which plotly.js moves in place. The matrix never
    changes, and is drawn as filled scatters too: a step without a redraw removes every trace of a
    subplot that its frame does not name unless it is a scatter, and a heatmap in every frame needs a
    redraw (the filled-in heatmap of an earlier version took 54 ms a step median and up to 93 in
    `python -m bench.stepping`).
    """
    count = len(steps)
    axis = [f"{i + 1} {escape_plotly(w)}" for i, w in enumerate(steps)]
    fig = make_subplots(
        1,
        2,
        column_widths=[0.6, 0.4],
        horizontal_spacing=0.14,
        subplot_titles=("query × key", "weights of query t"),
    )
    for trace in _matrix_cells(weights, axis, mask):
        fig.add_trace(trace, 1, 1)
    marks = len(fig.data)
    for trace in _row_marks(count, 0):
        fig.add_trace(go.Scatter(trace, mode="lines", hoverinfo="skip", showlegend=False), 1, 1)
    for trace in _row_weights(weights, axis, 0):
        fig.add_trace(trace, 1, 2)
    fig.frames = [
        go.Frame(
            name=str(t),
            data=[*_row_marks(count, t), *_row_weights_change(weights, t)],
            traces=list(range(marks, marks + 4)),
        )
        for t in range(count)
    ]
    fig.update_layout(
        title=title,
        height=max(380, 26 * count + 210) + 70,
        margin={"t": 70, "b": 30, "r": 70 if count > WRITTEN_UP_TO else 20},  # room for the colour bar
        showlegend=False,
    )
    ticks = {"tickvals": list(range(count)), "ticktext": axis, "showgrid": False, "zeroline": False}
    fig.update_yaxes(range=[count - 0.5, -0.5], title_text="query (word looking)", **ticks, row=1, col=1)
    fig.update_xaxes(
        range=[-0.5, count - 0.5], tickangle=-45, title_text="key (word looked at)", **ticks, row=1, col=1
    )
    fig.update_yaxes(range=[0, 1.08], dtick=0.2, title_text="weight", row=1, col=2)
    fig.update_xaxes(type="category", tickangle=-45, title_text="key", row=1, col=2)
    # below the plot: slanted word labels and the axis title, then the controls
    return add_player(fig, [str(t) for t in range(count)], axis, "query: ", below=70, redraw=False)


SHADES = 32  # colour steps of the stepped matrix: 1/32 of a weight apart, finer than the eye tells apart


def _matrix_cells(weights: np.ndarray, axis: list[str], mask: np.ndarray | None = None) -> list[go.Scatter]:
    """The whole query × key matrix as coloured cells: a filled scatter of rectangles per shade of
    Blues (0 to 1, cut into `SHADES` steps) and one of grey for the masked cells, then one scatter over
    the cell centres that carries the hover, the values written in (up to `WRITTEN_UP_TO` words) and,
    once they are not, the colour bar."""
    count = len(axis)
    allowed = np.ones(weights.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    shade = np.where(allowed, np.minimum((weights * SHADES).astype(int), SHADES - 1), -1)
    colors = dict(enumerate(sample_colorscale("Blues", [(level + 0.5) / SHADES for level in range(SHADES)])))
    colors[-1] = MASKED_COLOR
    traces = []
    for level in np.unique(shade):
        rows, cols = np.nonzero(shade == level)
        traces.append(
            go.Scatter(
                x=(cols[:, None] + _CELL_X).ravel(),
                y=(rows[:, None] + _CELL_Y).ravel(),
                mode="lines",
                fill="toself",
                fillcolor=colors[level],
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    rows, cols = np.indices((count, count)).reshape(2, -1)
    values, shown = weights.ravel(), allowed.ravel()
    written = count <= WRITTEN_UP_TO
    traces.append(
        go.Scatter(
            x=cols,
            y=rows,
            mode="markers+text" if written else "markers",
            text=[f"{v:.2f}" if keep else "" for v, keep in zip(values, shown, strict=True)],
            textfont={"color": ["white" if v > 0.55 else "#2a3f5f" for v in values], "size": 12},
            customdata=[
                [axis[r], axis[c], f"{v:.3f}" if keep else "masked: a word may not look at a later word"]
                for r, c, v, keep in zip(rows, cols, values, shown, strict=True)
            ],
            marker={
                "size": 1,
                "opacity": 0,
                "color": values,
                "colorscale": "Blues",
                "cmin": 0,
                "cmax": 1,
                "showscale": not written,
                "colorbar": {"title": {"text": "weight"}, "x": 1.02, "xanchor": "left", "thickness": 12},
            },
            hoverlabel={"bgcolor": "#4C78A8"},
            hovertemplate="query %{customdata[0]}<br>key %{customdata[1]}<br>%{customdata[2]}<extra></extra>",
            showlegend=False,
        )
    )
    return traces


# A matrix cell's corners around its centre (then a gap), in the order a filled path goes round it.
_CELL_X = np.array([-0.5, 0.5, 0.5, -0.5, np.nan])
_CELL_Y = np.array([-0.5, -0.5, 0.5, 0.5, np.nan])


def _row_marks(count: int, row: int) -> list[dict]:
    """Over the matrix: a white veil over the rows after `row` (not reached yet) and an outline round it."""
    edge = [-0.5, count - 0.5]
    veil = {
        "type": "scatter",
        "x": [edge[0], edge[1], edge[1], edge[0]],
        "y": [row + 0.5, row + 0.5, count - 0.5, count - 0.5],
        "fill": "toself",
        "fillcolor": "rgba(255, 255, 255, 0.85)",
        "line": {"width": 0},
    }
    outline = {
        "type": "scatter",
        "x": [edge[0], edge[1], edge[1], edge[0], edge[0]],
        "y": [row - 0.5, row - 0.5, row + 0.5, row + 0.5, row - 0.5],
        "line": {"width": 2.5, "color": "black"},
    }
    return [veil, outline]


def _row_weights(weights: np.ndarray, axis: list[str], row: int) -> list[go.Bar | go.Scatter]:
    """Row `row`'s weights as bars over the keys, and their values written above them as a text
    scatter (plotly.js moves a scatter's text in place; a bar's own text needs a redraw)."""
    return [
        go.Bar(
            x=axis,
            y=weights[row],
            marker_color="#4C78A8",
            hovertemplate="key %{x}: %{y:.3f}<extra></extra>",
            xaxis="x2",
            yaxis="y2",
        ),
        go.Scatter(
            x=axis,
            y=weights[row],
            mode="text",
            text=_bar_labels(weights[row]),
            textposition="top center",
            cliponaxis=False,
            hoverinfo="skip",
            xaxis="x2",
            yaxis="y2",
        ),
    ]


def _row_weights_change(weights: np.ndarray, row: int) -> list[dict]:
    """What `_row_weights` changes from step to step: the bars' heights and the values above them."""
    return [
        {"type": "bar", "y": weights[row]},
        {"type": "scatter", "y": weights[row], "text": _bar_labels(weights[row])},
    ]


def _bar_labels(row: np.ndarray) -> list[str]:
    """The values written over row t's bars; none past `WRITTEN_UP_TO` words, where they run together."""
    return [f"{w:.2f}" if len(row) <= WRITTEN_UP_TO else "" for w in row]
