"""Figures of gradient flow: norms through time on log scales, with overflow shown, not hidden."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from playground.figures.colors import RUN_COLORS
from playground.text import escape_plotly

LAYER_DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")  # layer 1, 2, …


def _finite(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Values a log axis can draw (others become gaps), and a mask of overflowed ones."""
    raw = values.to_numpy(dtype=float)
    overflow = ~np.isfinite(raw)
    drawable = np.where(np.isfinite(raw) & (raw > 0), raw, np.nan)
    return drawable, overflow


def _mark_overflow(fig: go.Figure, x, overflow: np.ndarray, top: float, color: str) -> None:
    if overflow.any():
        fig.add_trace(
            go.Scatter(
                x=np.asarray(x)[overflow],
                y=[top] * int(overflow.sum()),
                mode="markers+text",
                text="overflow",
                textposition="top center",
                marker={"symbol": "x", "size": 10, "color": color},
                showlegend=False,
                hovertemplate="the value overflowed (inf or NaN)<extra></extra>",
            )
        )


def _mark_underflow(fig: go.Figure, x, values: pd.Series, bottom: float, color: str) -> None:
    """A mark at the foot of the chart where a norm is exactly 0: a log axis has no place for it."""
    zero = values.to_numpy(dtype=float) == 0
    if zero.any():
        fig.add_trace(
            go.Scatter(
                x=np.asarray(x)[zero],
                y=[bottom] * int(zero.sum()),
                mode="markers",
                marker={"symbol": "triangle-down", "size": 7, "color": color},
                name="0: below float32's smallest number",
                hovertemplate="T−t = %{x}<br>exactly 0 (underflow)<extra></extra>",
            )
        )


def gradient_time_figure(frames: dict[str, pd.DataFrame], column: str, title: str) -> go.Figure:
    """||dL/d·_t|| against step t, one line per run, on a log scale."""
    fig = go.Figure()
    drawable = [_finite(f[column])[0] for f in frames.values()]
    tops = [np.nanmax(d) for d in drawable if np.isfinite(d).any()]
    top = max(tops) * 3 if tops else 1.0
    for i, (name, frame) in enumerate(frames.items()):
        values, overflow = _finite(frame[column])
        color = RUN_COLORS[i % len(RUN_COLORS)]
        fig.add_trace(
            go.Scatter(
                x=frame["step"],
                y=values,
                mode="lines+markers",
                name=name,
                line={"color": color, "width": 3},
                customdata=[[escape_plotly(w)] for w in frame["word"]],
                hovertemplate=(
                    f"{name}<br>step %{{x}} (“%{{customdata[0]}}”)<br>norm %{{y:.3e}}<extra></extra>"
                ),
            )
        )
        _mark_overflow(fig, frame["step"], overflow, top, color)
    fig.update_layout(
        title=title,
        xaxis_title="step t (word read at that step)",
        yaxis_title="gradient norm",
        height=400,
        margin={"t": 50},
        legend={"orientation": "h", "y": -0.25},
    )
    fig.update_yaxes(type="log", exponentformat="power")
    first = next(iter(frames.values()), None)
    if first is not None and len(first) <= 40:  # the same sentence for every run: name the steps
        ticks = [f"{s} {escape_plotly(w)}" for s, w in zip(first["step"], first["word"], strict=True)]
        fig.update_xaxes(tickvals=list(first["step"]), ticktext=ticks, tickangle=-45)
    return fig


