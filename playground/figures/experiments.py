"""Figures of the lab's experiments: each result against the length or distance that stresses it."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from playground.experiments.common import SOLVED_BELOW
from playground.experiments.tables import adding_table, agreement_table, bottleneck_table, parallel_table
from playground.figures.colors import RUN_COLORS
from playground.text import escape_plotly

MODEL_COLORS = {
    "tanh RNN": RUN_COLORS[1],
    "RNN": RUN_COLORS[1],
    "IRNN (ReLU, identity)": RUN_COLORS[3],
    "LSTM": RUN_COLORS[0],
    "Transformer": RUN_COLORS[2],
    "Transformer without attention": "#9D755D",
    "Bag of words": RUN_COLORS[5],
    "encoder-decoder (one vector)": RUN_COLORS[1],
    "encoder-decoder with attention": RUN_COLORS[0],
}
# Below the x axis: above the plot, a legend that wraps on a narrow screen runs into the title.
LEGEND = {"orientation": "h", "x": 0, "xanchor": "left", "y": -0.2, "yanchor": "top"}


DASHES = ("solid", "dash", "dot")


def _color(name: str) -> str:
    return MODEL_COLORS.get(name, RUN_COLORS[4])


def _line(
    rows: pd.DataFrame,
    x: str,
    y: str,
    name: str,
    hovertemplate: str,
    model: str | None = None,
    customdata: list[str] | None = None,
    dash: str = "solid",
    spread: tuple[str, str] | None = None,
) -> go.Scatter:
    """One model's line, in that model's colour on every chart; `spread` names the min and max columns
    drawn as error bars (the range over seeds)."""
    error = None
    if spread is not None:
        low, high = spread
        error = {
            "type": "data",
            "symmetric": False,
            "array": (rows[high] - rows[y]).to_numpy(),
            "arrayminus": (rows[y] - rows[low]).to_numpy(),
            "thickness": 1.5,
            "width": 4,
        }
    return go.Scatter(
        x=rows[x],
        y=rows[y],
        mode="lines+markers",
        name=name,
        line={"color": _color(model or name), "dash": dash},
        customdata=rows[customdata].to_numpy() if customdata else None,
        hovertemplate=hovertemplate,
        error_y=error,
    )


def adding_figure(table: pd.DataFrame) -> go.Figure:
    """Test MSE against sequence length per architecture (log-log): the mean over seeds, bars from the
    best to the worst seed, and the predict-the-mean line."""
    fig = go.Figure()
    summary = adding_table(table) if not table.empty else table
    for name, rows in summary.groupby("architecture", sort=False) if not table.empty else []:
        rows = rows.sort_values("length")
        fig.add_trace(
            _line(
                rows,
                "length",
                "mean",
                str(name),
                f"{name}<br>length %{{x}}<br>test MSE %{{y:.4f}} (mean of %{{customdata[1]}} seeds)"
                "<br>%{customdata[0]}<extra></extra>",
                customdata=["verdict", "seeds"],
                spread=("low", "high"),
            )
        )
    if not table.empty:
        baseline = float(table["baseline_mse"].iloc[0])
        fig.add_hline(y=baseline, line_dash="dash", line_color="gray")
        # Named in the legend, not beside the line: the models that fail lie on it and cross any label there
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                line={"color": "gray", "dash": "dash"},
                name=f"predicting the mean (MSE 1/6 ≈ {baseline:.3f})",
            )
        )
        solved = SOLVED_BELOW * baseline  # the verdict's line: "solved" at or under it
        fig.add_hline(y=solved, line_dash="dot", line_color="gray", line_width=1)
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                line={"color": "gray", "dash": "dot", "width": 1},
                name=f"“solved”: at most {SOLVED_BELOW:.0%} of that ({solved:.3f})",
            )
        )
    fig.update_layout(
        title="The adding problem: test error against sequence length",
        xaxis_title="sequence length T (steps)",
        yaxis_title="test MSE (log scale)",
        height=420,
        legend=LEGEND,
        margin={"t": 50},
    )
    lengths = sorted(table["length"].unique()) if not table.empty else []
    fig.update_xaxes(type="log", tickvals=lengths)
    if not table.empty:
        # Both lines in view; one tick per power of ten, or 2 and 5 between them where that spans under
        # 3 (a stopped run's 0.16 and 0.013 had the single tick 10^-1, nothing to read the lower one by)
        values = pd.concat([summary["low"], summary["high"]])
        low = min([*values[values > 0], solved]) / 1.5
        high = max([*values[np.isfinite(values)], baseline]) * 1.5
        narrow = np.log10(high / low) < 3
        fig.update_yaxes(range=[np.log10(low), np.log10(high)], dtick="D2" if narrow else 1)
    fig.update_yaxes(type="log", exponentformat="power")
    return fig


def agreement_figure(table: pd.DataFrame) -> go.Figure:
    """Agreement accuracy against the phrases in between: attractors solid, same number dotted; the mean
    over seeds with bars from the lowest to the highest seed."""
    fig = go.Figure()
    summary = agreement_table(table) if not table.empty else table
    groups = summary.groupby(["architecture", "condition"], sort=False) if not table.empty else []
    for (name, condition), rows in groups:
        rows = rows.sort_values("phrases")
        fig.add_trace(
            _line(
                rows,
                "phrases",
                "mean",
                f"{name}, {condition}",
                f"{name}, {condition}<br>%{{x}} phrases, %{{customdata[0]:.1f}} words between"
                "<br>accuracy %{y:.1%} (mean of %{customdata[1]} seeds)<extra></extra>",
                model=str(name),
                customdata=["mean_distance", "seeds"],
                dash="solid" if condition == "attractors" else "dot",
                spread=("low", "high"),
            )
        )
    fig.add_hline(
        y=0.5,
        line_dash="dash",
        line_color="gray",
        annotation_text="chance",
        annotation_position="bottom left",
    )
    if not table.empty and table["phrases"].max() > 1:
        fig.add_vrect(
            x0=1.5,
            x1=float(table["phrases"].max()) + 0.5,
            fillcolor="gray",
            opacity=0.08,
            line_width=0,
        )
        fig.add_annotation(  # above the plot: inside the shaded part it sat on the lines' points
            x=1.5,
            y=1.0,
            xref="x",
            yref="paper",
            xanchor="left",
            yanchor="bottom",
            showarrow=False,
            text="shaded: subject–verb distances never seen in training",
            font={"color": "gray", "size": 12},
        )
    fig.update_layout(
        title="Does the verb agree with a subject further back?",
        xaxis_title="phrases between subject and verb (“near the cats” each)",
        yaxis_title="verb number right",
        height=500,
        margin={"t": 75},
        legend={"orientation": "h", "y": -0.22, "x": 0, "yanchor": "top"},
    )
    fig.update_yaxes(range=[0, 1.03], tickformat=".0%")
    fig.update_xaxes(dtick=1)
    return fig


def bottleneck_figure(table: pd.DataFrame, metric: str = "word_accuracy") -> go.Figure:
    """Translation quality against source length, one line per model (mean over seeds, range as bars)."""
    label = {
        "word_accuracy": "words right, in the right place",
        "exact": "whole translation exact",
        "bleu": "BLEU (sacrebleu)",
    }[metric]
    fig = go.Figure()
    summary = bottleneck_table(table) if not table.empty else table
    shown = "%{y:.1f}" if metric == "bleu" else "%{y:.1%}"
    drawn: list[str] = []  # the models drawn so far: a model trained longer repeats its colour, dashed
    for name, rows in summary.groupby("model", sort=False) if not table.empty else []:
        model = str(name).split(",")[0]  # "encoder-decoder (one vector), 12,000 steps": its model
        drawn.append(model)
        fig.add_trace(
            _line(
                rows,
                "mean_source_words",
                f"{metric}_mean",
                str(name),
                f"{name}<br>%{{customdata[0]}} words (%{{customdata[1]}} sentences)<br>{label} "
                f"{shown}<extra></extra>",
                model=model,
                customdata=["source_words", "sentences"],
                dash=DASHES[(drawn.count(model) - 1) % len(DASHES)],
                spread=(f"{metric}_low", f"{metric}_high"),
            )
        )
    fig.update_layout(
        title=f"Translation against sentence length: {label}",
        xaxis_title="source sentence length (words)",
        yaxis_title=label,
        height=420,
        legend=LEGEND,
        margin={"t": 50},
    )
    if metric == "bleu":
        fig.update_yaxes(range=[0, 103])
    else:
        fig.update_yaxes(range=[0, 1.03], tickformat=".0%")
    return fig


def log_ticks(values: pd.Series | list[float]) -> dict:
    """Tick values 1, 2, 5, 10, 20, … spanning `values`, written in full ("5,000", not plotly's "5"
    after a "1000"), for a log axis."""
    values = [float(v) for v in values if v and float(v) > 0]
    if not values:
        return {}
    low, high = min(values), max(values)
    ticks = []
    power = 10.0 ** math.floor(math.log10(low))
    while power <= high * 10:
        ticks += [m * power for m in (1, 2, 5) if low / 2 <= m * power <= high * 2]
        power *= 10
    return {"tickvals": ticks, "ticktext": [f"{t:,.0f}" if t >= 1 else f"{t:g}" for t in ticks]}


def parallel_figure(table: pd.DataFrame, column: str = "forward_backward_ms") -> go.Figure:
    """Milliseconds against sequence length per model, log-log (mean over seeds, range as bars)."""
    label = {"forward_backward_ms": "forward + backward"}[column]
    fig = go.Figure()
    summary = parallel_table(table) if not table.empty else table
    for name, rows in summary.groupby("model", sort=False) if not table.empty else []:
        rows = rows.sort_values("length")
        fig.add_trace(
            _line(
                rows,
                "length",
                "mean",
                str(name),
                f"{name}<br>length %{{x}}<br>%{{y:.2f}} ms<extra></extra>",
                spread=("low", "high"),
            )
        )
    fig.update_layout(
        title=f"Time of one layer, {label}, against sequence length",
        xaxis_title="sequence length (log scale)",
        yaxis_title="milliseconds (log scale)",
        height=420,
        legend=LEGEND,
        margin={"t": 50},
    )
    lengths = sorted(table["length"].unique()) if not table.empty else []
    fig.update_xaxes(type="log", tickvals=lengths)
    spans = [] if table.empty else [*summary["low"], *summary["high"]]
    fig.update_yaxes(type="log", **log_ticks(spans))
    return fig


def critical_path_figure(table: pd.DataFrame) -> go.Figure:
    """Operations that must run one after another in one layer, against sequence length (log-log)."""
    fig = go.Figure()
    rows_by_model = table.groupby("model", sort=False) if "critical_path_ops" in table else []
    for name, rows in rows_by_model:
        rows = rows.groupby("length", as_index=False)["critical_path_ops"].first().sort_values("length")
        fig.add_trace(
            _line(
                rows,
                "length",
                "critical_path_ops",
                str(name),
                f"{name}<br>length %{{x}}<br>%{{y}} operations in sequence<extra></extra>",
            )
        )
    fig.update_layout(
        title="Critical path of one layer: operations that must wait for each other",
        xaxis_title="sequence length (log scale)",
        yaxis_title="operations in sequence (log scale)",
        height=380,
        legend=LEGEND,
        margin={"t": 50},
    )
    lengths = sorted(table["length"].unique()) if not table.empty else []
    fig.update_xaxes(type="log", tickvals=lengths)
    counts = table["critical_path_ops"] if "critical_path_ops" in table else []
    fig.update_yaxes(type="log", **log_ticks(counts))
    return fig


def translation_attention_figure(weights, source: list[str], output: list[str]) -> go.Figure:
    """Attention of each output word (rows) over the source words (columns), as a heatmap."""
    fig = go.Figure(
        go.Heatmap(
            z=weights,
            x=[f"{i + 1} {escape_plotly(w)}" for i, w in enumerate(source)],
            y=[f"{i + 1} {escape_plotly(w)}" for i, w in enumerate(output)],
            colorscale="Blues",
            zmin=0,
            zmax=1,
            colorbar={"title": "weight"},
            hovertemplate="writing %{y}<br>looking at %{x}<br>weight %{z:.2f}<extra></extra>",
        )
    )
    fig.update_layout(
        title="Where the decoder looks while it writes each word",
        xaxis_title="source words (the sentence you typed)",
        yaxis_title="words it wrote",
        height=max(320, 28 * len(output) + 160),
        margin={"t": 50},
    )
    fig.update_yaxes(autorange="reversed")
    return fig
