"""Figures of training: loss and accuracy curves for one run or several."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.figures.colors import RUN_COLORS

SPLIT_COLORS = {"train": "#4C78A8", "validation": "#F58518"}
METRIC_LABELS = {"loss": "Cross-entropy loss", "accuracy": "Accuracy", "learning_rate": "Learning rate"}


def training_curve(
    history: pd.DataFrame, metric: str = "loss", baseline: float | None = None, title: str | None = None
) -> go.Figure:
    """`metric` against training step, one line per split, with the baseline as a dashed line."""
    fig = go.Figure()
    for split, rows in history.groupby("split", sort=False):
        rows = rows.dropna(subset=[metric])
        fig.add_trace(
            go.Scatter(
                x=rows["step"],
                y=rows[metric],
                mode="lines+markers" if split == "validation" else "lines",
                name=str(split),
                line={"color": SPLIT_COLORS.get(str(split))},
                customdata=rows[["epoch"]].to_numpy(),
                hovertemplate=f"{split}<br>step %{{x}} (epoch %{{customdata[0]:.2f}})<br>"
                f"{metric} %{{y:.4f}}<extra></extra>",
            )
        )
    if baseline is not None:
        fig.add_hline(
            y=baseline,
            line_dash="dash",
            line_color="gray",
            annotation_text="baseline (ignores the input)",
            annotation_position="top left",
        )
    fig.update_layout(
        title=title or METRIC_LABELS.get(metric, metric),
        xaxis_title="training step",
        yaxis_title=METRIC_LABELS.get(metric, metric),
        height=330,
        margin={"t": 50, "b": 40},
        legend={"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom"},
    )
    if metric == "accuracy":
        fig.update_yaxes(range=[0, 1.02], tickformat=".0%")
    if metric == "learning_rate":
        fig.update_yaxes(tickformat="~g", rangemode="tozero")  # 0.001, not Plotly's SI "1m"
    return fig


def _hidden_under(curves: list[tuple], metric: str) -> dict[str, tuple[str, bool]]:
    """Runs whose points all lie on another run's line in their panel: name → (that run, same curve).

    Of two equal curves the later run is the hidden one; a shorter curve equal to another's start is
    hidden by the longer.
    """
    points = [list(zip(rows["step"], rows[metric], strict=True)) for *_, rows in curves]
    hidden = {}
    for i, (name, _, panel, _) in enumerate(curves):
        for j, (other, _, other_panel, _) in enumerate(curves):
            if j == i or other_panel != panel or not points[i]:
                continue
            mine, others = points[i], points[j]
            same = mine == others
            if (same and j < i) or (len(mine) < len(others) and others[: len(mine)] == mine):
                hidden[name] = (other, same)
                break
    return hidden


def runs_comparison(
    histories: dict[str, pd.DataFrame],
    metric: str = "loss",
    split: str = "validation",
    tasks: dict[str, str] | None = None,
) -> go.Figure:
    """One line per run: `metric` on `split` against training step; one panel per task when runs differ.

    A sentiment loss (over a few classes) and a next-word loss (over the vocabulary) are on different
    scales, and chance accuracy differs too: drawn on one axis they would invite a false comparison.
    """
    groups = sorted(set((tasks or {}).get(name, "") for name in histories))
    fig = make_subplots(1, len(groups), subplot_titles=groups if len(groups) > 1 else None)
    curves = []  # (name, colour, panel, rows)
    for i, (name, history) in enumerate(histories.items()):
        rows = history[history["split"] == split].dropna(subset=[metric])
        curves.append(
            (name, RUN_COLORS[i % len(RUN_COLORS)], groups.index((tasks or {}).get(name, "")) + 1, rows)
        )
    hidden_by = _hidden_under(curves, metric)
    # Runs drawn under another's line (one seed and configuration, or a stopped run whose curve is the
    # start of a finished one) come last, dashed and named, so their colour shows; the legend keeps
    # the runs' order.
    for rank, (name, colour, panel, rows) in sorted(enumerate(curves), key=lambda c: c[1][0] in hidden_by):
        cover = hidden_by.get(name)
        legend = name
        if cover is not None:
            legend += (
                f" (the same curve as {cover[0]})" if cover[1] else f" (the start of {cover[0]}'s curve)"
            )
        fig.add_trace(
            go.Scatter(
                x=rows["step"],
                y=rows[metric],
                mode="lines+markers",
                name=legend,
                legendrank=rank,
                line={"color": colour, "width": 2 if cover else 3, "dash": "dash" if cover else "solid"},
                hovertemplate=f"{name}<br>step %{{x}}: {metric} %{{y:.4f}}<extra></extra>",
            ),
            1,
            panel,
        )
    title = f"{split.capitalize()} {METRIC_LABELS.get(metric, metric).lower()}"
    if len(groups) > 1:  # on a line of its own: half a page wide, one line cut it at the panel's edge
        title += "<br><sup>one panel per task: their scales differ</sup>"
    fig.update_layout(
        title=title,
        height=360,
        margin={"t": 80 if len(groups) > 1 else 50},
        legend={"orientation": "h", "y": -0.3},
    )
    fig.update_xaxes(title_text="training step")
    fig.update_yaxes(title_text=METRIC_LABELS.get(metric, metric), col=1)
    if metric == "accuracy":  # 0 to 100% in every panel: a flat line was stretched to an axis up to 150%
        fig.update_yaxes(tickformat=".0%", range=[0, 1.02])
    return fig
