"""Figures of words as vectors: one-hot codes, embeddings, similarities and the embedding space."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.data.tokenizer import UNK
from playground.figures.colors import CLASS_COLORS, class_color
from playground.text import escape_plotly

MAX_HEATMAP_COLUMNS = 5000


MAX_LABEL_CHARS = 24  # a 290-letter "word" took the whole width from the charts it labels


def row_labels(tokens: list[str], known: list[bool] | None = None) -> list[str]:
    """Unique axis labels, so a repeated word keeps its own row: '1 the', '2 dog', ... (long ones cut).

    With `known`, a word out of the vocabulary says what the model reads instead: '2 zzz → <unk>'.
    """
    known = [True] * len(tokens) if known is None else known
    return [
        f"{i + 1} {escape_plotly(t, MAX_LABEL_CHARS)}" + ("" if k else f" → {escape_plotly(UNK)}")
        for i, (t, k) in enumerate(zip(tokens, known, strict=True))
    ]


def one_hot_figure(tokens: list[str], ids: list[int], vocab_tokens: list[str]) -> go.Figure:
    """Each word as a row as wide as the vocabulary, all zeros but one."""
    size = len(vocab_tokens)
    labels = row_labels(tokens)
    if size <= MAX_HEATMAP_COLUMNS:
        z = np.zeros((len(ids), size), dtype=np.uint8)
        z[np.arange(len(ids)), ids] = 1
        fig = go.Figure(
            go.Heatmap(
                z=z,
                y=labels,
                x=list(range(size)),
                colorscale=[[0, "#F4F4F4"], [1, "#08306B"]],
                zmin=0,
                zmax=1,
                showscale=False,
                xgap=0,
                ygap=2,
                hovertemplate="%{y}<br>column %{x}: %{z}<extra></extra>",
            )
        )
    else:  # too wide for cells: draw only the ones
        fig = go.Figure(
            go.Scatter(
                x=ids, y=labels, mode="markers", marker={"symbol": "square", "size": 8, "color": "#08306B"}
            )
        )
    names = [f"{i}: {escape_plotly(vocab_tokens[i], MAX_LABEL_CHARS)}" for i in ids]
    on_left = [i > size * 2 / 3 for i in ids]
    fig.add_trace(
        go.Scatter(  # name the column that holds the 1
            x=ids,
            y=labels,
            mode="text",
            # in the right third a label goes left of its 1: to the right it ran off the chart ("277")
            text=[f"{name}  " if left else f"  {name}" for name, left in zip(names, on_left, strict=True)],
            textposition=["middle left" if left else "middle right" for left in on_left],
            textfont={"color": "#E45756", "size": 12},
            showlegend=False,
            hovertemplate="%{y}: the 1 is in column %{x}<extra></extra>",
        )
    )
    fig.update_layout(
        title=f"One-hot: {size:,} numbers per word, exactly one of them is 1",
        xaxis_title=f"vocabulary index (0 … {size - 1})",
        yaxis_title="word in the sentence",
        height=max(220, 34 * len(tokens) + 120),
        margin={"t": 50, "b": 40},
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(range=[-0.5, size - 0.5])
    return fig


def embedding_figure(tokens: list[str], embeddings: np.ndarray) -> go.Figure:
    """Each word as its learned vector: rows are words, columns embedding dimensions."""
    limit = float(np.abs(embeddings).max()) if embeddings.size else 1.0
    fig = go.Figure(
        go.Heatmap(
            z=embeddings,
            y=row_labels(tokens),
            x=list(range(embeddings.shape[1])),
            colorscale="RdBu",
            zmid=0,
            zmin=-limit,
            zmax=limit,
            colorbar={"title": "value"},
            hovertemplate="%{y}<br>dimension %{x}: %{z:.3f}<extra></extra>",
        )
    )
    fig.update_layout(
        title=f"Learned embedding: {embeddings.shape[1]} numbers per word, all of them used",
        xaxis_title="embedding dimension",
        yaxis_title="word in the sentence",
        height=max(220, 34 * len(tokens) + 120),
        margin={"t": 50, "b": 40},
    )
    fig.update_yaxes(autorange="reversed", type="category")
    return fig


def similarity_figure(
    tokens: list[str], similarity: np.ndarray, title: str, known: list[bool] | None = None
) -> go.Figure:
    """Pairwise cosine similarity of the sentence's words, -1 (opposite) to 1 (same direction).

    `known`: which words are in the vocabulary; the others are labelled as the <unk> they are read as.
    """
    labels = row_labels(tokens, known)
    fig = go.Figure(
        go.Heatmap(
            z=similarity,
            x=labels,
            y=labels,
            colorscale="RdBu",
            zmid=0,
            zmin=-1,
            zmax=1,
            texttemplate="%{z:.2f}" if len(tokens) <= 14 else None,
            colorbar={"title": "cosine"},
            hovertemplate="%{y} · %{x}<br>cosine similarity %{z:.3f}<extra></extra>",
        )
    )
    fig.update_layout(title=title, height=max(300, 30 * len(tokens) + 160), margin={"t": 50, "b": 40})
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", tickangle=-45)
    return fig


LANDMARKS = 30  # words labelled on a 2D projection with no search: hovering 600 dots to find "good" is slow


def landmark_words(frame: pd.DataFrame, limit: int = LANDMARKS, spacing: float = 0.06) -> pd.DataFrame:
    """The most frequent words whose labels do not overlap: each kept word is at least `spacing` (a
    share of the picture's width and height) from every word kept before it."""
    if frame.empty:
        return frame
    span = np.array(
        [max(float(frame[a].max() - frame[a].min()), 1e-9) for a in ("x", "y")]
    )  # the picture's extent, so the spacing is the same on screen whatever the scale
    kept: list[np.ndarray] = []
    rows = []
    for index, row in frame.sort_values("count", ascending=False, kind="stable").iterrows():
        point = np.array([row["x"], row["y"]]) / span
        if all(np.abs(point - other).max() >= spacing for other in kept):
            kept.append(point)
            rows.append(index)
            if len(rows) == limit:
                break
    return frame.loc[rows]


def projection_figure(
    frame: pd.DataFrame,
    dims: int,
    method: str,
    highlight: str | None = None,
    neighbours: list[str] | None = None,
) -> go.Figure:
    """The vocabulary in 2D or 3D, one colour per word class; a searched word and its neighbours marked."""
    fig = go.Figure()
    scatter = go.Scatter3d if dims == 3 else go.Scatter
    axis_name = "PC" if method == "pca" else "t-SNE"
    for name, group in frame.groupby("class", sort=True):
        coords = {"x": group["x"], "y": group["y"]} | ({"z": group["z"]} if dims == 3 else {})
        name = escape_plotly(name)
        fig.add_trace(
            scatter(
                **coords,
                mode="markers",
                name=name,
                marker={
                    "color": class_color(str(name)),
                    "size": 4 if dims == 3 else 8,
                    "opacity": 0.3 if highlight else 0.85,
                },  # dimmed so the searched word stands out
                text=[escape_plotly(w) for w in group["word"]],
                customdata=group[["count"]].to_numpy(),
                hovertemplate=f"<b>%{{text}}</b><br>{name}<br>seen %{{customdata[0]:,}} times<extra></extra>",
            )
        )
    marked = ([highlight] if highlight else []) + list(neighbours or [])
    rows = frame.set_index("word").loc[[w for w in marked if w in set(frame["word"])]]
    if len(rows):
        coords = {"x": rows["x"], "y": rows["y"]} | ({"z": rows["z"]} if dims == 3 else {})
        sizes = [18 if w == highlight else 12 for w in rows.index]
        names = [escape_plotly(w) for w in rows.index]
        fig.add_trace(
            scatter(
                **coords,
                # 2D labels are fanned out as annotations below; 3D ones take turns around their point
                mode="markers+text" if dims == 3 else "markers",
                name="searched word and neighbours",
                text=names,
                textposition=[FAN_POSITIONS[i % len(FAN_POSITIONS)] for i in range(len(rows))],
                hovertext=names,
                hoverinfo="text",
                marker={"size": sizes, "color": "rgba(0,0,0,0)", "line": {"color": "black", "width": 2}},
            )
        )
        if dims == 2:
            fig.update_layout(annotations=fanned_labels(rows, highlight))
    elif dims == 2:  # no search: the most frequent words, spaced apart, named on the picture itself
        landmarks = landmark_words(frame)
        fig.add_trace(
            go.Scatter(
                x=landmarks["x"],
                y=landmarks["y"],
                mode="text",
                text=[escape_plotly(w) for w in landmarks["word"]],
                textposition="top center",
                textfont={"size": 11, "color": "#333"},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    title = f"Embedding space, {len(frame):,} words, {method.upper() if method == 'pca' else 't-SNE'}"
    if dims == 2 and not len(rows) and len(frame) > LANDMARKS:
        title += "<br><sup>the most frequent words named; hover a dot for any other</sup>"
    fig.update_layout(title=title, height=620, legend_title_text="word class", margin={"t": 50})
    if dims == 3:
        fig.update_layout(
            scene={
                "xaxis_title": f"{axis_name} 1",
                "yaxis_title": f"{axis_name} 2",
                "zaxis_title": f"{axis_name} 3",
            }
        )
    else:
        fig.update_xaxes(title=f"{axis_name} 1")
        fig.update_yaxes(title=f"{axis_name} 2")
    return fig


FAN_POSITIONS = ["top center", "bottom center", "middle right", "middle left", "top right", "bottom left"]


def fanned_labels(rows: pd.DataFrame, highlight: str | None, distance: int = 70) -> list[dict]:
    """Labels for nearby points, each on a leader line pointing a different way, so they do not pile up.

    Neighbours sit close together in the plot: a label straight above each would overlap into one
    blob. Label i goes out at angle 2πi/n (in pixels, so it holds at any zoom), the searched word up.
    """
    count = len(rows)
    labels = []
    for i, (word, row) in enumerate(rows.iterrows()):
        angle = math.pi / 2 + 2 * math.pi * i / max(count, 1)
        labels.append(
            {
                "x": row["x"],
                "y": row["y"],
                "ax": distance * math.cos(angle),
                "ay": -distance * math.sin(angle),
                "text": f"<b>{escape_plotly(word)}</b>" if word == highlight else escape_plotly(word),
                "showarrow": True,
                "arrowhead": 0,
                "arrowcolor": "#555",
                "bgcolor": "rgba(255,255,255,0.85)",
                "bordercolor": "#999",
                "font": {"size": 13 if word == highlight else 12},
            }
        )
    return labels


def learning_animation(frames: pd.DataFrame) -> go.Figure:
    """Embedding snapshots per epoch in one shared PCA space, played as an animation."""
    pad_x = (frames["x"].max() - frames["x"].min()) * 0.05 + 1e-6
    pad_y = (frames["y"].max() - frames["y"].min()) * 0.05 + 1e-6
    classes = sorted(frames["class"].unique())
    frames = frames.assign(
        word=[escape_plotly(w) for w in frames["word"]],
        **{"class": [escape_plotly(c) for c in frames["class"]]},
    )
    fig = px.scatter(
        frames,
        x="x",
        y="y",
        color="class",
        animation_frame="epoch",
        hover_name="word",
        category_orders={"class": classes},
        color_discrete_map=CLASS_COLORS,
        range_x=[frames["x"].min() - pad_x, frames["x"].max() + pad_x],
        range_y=[frames["y"].min() - pad_y, frames["y"].max() + pad_y],
        labels={"x": "PC 1", "y": "PC 2", "class": "word class", "epoch": "epoch"},
    )
    fig.update_traces(marker={"size": 8, "opacity": 0.85})
    fig.update_layout(
        title="Watch it learn: the embeddings after each epoch (0 = random start)",
        height=620,
        margin={"t": 50},
    )
    return fig


def comparison_figure(left: pd.DataFrame, right: pd.DataFrame, titles: tuple[str, str]) -> go.Figure:
    """The same words in two embedding spaces, side by side, coloured by class."""
    fig = make_subplots(1, 2, subplot_titles=titles, horizontal_spacing=0.06)
    for column, frame in enumerate((left, right), start=1):
        for name, group in frame.groupby("class", sort=True):
            shown = escape_plotly(name)
            fig.add_trace(
                go.Scatter(
                    x=group["x"],
                    y=group["y"],
                    mode="markers",
                    name=shown,
                    legendgroup=shown,
                    showlegend=column == 1,
                    marker={"color": class_color(str(name)), "size": 7, "opacity": 0.85},
                    text=[escape_plotly(w) for w in group["word"]],
                    hovertemplate="<b>%{text}</b><br>" + shown + "<extra></extra>",
                ),
                row=1,
                col=column,
            )
    fig.update_layout(height=520, legend_title_text="word class", margin={"t": 60})
    fig.update_xaxes(title="PC 1")
    fig.update_yaxes(title="PC 2")
    return fig
