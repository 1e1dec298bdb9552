"""Figures of self-attention: positions, Q/K/V, score matrices, every head, and a head view."""

from __future__ import annotations

import textwrap

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.figures.spec import assemble, axis_name, axis_ref, colorscale, grid_layout
from playground.text import escape_plotly

HEAD_COLORS = ["#4C78A8", "#E45756", "#54A24B", "#B279A2", "#F58518", "#72B7B2", "#9D755D", "#EECA3B"]


def labels(steps: list[str]) -> list[str]:
    """Unique, escaped axis labels: '1 the', '2 dog', ..."""
    return [f"{i + 1} {escape_plotly(w)}" for i, w in enumerate(steps)]


MASKED_COLOR = "#DDDDDD"  # a cell a word may not look at
WRITTEN_UP_TO = 12  # words: up to this many, a query × key matrix has its values written in its cells
HOVER_ACROSS = {"hovermode": "y unified", "hoversubplots": "axis"}
ROW_SPIKES = {"showspikes": True, "spikemode": "across", "spikethickness": 1, "spikedash": "dot"}


def hover_across(fig: go.Figure) -> go.Figure:
    """Hovering a word's row in one panel marks that row in every panel of the figure and lists their values.

    Plotly links hover only between subplots on one axis (`hoversubplots="axis"`): the traces
    must share the y axis object itself, not one that `matches` it.
    """
    fig.update_layout(**HOVER_ACROSS)
    fig.update_yaxes(**ROW_SPIKES)
    return fig


def wrapped(title: str, width: int = 20) -> str:
    """A subplot title on lines of about `width` characters, broken between words with <br>: side by
    side in a narrow column, one-line titles ran into each other."""
    return "<br>".join(textwrap.wrap(title, width, break_long_words=False))


def side_by_side(
    matrices: list[np.ndarray], titles: list[str], steps: list[str], x_title: str = "dimension of the head"
) -> go.Figure:
    """Word-by-dimension matrices next to each other on one colour scale (rows are the words).

    Hovering a word in one matrix shows its row in all of them (as `hover_across` sets up). Built as a
    spec (`playground.figures.spec`): a new sentence rebuilds it.
    """
    count = len(matrices)
    layout = grid_layout(
        1,
        count,
        subplot_titles=[wrapped(title) for title in titles],
        shared_yaxes=True,
        horizontal_spacing=0.04,
    )
    limit = float(max(np.abs(m).max() for m in matrices) or 1.0)
    rows = labels(steps)
    data = [
        {
            "type": "heatmap",
            "z": matrix,
            "y": rows,
            "colorscale": colorscale("RdBu"),
            "zmid": 0,
            "zmin": -limit,
            "zmax": limit,
            "showscale": column == count,
            "colorbar": {"title": {"text": "value"}},
            "name": titles[column - 1],
            "hovertemplate": "dimension %{x}: %{z:.3f}",
            "xaxis": axis_ref("x", column),
            "yaxis": "y",  # one y axis for all: see hover_across
        }
        for column, matrix in enumerate(matrices, start=1)
    ]
    for column in range(1, count + 1):
        layout[axis_name("y", column)].update(
            autorange="reversed", type="category", automargin=False, **ROW_SPIKES
        )
        layout[axis_name("x", column)]["automargin"] = False
    # One axis title under all the panels: one under each ran into the next in a narrow column.
    layout["annotations"].append(
        {
            "text": x_title,
            "x": 0.5,
            "y": 0,
            "xref": "paper",
            "yref": "paper",
            "xanchor": "center",
            "yanchor": "top",
            "yshift": -26,
            "showarrow": False,
            "font": {"size": 14},
        }
    )
    widest = 7 * max(len(label) for label in rows)
    layout.update(
        height=max(260, 24 * len(steps) + 130),
        margin={"t": 70, "l": widest + 20, "r": 90, "b": 62},
        **HOVER_ACROSS,
    )
    return assemble(data, layout)


