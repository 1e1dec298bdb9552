"""Figures of the recurrence: the unrolled network, states over time, one step's arithmetic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from playground.figures.concepts import HIDDEN_COLOR, INPUT_COLOR, OUTPUT_COLOR
from playground.text import escape_plotly

CELL_COLOR = "#B279A2"

MAX_DRAWN_STEPS = 9


def step_labels(steps: list[str]) -> list[str]:
    """Unique axis labels per step: 't=1 the', 't=2 dog', ..."""
    return [f"t={i + 1} {escape_plotly(w)}" for i, w in enumerate(steps)]


def diagram_rows(lstm: bool) -> dict[str, float]:
    """Heights of the unrolled diagram's rows: x, then (LSTM) the cell path c, then h, then y."""
    return {"x": 0.0, "c": 1.5, "h": 2.7, "y": 3.9} if lstm else {"x": 0.0, "h": 1.5, "y": 3.0}


def column_arrows(lstm: bool) -> list[tuple[str, str, str]]:
    """The arrows up one column of the diagram: (from row, to row, label)."""
    if lstm:
        return [("x", "c", "gates"), ("c", "h", "o⊙tanh(c)"), ("h", "y", "W<sub>hy</sub>")]
    return [("x", "h", "W<sub>xh</sub>"), ("h", "y", "W<sub>hy</sub>")]


def across_arrows(lstm: bool) -> list[tuple[str, str]]:
    """The arrows from one column to the next: (row, label). The cell path has no weight matrix:
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t."""
    return [("h", "W<sub>hh</sub>"), ("c", "f⊙c<br>+ i⊙g")] if lstm else [("h", "W<sub>hh</sub>")]


Segment = tuple[float, float, float, float]  # an arrow: from x, from y, to x, to y
Label = tuple[float, float, str, dict]  # x, y, text, and its font and position (`text_traces`)


def arrow_trace(segments: list[Segment]) -> go.Scatter:
    """Arrows as one line trace, an arrowhead marker at each segment's end turned along it.

    One trace, not an annotation per arrow: plotly.js lays out and measures each annotation on its own
    at every drawing, which made the unrolled diagrams the costliest part of a new sentence's redraw.
    """
    return go.Scatter(
        x=[v for x0, _, x1, _ in segments for v in (x0, x1, None)],
        y=[v for _, y0, _, y1 in segments for v in (y0, y1, None)],
        mode="lines+markers",
        line={"color": "#444", "width": 1},
        marker={
            "symbol": "arrow",
            "angleref": "previous",
            "size": [0, 9, 0] * len(segments),
            "color": "#444",
            "line": {"width": 0},
        },
        hoverinfo="skip",
        showlegend=False,
    )


def network_arrows(rows: dict[str, float], xs: list[float], box: tuple[float, float]) -> list[Segment]:
    """The unrolled network's arrows at columns `xs` (up each column; h→h and, for an LSTM, c→c from
    the column before), between boxes of half-size `box` (width, height)."""
    half_width, half_height = box
    segments: list[Segment] = []
    for column, x in enumerate(xs):
        for low, high, _ in column_arrows("c" in rows):
            segments.append((x, rows[low] + half_height, x, rows[high] - half_height))
        if column > 0:
            for row, _ in across_arrows("c" in rows):
                segments.append((x - 1.6 + half_width, rows[row], x - half_width, rows[row]))
    return segments


def arrow_labels(rows: dict[str, float], column: int, columns: int, at_edge: bool = False) -> list[Label]:
    """The arrows' labels, written once, at `column` (of `columns` drawn, 1.6 apart): every column
    shares its weights, and a label at every column ran into the next on a narrow screen.

    Up each arrow, on its right (on its left where the column is at the chart's right edge,
    `at_edge`); across, under the arrows into the column, or, where those would meet the labels up
    the arrows, under the arrows a column or two away (the first column has no arrows into it; with
    two columns and the first in focus there is no other place, and they wait for the second).
    """
    x, lstm = 1.6 * column, "c" in rows
    side = -0.25 if at_edge else 0.25  # clear of the box; "o⊙tanh(c)" then ends before the next arrow
    up = {"size": 10, "color": "#333", "position": "middle right" if side > 0 else "middle left"}
    labels = [(x + side, (rows[low] + rows[high]) / 2, name, up) for low, high, name in column_arrows(lstm)]
    into = column
    if column == 0:
        into = 2 if columns > 2 else None
    elif at_edge:
        into = column - 1 if column > 1 else None
    across = {"size": 10, "color": "#333", "position": "bottom center"}
    for row, name in across_arrows(lstm):  # as many labels at every column (a frame's trace): some blank
        shown = name if into is not None else ""
        labels.append((1.6 * (column if into is None else into) - 0.8, rows[row] - 0.04, shown, across))
    return labels


