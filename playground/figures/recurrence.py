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
        return [("x", "c", "gates"), ("c", "h", "o⊙tanh"), ("h", "y", "W<sub>hy</sub>")]
    return [("x", "h", "W<sub>xh</sub>"), ("h", "y", "W<sub>hy</sub>")]


def unrolled_figure(steps: list[str], chosen: int, cell: str, outputs: list[str]) -> go.Figure:
    """The network unrolled over the sentence: the same weights at every step; an LSTM's cell state
    c_t drawn as its own path (c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t) below h_t."""
    lstm = cell == "LSTM"
    rows = diagram_rows(lstm)
    colors = {"x": INPUT_COLOR, "c": CELL_COLOR, "h": HIDDEN_COLOR, "y": OUTPUT_COLOR}
    start = min(max(0, chosen - MAX_DRAWN_STEPS // 2), max(0, len(steps) - MAX_DRAWN_STEPS))
    shown = range(start, min(len(steps), start + MAX_DRAWN_STEPS))
    shapes: list[dict] = []
    annotations: list[dict] = []  # collected and set once: Plotly revalidates the list on every add
    arrow = {
        "xref": "x",
        "yref": "y",
        "axref": "x",
        "ayref": "y",
        "showarrow": True,
        "arrowhead": 2,
        "arrowcolor": "#444",
        "text": "",
    }
    small = {"showarrow": False, "font": {"size": 11}}
    for column, t in enumerate(shown):
        x = column * 1.6
        focus = t == chosen
        for kind, y in rows.items():
            shapes.append(
                {
                    "type": "rect",
                    "x0": x - 0.42,
                    "x1": x + 0.42,
                    "y0": y - 0.38,
                    "y1": y + 0.38,
                    "fillcolor": colors[kind],
                    "opacity": 1 if focus else 0.45,
                    "line": {"color": "black" if focus else "white", "width": 3 if focus else 1},
                }
            )
            annotations.append(
                {
                    "x": x,
                    "y": y,
                    "text": f"<b>{kind}<sub>{t + 1}</sub></b>",
                    "showarrow": False,
                    "font": {"color": "white", "size": 13},
                }
            )
        annotations += [
            {"x": x, "y": -0.62, "text": escape_plotly(steps[t]), "showarrow": False, "font": {"size": 13}},
            {
                "x": x,
                "y": rows["y"] + 0.6,
                "text": escape_plotly(outputs[t]),
                "showarrow": False,
                "font": {"size": 11, "color": "#555"},
            },
        ]
        for low, high, label in column_arrows(lstm):
            annotations += [
                {"x": x, "y": rows[high] - 0.38, "ax": x, "ay": rows[low] + 0.38, **arrow},
                {"x": x + 0.3, "y": (rows[low] + rows[high]) / 2, "text": label, **small},
            ]
        if column > 0:
            annotations += [
                {"x": x - 0.42, "y": rows["h"], "ax": x - 1.18, "ay": rows["h"], **arrow},
                {"x": x - 0.8, "y": rows["h"] + 0.22, "text": "W<sub>hh</sub>", **small},
            ]
            if lstm:  # the cell path carries memory with no weight matrix on the way
                annotations += [
                    {"x": x - 0.42, "y": rows["c"], "ax": x - 1.18, "ay": rows["c"], **arrow},
                    {"x": x - 0.8, "y": rows["c"] + 0.22, "text": "f⊙ + i⊙g", **small},
                ]
    more_left, more_right = start > 0, start + MAX_DRAWN_STEPS < len(steps)
    if more_left:
        annotations.append(
            {"x": -0.95, "y": rows["h"], "text": "…", "showarrow": False, "font": {"size": 20}}
        )
    if more_right:
        annotations.append(
            {
                "x": len(shown) * 1.6 - 0.65,
                "y": rows["h"],
                "text": "…",
                "showarrow": False,
                "font": {"size": 20},
            }
        )
    fig = go.Figure(layout={"shapes": shapes, "annotations": annotations})
    fig.update_layout(
        title=f"The {cell} unrolled over your sentence: one set of weights, used at every step",
        height=420 if lstm else 330,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        plot_bgcolor="rgba(0,0,0,0)",
        xaxis={"visible": False, "range": [-1.2, max(len(shown), 3) * 1.6 - 0.4]},
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
            hovertemplate="%{y}: %{x:.2%}<extra></extra>",
        )
    )
    fig.update_layout(
        title=title,
        xaxis={"tickformat": ".0%", "range": [0, 1.15]},
        height=260,
        margin={"t": 50, "r": 30},
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
