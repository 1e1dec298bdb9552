"""Embedding space: the vocabulary in 2D/3D, nearest neighbours, learning replayed, runs compared."""

import numpy as np
import pandas as pd
import streamlit as st

from playground.analysis.embeddings import (
    aligned,
    class_cohesion,
    describe_words,
    embedding_rows,
    nearest_neighbours,
    snapshot_frames,
    vocabulary_words,
)
from playground.data.tokenizer import tokenize
from playground.figures.embeddings import comparison_figure, learning_animation, projection_figure
from playground.share_links import ViewOption, one_of, text_option, whole
from playground.text import escape_markdown
from ui.sentences import limited_text_input
from ui.share import linked_run, share_view
from ui.state import cached_projection, runs
from ui.widgets import selectbox, slider

MAX_WORDS = {"pca": 3000, "tsne": 1500}
ANIMATION_WORDS = 600
VIEW = [
    ViewOption("projection", "embeddings_method", "Projection", one_of(["pca", "tsne"])),
    ViewOption("dims", "embeddings_dims", "Dimensions", one_of([2, 3])),
    *(
        ViewOption(
            f"{method}_words",
            f"embeddings_count_{method}",
            "Words",
            whole(10, lambda run, most=most: max(10, min(len(vocabulary_words(run)), most))),
        )
        for method, most in MAX_WORDS.items()
    ),
    text_option("find", "embeddings_search", "Find a word", 60),
    ViewOption("neighbours", "embeddings_k", "Neighbours", whole(1, 50)),
]

st.title("Embedding space")
st.markdown(
    "Every word of the vocabulary is a point in a space with as many dimensions as the "
    "embedding size. Squeezed down to 2 or 3 dimensions, words the model treats alike land "
    "near each other."
)
run = linked_run("embeddings", VIEW)
share_view(run, VIEW)
st.caption(
    f"Model: {run.name}, embedding size {run.config.model.embedding_dim}, trained on "
    f"{escape_markdown(run.data_description)}. Pick another in the sidebar."
)

all_words = vocabulary_words(run)
if len(all_words) < 2:
    st.warning(
        "This vocabulary has fewer than two words, so there is no space to look at. Train on "
        "more text, or lower the minimum count on the Train page."
    )
    st.stop()

cols = st.columns([2, 2, 3])
method = cols[0].segmented_control(
    "Projection",
    ["pca", "tsne"],
    default="pca",
    required=True,
    format_func={"pca": "PCA", "tsne": "t-SNE"}.get,
    key="embeddings_method",
    help="PCA keeps the directions of largest spread (fast, exact, linear). "
    "t-SNE keeps neighbours together (slower, distances between "
    "clusters mean little).",
)
dims = cols[1].segmented_control(
    "Dimensions", [2, 3], default=2, required=True, format_func=lambda d: f"{d}D", key="embeddings_dims"
)
most = min(len(all_words), MAX_WORDS[method])
count = (
    most
    if most <= 20
    else slider(
        cols[2],
        "Words (most frequent first)",
        10,
        most,
        min(most, 500),
        key=f"embeddings_count_{method}",
        help="t-SNE takes a few seconds for a thousand words.",
    )
)
words = all_words[:count]
coordinates = cached_projection(embedding_rows(run, words), method, dims)
frame = describe_words(run, words, coordinates)

search_col, k_col = st.columns([3, 1])
query = limited_text_input(
    "Find a word",
    "",
    "embeddings_search",
    60,
    search_col,
    placeholder="e.g. " + (words[min(5, len(words) - 1)][1]),
)
k = k_col.number_input("Neighbours", 1, 50, 8, key="embeddings_k")
neighbours = None
word = None
if query.strip():
    tokens = tokenize(query, run.vocab.level)
    word = tokens[0] if tokens else ""
    if word not in run.vocab:
        st.warning(
            f"“{escape_markdown(word, 40)}” is not in this model's vocabulary. Try a word from "
            "the training data."
        )
        word = None
    else:
        neighbours = nearest_neighbours(run, word, int(k))
        if word not in set(frame["word"]):
            st.info(
                f"“{escape_markdown(word)}” is rarer than the {count:,} words drawn; its neighbours "
                "are listed below anyway."
            )