def _matrix_traces(
    matrix: np.ndarray, axis: list[str], mask: np.ndarray | None, probabilities: bool, subplot: int = 1
) -> list[dict]:
    """`matrix_figure`'s heatmap, and its masked cells filled grey, on the axes of subplot `subplot`."""
    shown = np.where(mask, matrix, np.nan) if mask is not None else matrix
    finite = shown[np.isfinite(shown)]
    if probabilities:
        colors = {"colorscale": colorscale("Blues"), "zmin": 0, "zmax": 1}
    else:
        limit = float(np.abs(finite).max()) if finite.size else 1.0
        colors = {"colorscale": colorscale("RdBu"), "zmid": 0, "zmin": -limit, "zmax": limit}
    traces = [
        {
            "type": "heatmap",
            "z": shown,
            "x": axis,
            "y": axis,
            **colors,
            # weights to 2 decimals; scores to 3 significant digits ("-16.2"), short enough to stay legible
            "texttemplate": ("%{z:.2f}" if probabilities else "%{z:.3g}")
            if len(axis) <= WRITTEN_UP_TO
            else None,
            "hoverongaps": False,
            "colorbar": {"title": {"text": "weight" if probabilities else "score"}},
            "hovertemplate": "query %{y}<br>key %{x}<br>%{z:.3f}<extra></extra>",
            "xaxis": axis_ref("x", subplot),
            "yaxis": axis_ref("y", subplot),
        }
    ]
    if mask is not None and (~mask).any():
        # The masked cells filled grey, each whole, at any number of words (grey squares of a fixed size
        # were stripes across a long sentence's small cells)
        traces.append(
            {
                "type": "heatmap",
                "name": "masked",
                "z": np.where(mask, np.nan, 0.0),
                "x": axis,
                "y": axis,
                "colorscale": [[0, MASKED_COLOR], [1, MASKED_COLOR]],
                "showscale": False,
                "hoverongaps": False,
                "hovertemplate": "masked: a word may not look at a later word<extra></extra>",
                "xaxis": axis_ref("x", subplot),
                "yaxis": axis_ref("y", subplot),
            }
        )
    return traces


def matrix_figure(
    matrix: np.ndarray,
    steps: list[str],
    title: str,
    mask: np.ndarray | None = None,
    probabilities: bool = False,
) -> go.Figure:
    """A query × key matrix with the words on both axes; masked cells grey, values written in."""
    category = {"type": "category"}
    layout = {
        "title": {"text": title},
        "xaxis": {"title": {"text": "key (word looked at)"}, "tickangle": -45, **category},
        "yaxis": {"title": {"text": "query (word looking)"}, "autorange": "reversed", **category},
        "height": max(320, 30 * len(steps) + 150),
        "margin": {"t": 50},
    }
    return assemble(_matrix_traces(matrix, labels(steps), mask, probabilities), layout)


def score_matrices_figure(
    panels: list[tuple[np.ndarray, str, np.ndarray | None, bool]], steps: list[str]
) -> go.Figure:
    """Query × key matrices two to a row in one figure, each as `matrix_figure` draws it, with its own
    colour bar: `panels` holds (matrix, title, mask, probabilities) for each.

    One figure rather than one per matrix: each chart the browser mounts costs its own layout, axes and
    Streamlit's theming pass, and a new sentence redraws every one (docs/architecture.md). Built as a
    spec (`playground.figures.spec`).
    """
    rows = (len(panels) + 1) // 2
    per_row = max(320, 30 * len(steps) + 150)  # a matrix's own height in `matrix_figure`
    layout = grid_layout(
        rows,
        2,
        subplot_titles=[wrapped(title, 30) for _, title, _, _ in panels],
        shared_yaxes=True,  # the same queries in a row: words on the left only, room for the colour bar
        horizontal_spacing=0.13,
        vertical_spacing=140 / (per_row * rows),  # room for the slanted words and the next title
    )
    axis = labels(steps)
    data = []
    for index, (matrix, _, mask, probabilities) in enumerate(panels):
        subplot = index + 1
        traces = _matrix_traces(matrix, axis, mask, probabilities, subplot)
        x_domain = layout[axis_name("x", subplot)]["domain"]
        y_domain = layout[axis_name("y", subplot)]["domain"]
        # A colour bar where the colours are all there is to read: the weights (0 to 1, comparable
        # across sentences), and every panel once its values are no longer written in.
        traces[0]["showscale"] = probabilities or len(axis) > WRITTEN_UP_TO
        traces[0]["colorbar"] = {
            "x": x_domain[1] + 0.01,
            "xanchor": "left",
            "y": (y_domain[0] + y_domain[1]) / 2,
            "yanchor": "middle",
            "len": y_domain[1] - y_domain[0],
            "thickness": 12,
            "title": {"text": "weight" if probabilities else "score", "side": "top"},
        }
        data += traces
    # Margins set from the longest word rather than by plotly.js's automargin, which measured and laid out
    # this figure's eight axes again and again: about 0.1 s of its 0.24 s first drawing in Chromium.
    widest = 7 * max(len(label) for label in axis)  # about 7 px a character at 12 px
    for subplot in range(1, rows * 2 + 1):
        row, col = (subplot - 1) // 2 + 1, (subplot - 1) % 2 + 1
        y_axis = layout[axis_name("y", subplot)]
        y_axis.update(autorange="reversed", type="category", automargin=False)
        x_axis = layout[axis_name("x", subplot)]
        x_axis.update(type="category", tickangle=-45, automargin=False)
        if col == 1:
            y_axis["title"] = {"text": "query (word looking)"}
        if row == rows:
            x_axis["title"] = {"text": "key (word looked at)"}
    margin = {"t": 60, "r": 60, "l": widest + 45, "b": round(0.75 * widest) + 50}
    layout.update(height=per_row * rows, margin=margin, showlegend=False)
    return assemble(data, layout)


