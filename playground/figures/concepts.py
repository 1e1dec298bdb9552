"""Diagrams of ideas from the lecture, drawn with Plotly shapes."""

from __future__ import annotations

import plotly.graph_objects as go

INPUT_COLOR, HIDDEN_COLOR, OUTPUT_COLOR = "#4C78A8", "#54A24B", "#F58518"
TASK_SHAPES = [
    ("one to one", "a single word → its class", 1, [0], [0]),
    ("many to one", "a sentence → its sentiment", 4, [0, 1, 2, 3], [3]),
    ("one to many", "a label → a review", 4, [0], [0, 1, 2, 3]),
    ("many to many", "each word → the next word", 4, [0, 1, 2, 3], [0, 1, 2, 3]),
]


def task_shapes_figure() -> go.Figure:
    """The four shapes of sequence problems: inputs feed a recurrent state that emits outputs."""
    shapes: list[dict] = []
    annotations: list[dict] = []  # collected and set once: Plotly revalidates the list on every add
    panel_width, box, gap = 5.0, 0.7, 1.0
    for panel, (name, example, steps, inputs, outputs) in enumerate(TASK_SHAPES):
        left = panel * panel_width + (panel_width - (steps - 1) * gap) / 2
        xs = [left + t * gap for t in range(steps)]
        for t, x in enumerate(xs):
            _box(shapes, annotations, x, 1.5, box, HIDDEN_COLOR, "h" if steps == 1 else f"h{t + 1}")
            if t in inputs:
                _box(shapes, annotations, x, 0.0, box, INPUT_COLOR, "x" if steps == 1 else f"x{t + 1}")
                annotations.append(_arrow(x, 0.0 + box / 2, x, 1.5 - box / 2))
            if t in outputs:
                _box(shapes, annotations, x, 3.0, box, OUTPUT_COLOR, "y" if steps == 1 else f"y{t + 1}")
                annotations.append(_arrow(x, 1.5 + box / 2, x, 3.0 - box / 2))
            if t > 0:
                annotations.append(_arrow(xs[t - 1] + box / 2, 1.5, x - box / 2, 1.5))
        center = panel * panel_width + panel_width / 2
        annotations.append(
            {"x": center, "y": 4.15, "text": f"<b>{name}</b>", "showarrow": False, "font": {"size": 16}}
        )
        annotations.append(
            {"x": center, "y": -0.95, "text": example, "showarrow": False, "font": {"size": 13}}
        )
    traces = [
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            name=label,
            marker={"color": color, "size": 14, "symbol": "square"},
        )
        for label, color in (("input", INPUT_COLOR), ("hidden state", HIDDEN_COLOR), ("output", OUTPUT_COLOR))
    ]
    return go.Figure(
        traces,
        layout={
            "shapes": shapes,
            "annotations": annotations,
            "height": 330,
            "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
            "plot_bgcolor": "rgba(0,0,0,0)",
            "legend": {"orientation": "h", "x": 0.5, "xanchor": "center", "y": -0.02, "yanchor": "top"},
            "xaxis": {"visible": False, "range": [0, 4 * panel_width]},
            "yaxis": {"visible": False, "range": [-1.4, 4.6]},
        },
    )


def _box(
    shapes: list[dict], annotations: list[dict], x: float, y: float, size: float, color: str, label: str
) -> None:
    shapes.append(
        {
            "type": "rect",
            "x0": x - size / 2,
            "x1": x + size / 2,
            "y0": y - size / 2,
            "y1": y + size / 2,
            "fillcolor": color,
            "line": {"color": "white", "width": 1},
            "layer": "below",
        }
    )
    annotations.append(
        {
            "x": x,
            "y": y,
            "text": f"<b>{label}</b>",
            "showarrow": False,
            "font": {"color": "white", "size": 13},
        }
    )


def _arrow(x0: float, y0: float, x1: float, y1: float) -> dict:
    return {
        "x": x1,
        "y": y1,
        "ax": x0,
        "ay": y0,
        "xref": "x",
        "yref": "y",
        "axref": "x",
        "ayref": "y",
        "showarrow": True,
        "arrowhead": 2,
        "arrowsize": 1.2,
        "arrowwidth": 1.5,
        "arrowcolor": "#666",
        "text": "",
    }