def text_traces(labels: list[Label]) -> list[go.Scatter]:
    """Text labels as text traces, one per colour (each label with its own size and position), for
    the same reason; a label without a colour takes the chart's font colour, as an annotation did."""
    traces = []
    for color in dict.fromkeys(style.get("color") for _, _, _, style in labels):
        group = [label for label in labels if label[3].get("color") == color]
        font: dict = {"size": [style.get("size", 11) for _, _, _, style in group]}
        if color is not None:
            font["color"] = color
        traces.append(
            go.Scatter(
                x=[x for x, _, _, _ in group],
                y=[y for _, y, _, _ in group],
                mode="text",
                text=[text for _, _, text, _ in group],
                textposition=[style.get("position", "middle center") for _, _, _, style in group],
                textfont=font,
                cliponaxis=False,  # a label may reach past the last column, as an annotation could
                hoverinfo="skip",
                showlegend=False,
            )
        )
    return traces


def window_start(chosen: int, count: int) -> int:
    """The first of the MAX_DRAWN_STEPS steps drawn when step `chosen` of `count` is in focus."""
    return min(max(0, chosen - MAX_DRAWN_STEPS // 2), max(0, count - MAX_DRAWN_STEPS))


def unrolled_figure(steps: list[str], chosen: int, cell: str, outputs: list[str]) -> go.Figure:
    """The network unrolled over the sentence: the same weights at every step; an LSTM's cell state
    c_t drawn as its own path (c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t) below h_t."""
    lstm = cell == "LSTM"
    rows = diagram_rows(lstm)
    colors = {"x": INPUT_COLOR, "c": CELL_COLOR, "h": HIDDEN_COLOR, "y": OUTPUT_COLOR}
    start = window_start(chosen, len(steps))
    shown = range(start, min(len(steps), start + MAX_DRAWN_STEPS))
    shapes: list[dict] = []
    labels: list[Label] = []
    box_text, word, output = {"size": 13, "color": "white"}, {"size": 13}, {"size": 11, "color": "#555"}
    for column, t in enumerate(shown):
        x = column * 1.6
        focus = t == chosen
        for kind, y in rows.items():
            shapes.append(
                {
                    "type": "rect",
                    "layer": "below",  # under the labels and arrows, which are traces
                    "x0": x - 0.42,
                    "x1": x + 0.42,
                    "y0": y - 0.38,
                    "y1": y + 0.38,
                    "fillcolor": colors[kind],
                    "opacity": 1 if focus else 0.45,
                    "line": {"color": "black" if focus else "white", "width": 3 if focus else 1},
                }
            )
            labels.append((x, y, f"<b>{kind}<sub>{t + 1}</sub></b>", box_text))
        labels += [
            (x, -0.62, escape_plotly(steps[t]), word),
            (x, rows["y"] + 0.6, escape_plotly(outputs[t]), output),
        ]
    segments = network_arrows(rows, [c * 1.6 for c in range(len(shown))], (0.42, 0.38))
    labels += arrow_labels(rows, chosen - start, len(shown), at_edge=chosen - start == MAX_DRAWN_STEPS - 1)
    more = {"size": 20}
    if start > 0:
        labels.append((-0.95, rows["h"], "…", more))
    if start + MAX_DRAWN_STEPS < len(steps):
        labels.append((len(shown) * 1.6 - 0.65, rows["h"], "…", more))
    fig = go.Figure([arrow_trace(segments), *text_traces(labels)], layout={"shapes": shapes})
    fig.update_layout(
        title=f"The {cell} unrolled over your sentence: one set of weights, used at every step",
        height=420 if lstm else 330,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        plot_bgcolor="rgba(0,0,0,0)",
        # A short sentence on the left, at the scale of a long one.
        xaxis={"visible": False, "range": [-1.2, MAX_DRAWN_STEPS * 1.6 - 0.4]},
        yaxis={"visible": False, "range": [-0.95, rows["y"] + 0.9]},
        showlegend=False,
    )
    return fig


def state_heatmap(
    states: np.ndarray,
    steps: list[str],
    title: str,
    units: np.ndarray,
    signed: bool = True,
    zmax: float | None = None,
) -> go.Figure:
    """A state over time: rows are units (in the given order), columns are steps."""
    z = states[units]
    limit = zmax if zmax is not None else float(np.abs(z).max() or 1.0)
    colors = (
        dict(colorscale="RdBu", zmid=0, zmin=-limit, zmax=limit)
        if signed
        else dict(colorscale="Viridis", zmin=0, zmax=limit)
    )
    labels = step_labels(steps)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=labels,
            y=[f"unit {u}" for u in units],
            **colors,
            colorbar={"title": "value"},
            hovertemplate="%{x}<br>%{y}: %{z:.3f}<extra></extra>",
        )
    )
    fig.update_layout(
        title=title,
        xaxis_title="step (word read)",
        yaxis_title="hidden unit",
        height=min(700, max(300, 9 * len(units) + 140)),
        margin={"t": 50},
    )
    fig.update_xaxes(type="category", tickangle=-45)
    fig.update_yaxes(type="category", showticklabels=len(units) <= 40, autorange="reversed")
    return fig