def relative_bias_figure(bias: np.ndarray, reach: int) -> go.Figure:
    """Each head's learned b_h(d) against the offset d = j - i from -reach on: (N, offsets)."""
    offsets = list(range(-reach, -reach + bias.shape[1]))
    fig = go.Figure()
    for head, row in enumerate(bias):
        fig.add_trace(
            go.Scatter(
                x=offsets,
                y=row,
                mode="lines+markers",
                name=f"head {head + 1}",
                line={"color": HEAD_COLORS[head % len(HEAD_COLORS)]},
                hovertemplate=f"head {head + 1}<br>offset %{{x}}: %{{y:.2f}}<extra></extra>",
            )
        )
    fig.add_vline(x=0, line={"color": "#999999", "dash": "dot"})
    fig.update_layout(
        title="Relative position bias b(j − i), added to every score (all layers)",
        xaxis_title=f"offset j − i: key's position minus query's (beyond ±{reach} share one value)",
        yaxis_title="bias added to the score",
        height=340,
        margin={"t": 50},
        legend={"orientation": "h", "y": -0.3},
    )
    fig.update_xaxes(dtick=1, range=[offsets[0] - 0.5, offsets[-1] + 0.5])
    return fig


def entropy_figure(steps: list[str], scaled: np.ndarray, unscaled: np.ndarray) -> go.Figure:
    """Spread of each query's attention with and without dividing by sqrt(d_k)."""
    fig = go.Figure()
    fig.add_trace(go.Bar(x=labels(steps), y=scaled, name="with / √d_k", marker_color="#4C78A8"))
    fig.add_trace(go.Bar(x=labels(steps), y=unscaled, name="without scaling", marker_color="#E45756"))
    fig.update_layout(
        title="Entropy of each row: how spread out the attention is",
        barmode="group",
        xaxis_title="query",
        yaxis_title="entropy (bits)",
        height=340,
        margin={"t": 80},
        # above the plot: below it, the legend ran into the slanted words and the axis title
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0},
    )
    fig.update_xaxes(type="category", tickangle=-45)
    return fig