chart, table = st.columns([5, 2]) if neighbours is not None else (st.container(), None)
chart.plotly_chart(
    projection_figure(
        frame, dims, method, word, neighbours["word"].tolist() if neighbours is not None else None
    )
)
if table is not None:
    table.markdown(f"**Nearest to “{escape_markdown(word)}”**")
    table.dataframe(
        neighbours,
        hide_index=True,
        column_config={
            "rank": st.column_config.NumberColumn(width="small"),
            "cosine similarity": st.column_config.NumberColumn("cosine", format="%.3f"),
        },
    )
    table.caption(
        "Cosine similarity in the full embedding space, not in the picture: the projection "
        "can move neighbours apart."
    )

downloads = st.columns(2)
downloads[0].download_button(
    "Download coordinates (CSV)",
    frame.to_csv(index=False),
    "embedding-coordinates.csv",
    "text/csv",
    icon=":material/download:",
    key="embeddings_download_coordinates",
)
if neighbours is not None:
    downloads[1].download_button(
        "Download neighbours (CSV)",
        neighbours.to_csv(index=False),
        f"neighbours-{word}.csv",
        "text/csv",
        icon=":material/download:",
        key="embeddings_download_neighbours",
    )

st.subheader("Watch it learn")
if len(run.snapshots) < 2:
    st.info("This run has no snapshots to replay yet: train it for at least one epoch.")
else:
    st.markdown(
        f"The embeddings after each epoch, from the random start (epoch 0). One PCA is fitted "
        f"to all {len(run.snapshots)} snapshots together, so the axes stay put and you see the "
        "words move. Each snapshot is scaled to the same overall size: the vectors start tiny "
        "and grow, and the scaling shows their shape without changing any similarity. Press play."
    )
    st.plotly_chart(learning_animation(snapshot_frames(run, min(count, ANIMATION_WORDS))))

st.subheader("Compare")
start = {"start": "this run at initialisation (epoch 0)"} if run.snapshots else {}
options = start | {r.id: r.name for r in runs() if r.id != run.id and r.vocab.level == run.vocab.level}
if not options:
    st.info(
        "There is nothing to compare with: this run has no snapshot from its start (it was loaded "
        "from an older model file), and no other run reads the same kind of tokens. Train another run."
    )
    st.stop()
choice = selectbox(
    st, "Compare this run with", list(options), format_func=options.get, key="embeddings_compare"
)
if choice == "start":
    other_name, shared = "at initialisation", words
    right_rows = embedding_rows(run, shared, run.snapshots[0].weights.numpy())
else:
    other = next(r for r in runs() if r.id == choice)
    other_name = other.name
    shared = [(i, t) for i, t in words if t in other.vocab]
    right_rows = embedding_rows(other, [(other.vocab.index[t], t) for _, t in shared])
if len(shared) < 3:
    st.warning("These two runs share fewer than three words, so there is nothing to compare.")
else:
    left_rows = embedding_rows(run, shared)
    left_xy = cached_projection(left_rows, "pca", 2)
    right_xy = aligned(left_xy, cached_projection(right_rows, "pca", 2))  # same orientation as the left
    left, right = describe_words(run, shared, left_xy), describe_words(run, shared, right_xy)
    st.plotly_chart(comparison_figure(left, right, (f"{run.name} (now)", other_name)))
    scores = pd.DataFrame(
        [class_cohesion(rows, list(left["class"])) for rows in (left_rows, right_rows)],
        index=[f"{run.name} (now)", other_name],
    )
    if np.isfinite(scores.to_numpy()).all():
        st.markdown(
            "Mean cosine similarity between words of the same class, and of different classes "
            "(a bigger gap means the classes are better separated):"
        )
        st.dataframe(
            scores.rename(
                columns={"within": "same class", "between": "different classes", "margin": "gap"}
            ).style.format("{:.3f}")
        )