def unit_lines(states: np.ndarray, steps: list[str], units: list[int], title: str) -> go.Figure:
    """Chosen units' values step by step."""
    labels = step_labels(steps)
    fig = go.Figure()
    for unit in units:
        fig.add_trace(
            go.Scatter(
                x=labels,
                y=states[unit],
                mode="lines+markers",
                name=f"unit {unit}",
                hovertemplate=f"unit {unit}<br>%{{x}}: %{{y:.3f}}<extra></extra>",
            )
        )
    fig.update_layout(
        title=title, xaxis_title="step (word read)", yaxis_title="value", height=320, margin={"t": 50}
    )
    fig.update_xaxes(type="category", tickangle=-45)
    return fig


def step_heatmap(table: pd.DataFrame, title: str) -> go.Figure:
    """One step's arithmetic: a row per term on its own colour range, a column per hidden unit."""
    from playground.figures.stepping import quantity_traces  # stepping builds on this module's diagram

    fig = go.Figure(quantity_traces([table], 0))
    fig.update_layout(
        title=title,
        xaxis_title="hidden unit",
        height=90 + 34 * len(table.columns),
        margin={"t": 50, "l": 170},
    )
    fig.update_yaxes(type="category", autorange="reversed")
    fig.update_xaxes(type="category")
    return fig


def output_bars(outputs: pd.DataFrame, title: str) -> go.Figure:
    """The likeliest outputs at one step."""
    rows = outputs.iloc[::-1]
    names = [escape_plotly(o) for o in rows["output"]]
    fig = go.Figure(
        go.Bar(
            x=rows["probability"],
            y=names,
            orientation="h",
            marker_color=OUTPUT_COLOR,
            text=[f"{p:.1%}" for p in rows["probability"]],
            textposition="outside",
            cliponaxis=False,  # a near-certain output's label may reach into the margin
            hovertemplate="%{y}: %{x:.2%}<extra></extra>",
        )
    )
    fig.update_layout(
        title=title,
        xaxis={"tickformat": ".0%", "range": [0, 1.15]},
        height=260,
        margin={"t": 50, "r": 50},
        xaxis_title="probability",
    )
    fig.update_yaxes(type="category")
    return fig


def influence_figure(influence: pd.DataFrame) -> go.Figure:
    """How far h_t moves when only the first word is changed, step by step."""
    fig = go.Figure(
        go.Scatter(
            x=[
                f"t={s + 1} {escape_plotly(w)}"
                for s, w in zip(influence["step"], influence["word"], strict=True)
            ],
            y=influence["change"],
            mode="lines+markers",
            line={"color": HIDDEN_COLOR, "width": 3},
            hovertemplate="%{x}<br>change in h: %{y:.3f}<extra></extra>",
        )
    )
    fig.update_layout(
        title="Memory of the first word",
        xaxis_title="step",
        yaxis_title="‖h_t − h_t′‖",
        height=300,
        margin={"t": 50},
    )
    fig.update_xaxes(type="category", tickangle=-45)
    return fig