def all_heads_figure(weights: np.ndarray, steps: list[str]) -> go.Figure:
    """Every layer (rows) and head (columns) as a small attention matrix: (L, N, T, T).

    Words on the left column's rows and the bottom row's columns, one colour scale for all (0 to 1).
    Hovering a cell (query, key) in one head marks that query in every head of its layer and lists
    each head's weight on the same key.
    """
    layers, heads = weights.shape[:2]
    titles = [f"layer {layer + 1}, head {head + 1}" for layer in range(layers) for head in range(heads)]
    fig = make_subplots(
        layers,
        heads,
        subplot_titles=titles,
        horizontal_spacing=0.02,
        vertical_spacing=0.1,
        shared_xaxes=True,
        shared_yaxes=True,
    )
    axis = labels(steps)
    for layer in range(layers):
        for head in range(heads):
            fig.add_trace(
                go.Heatmap(
                    z=weights[layer, head],
                    x=axis,
                    y=axis,
                    colorscale="Blues",
                    zmin=0,
                    zmax=1,
                    showscale=layer == 0 and head == 0,
                    colorbar={"title": "weight", "len": 0.8},
                    name=f"layer {layer + 1}, head {head + 1}",
                    hovertemplate="key %{x}: %{z:.2f}",
                ),
                layer + 1,
                head + 1,
            )
            row_axis = "y" if layer == 0 else f"y{layer * heads + 1}"  # the layer's, for hover_across
            fig.data[-1].yaxis = row_axis
            x_axis = "xaxis" if layer == 0 and head == 0 else f"xaxis{layer * heads + head + 1}"
            fig.layout[x_axis].anchor = row_axis  # its own y axis now carries no trace
    readable = len(steps) <= 16  # beyond that the labels would overlap: hover tells the words
    fig.update_yaxes(autorange="reversed", type="category", showticklabels=False, tickfont={"size": 10})
    fig.update_xaxes(type="category", showticklabels=False, tickangle=-60, tickfont={"size": 10})
    for layer in range(1, layers + 1):  # words once per row and once per column, at the edges
        fig.update_yaxes(title_text="query", showticklabels=readable, row=layer, col=1)
    for head in range(1, heads + 1):
        fig.update_xaxes(title_text="key", showticklabels=readable, row=layers, col=head)
    label_room = 10 + 7 * max((len(a) for a in axis), default=0) if readable else 10
    fig.update_layout(
        height=min(1000, (280 if readable else 240) * layers + label_room + 60),
        margin={"t": 50, "l": label_room, "r": 10, "b": label_room},
    )
    return hover_across(fig)


def head_view(weights: np.ndarray, steps: list[str], threshold: float = 0.1) -> go.Figure:
    """Lines from each word (left) to the words it attends to (right); width = weight, colour = head."""
    heads, steps_count = weights.shape[0], weights.shape[-1]
    fig = go.Figure()
    ys = -np.arange(steps_count)
    shown = [escape_plotly(s) for s in steps]
    spread = min(0.1, 0.4 / heads)  # each head's lines leave and reach a word at its own height
    for head in range(heads):
        color = HEAD_COLORS[head % len(HEAD_COLORS)]
        offset = (head - (heads - 1) / 2) * spread
        first = True
        for q in range(steps_count):
            for k in range(steps_count):
                w = float(weights[head, q, k])
                if w < threshold:
                    continue
                fig.add_trace(
                    go.Scatter(
                        x=[0.08, 0.92],
                        y=[ys[q] - offset, ys[k] - offset],
                        mode="lines",
                        opacity=0.7,
                        line={"color": color, "width": 1 + 9 * w},
                        name=f"head {head + 1}",
                        legendgroup=f"head {head + 1}",
                        showlegend=first,
                        hovertemplate=f"head {head + 1}: {shown[q]} → {shown[k]} {w:.2f}<extra></extra>",
                    )
                )
                first = False
    for x, anchor in ((0.0, "left"), (1.0, "right")):
        fig.add_trace(
            go.Scatter(
                x=[x] * steps_count,
                y=ys,
                mode="text",
                text=shown,
                textfont={"size": 13},
                textposition=f"middle {anchor}",
                showlegend=False,
                hoverinfo="skip",
            )
        )
    fig.update_layout(
        title=f"Head view: who looks at whom (lines for weights ≥ {threshold:g})",
        height=max(300, 28 * steps_count + 120),
        margin={"t": 50},
        xaxis={"visible": False, "range": [-0.35, 1.35]},
        yaxis={"visible": False},
        legend={"orientation": "h", "y": -0.05, "title": {"text": "click to hide or show:"}},
    )
    fig.add_annotation(x=0, y=1.5, text="<b>query</b>", showarrow=False)
    fig.add_annotation(x=1, y=1.5, text="<b>key</b>", showarrow=False)
    return fig