def sandbox_figure(
    norms: pd.DataFrame, rho: float, linear: pd.DataFrame | None = None, activation: str = ""
) -> go.Figure:
    """Measured ||dh_T/dh_t|| against the distance T - t, beside the theory rho^(T-t).

    `linear`, if given, is the same W_hh and inputs through a linear cell: the case the theory is for.
    """
    measured, overflow = _finite(norms["measured"])
    theory, _ = _finite(norms["theory"])
    fig = go.Figure()
    if linear is not None:
        same_w, _ = _finite(linear["measured"])
        fig.add_trace(
            go.Scatter(
                x=linear["distance"],
                y=same_w,
                mode="lines",
                name="same W_hh, linear cell",
                line={"color": "#4C78A8", "dash": "dot"},
                hovertemplate="T−t = %{x}<br>linear cell %{y:.3e}<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=norms["distance"],
            y=theory,
            mode="lines",
            name=f"theory ρ^(T−t), ρ = {rho:g}",
            line={"color": "gray", "dash": "dash"},
            hovertemplate="T−t = %{x}<br>ρ^(T−t) = %{y:.3e}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=norms["distance"],
            y=measured,
            mode="lines",
            name=f"measured ‖∂h_T/∂h_t‖{f' ({activation})' if activation else ''}",
            line={"color": "#E45756", "width": 3},
            hovertemplate="T−t = %{x}<br>measured %{y:.3e}<extra></extra>",
        )
    )
    finite = np.concatenate(
        [measured[np.isfinite(measured)], theory[np.isfinite(theory)]]
        + ([same_w[np.isfinite(same_w)]] if linear is not None else [])
    )
    top = float(finite.max()) * 3 if finite.size else 1.0
    _mark_overflow(fig, norms["distance"], overflow, top, "#E45756")
    bottom = float(finite[finite > 0].min()) / 3 if (finite > 0).any() else 1e-45
    _mark_underflow(fig, norms["distance"], norms["measured"], bottom, "#E45756")
    fig.update_layout(
        title="How the gradient shrinks or grows with distance",
        xaxis_title="steps back, T − t",
        yaxis_title="norm (log scale)",
        height=400,
        margin={"t": 50},
        legend={"orientation": "h", "y": -0.25},
    )
    fig.update_yaxes(type="log", exponentformat="power")
    return fig


def grad_norm_figure(history: pd.DataFrame, clip: float) -> go.Figure:
    """The global gradient norm while training, the clipping threshold, and where clipping acted."""
    rows = history[history["split"] == "train"]
    fig = go.Figure(
        go.Scatter(
            x=rows["step"],
            y=rows["grad_norm"],
            mode="lines",
            name="largest norm in the interval",
            line={"color": "#4C78A8"},
            hovertemplate="step %{x}<br>gradient norm %{y:.3g}<extra></extra>",
        )
    )
    if clip > 0:
        fig.add_hline(
            y=clip, line_dash="dash", line_color="#E45756", annotation_text=f"clipping threshold {clip:g}"
        )
        clipped = rows[rows["clipped"] > 0]
        fig.add_trace(
            go.Scatter(
                x=clipped["step"],
                y=clipped["grad_norm"],
                mode="markers",
                name="clipping acted",
                marker={"color": "#E45756", "size": 8, "symbol": "triangle-down"},
                customdata=clipped[["clipped"]].to_numpy(),
                hovertemplate="step %{x}: clipped %{customdata[0]} times<extra></extra>",
            )
        )
    fig.update_layout(
        title="Global gradient norm during training",
        xaxis_title="training step",
        yaxis_title="‖∇‖ (log scale)",
        height=330,
        margin={"t": 50},
        legend={"orientation": "h", "y": -0.3},
    )
    fig.update_yaxes(type="log", exponentformat="power")
    return fig


