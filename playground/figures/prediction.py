"""Figures of a model in use: next-word probabilities and sentiment as each word is read."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from playground.figures.colors import RUN_COLORS, class_color
from playground.text import escape_plotly


def next_word_bars(top_words: pd.DataFrame, context: str = "", unit: str = "word") -> go.Figure:
    """Horizontal bars of the likeliest next words, likeliest on top, coloured by word class if given."""
    rows = top_words.iloc[::-1].assign(word=lambda f: [escape_plotly(w) for w in f["word"]])
    fig = go.Figure()
    groups = rows.groupby("word class", sort=False) if "word class" in rows else [(None, rows)]
    for word_class, group in groups:
        fig.add_trace(
            go.Bar(
                x=group["probability"],
                y=group["word"],
                orientation="h",
                name=word_class,
                marker_color=class_color(word_class),
                text=[f"{p:.1%}" for p in group["probability"]],
                textposition="outside",
                cliponaxis=False,  # a near-certain word's label reaches into the right margin
                hovertemplate=(
                    f"next {unit} %{{y}}<br>probability %{{x:.2%}}<extra>{word_class or ''}</extra>"
                ),
            )
        )
    fig.update_layout(
        title=f"Likeliest next {unit}s" + (f" after “{escape_plotly(shorten(context))}”" if context else ""),
        xaxis_title="probability",
        yaxis_title=f"next {unit}",
        height=max(260, 28 * len(rows) + 110),
        margin={"t": 50, "b": 40, "r": 60},
        xaxis={"tickformat": ".0%", "range": [0, min(1.0, float(rows["probability"].max()) * 1.25 + 0.02)]},
    )
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=list(rows["word"]))
    fig.update_layout(showlegend="word class" in rows, legend_title_text="word class")
    return fig


def sentiment_trajectory_figure(trajectory: pd.DataFrame, class_names: list[str]) -> go.Figure:
    """Each class's probability after reading each word; unknown words marked on the axis."""
    labels = [
        f"{i}. {escape_plotly(w)}" + ("" if known else " (?)")
        for i, w, known in zip(trajectory["position"], trajectory["word"], trajectory["known"], strict=True)
    ]
    fig = go.Figure()
    if len(class_names) == 2:  # one line says it all: P(second class) = 1 - P(first)
        shown = [(class_names[1], "#54A24B")]
    else:
        shown = [(name, RUN_COLORS[i % len(RUN_COLORS)]) for i, name in enumerate(class_names)]
    for name, color in shown:
        shown_name = escape_plotly(name, 60)
        fig.add_trace(
            go.Scatter(
                x=labels,
                y=trajectory[name],
                mode="lines+markers",
                name=f"P({shown_name})",
                line={"color": color, "width": 3},
                marker={"size": 9},
                cliponaxis=False,  # a point at 0% or 100% is drawn whole, not cut at the plot's edge
                hovertemplate="after “%{x}”<br>P(" + shown_name + ") = %{y:.1%}<extra></extra>",
            )
        )
    if len(class_names) == 2:
        fig.add_hrect(y0=0.5, y1=1.0, fillcolor="#54A24B", opacity=0.07, line_width=0)
        fig.add_hrect(y0=0.0, y1=0.5, fillcolor="#E45756", opacity=0.07, line_width=0)
        fig.add_hline(y=0.5, line_dash="dot", line_color="gray")
    fig.update_layout(
        title="How the prediction moves as each word is read",
        xaxis_title="words read so far; (?): a word the model does not know",
        yaxis_title=f"P({escape_plotly(shown[0][0], 24)})" if len(shown) == 1 else "probability",
        height=360,
        margin={"t": 50, "b": 60},
        showlegend=len(shown) > 1,
    )
    fig.update_yaxes(range=[0, 1], tickformat=".0%")
    fig.update_xaxes(type="category")
    return fig


def shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else "…" + text[-limit:]