def loss_comparison_figure(histories: dict[str, pd.DataFrame], colors: list[str] | None = None) -> go.Figure:
    """Training loss of several runs on one chart (log scale, so a blow-up stays visible), each in
    `colors` (the run colours by default)."""
    fig, palette = go.Figure(), colors or RUN_COLORS
    for i, (name, history) in enumerate(histories.items()):
        rows = history[history["split"] == "train"]
        fig.add_trace(
            go.Scatter(
                x=rows["step"],
                y=rows["loss"],
                mode="lines+markers",
                name=name,
                line={  # dashed every other run: two runs of one outcome share a colour
                    "color": palette[i % len(palette)],
                    "width": 3,
                    "dash": "solid" if i % 2 == 0 else "dash",
                },
                hovertemplate=f"{name}<br>step %{{x}}: loss %{{y:.3g}}<extra></extra>",
            )
        )
    fig.update_layout(
        title="Training loss",
        xaxis_title="training step",
        yaxis_title="loss (log scale)",
        height=360,
        margin={"t": 50},
        legend={"orientation": "h", "y": -0.3},
    )
    losses = np.array([v for h in histories.values() for v in h.loc[h["split"] == "train", "loss"]], float)
    losses = losses[np.isfinite(losses) & (losses > 0)]
    # Whole numbers at 1, 2, 5 per decade: plotly's own minor labels read "3" for 30 on a log axis.
    ticks = []
    if losses.size:
        low, high = math.floor(math.log10(losses.min())), math.ceil(math.log10(losses.max()))
        ticks = [m * 10.0**e for e in range(low, high + 1) for m in (1, 2, 5)]
        ticks = [t for t in ticks if losses.min() / 1.3 <= t <= losses.max() * 1.3]
    if len(ticks) < 2:  # a narrow range (3.0 to 3.5) holds none: plotly's own labels, in full
        return fig.update_yaxes(type="log", exponentformat="power")
    return fig.update_yaxes(type="log", tickvals=ticks, ticktext=[f"{t:g}" for t in ticks])


def probe_heatmap(steps: list[int], norms: np.ndarray, quantity: str) -> go.Figure:
    """Gradient norm per time step (columns) at each recorded training step (rows), log colour."""
    with np.errstate(divide="ignore", invalid="ignore"):
        logged = np.where(norms > 0, np.log10(norms), np.nan)
    fig = go.Figure(
        go.Heatmap(
            z=logged,
            x=list(range(1, norms.shape[1] + 1)),
            y=steps,
            colorscale="Viridis",
            colorbar={"title": "log₁₀ norm"},
            customdata=norms,
            hovertemplate="training step %{y}<br>time step %{x}<br>norm %{customdata:.3e}<extra></extra>",
        )
    )
    fig.update_layout(
        title=f"‖∂L/∂{quantity}‖ on a fixed probe batch, while training",
        xaxis_title="time step t in the sequence",
        yaxis_title="training step",
        height=380,
        margin={"t": 50},
    )
    return fig


def parameter_norms_figure(probes: pd.DataFrame) -> go.Figure:
    """Each weight matrix's gradient norm at the recorded training steps (log scale): one colour per kind
    of matrix, one dash per layer, so two layers' W_hh read as one kind."""
    fig = go.Figure()
    names = list(dict.fromkeys(probes["parameter"]))
    split = {name: re.fullmatch(r"(.*?)(?: \(layer (\d+)\))?", str(name)).groups() for name in names}
    kinds = list(dict.fromkeys(kind for kind, _ in split.values()))  # "W_hh (layer 2)" -> "W_hh", "2"
    for name in names:
        rows = probes[probes["parameter"] == name]
        kind, layer = split[name]
        dash = LAYER_DASHES[(int(layer) - 1) % len(LAYER_DASHES)] if layer else "solid"
        fig.add_trace(
            go.Scatter(
                x=rows["step"],
                y=rows["norm"],
                mode="lines+markers",
                name=str(name),
                line={"color": RUN_COLORS[kinds.index(kind) % len(RUN_COLORS)], "dash": dash},
                hovertemplate=f"{name}<br>step %{{x}}: %{{y:.3e}}<extra></extra>",
            )
        )
    legend_rows = math.ceil(len(names) / 2)  # two entries a row under the chart
    fig.update_layout(
        title="Gradient norm of each weight matrix",
        xaxis_title="training step",
        yaxis_title="‖∂L/∂W‖ (log scale)",
        height=330 + 22 * legend_rows,
        margin={"t": 50, "b": 70 + 22 * legend_rows},
        # anchored by its top, under the axis title: anchored by its bottom, a tall legend grew up over it
        legend={
            "orientation": "h",
            "yanchor": "top",
            "y": -0.28,
            "entrywidth": 0.5,
            "entrywidthmode": "fraction",
        },
    )
    fig.update_yaxes(type="log", exponentformat="power")
    return fig
