"""Embedding space: the vocabulary in 2D/3D, nearest neighbours, learning replayed, runs compared."""

import streamlit as st

from playground.analysis.embeddings import (
    describe_words,
    embedding_rows,
    snapshot_frames,
    vocabulary_words,
)
from playground.figures.embeddings import learning_animation
from playground.text import escape_markdown
from playground.view_options import MAX_PROJECTED_WORDS, VIEW_OPTIONS, view_options
from ui.layout import keep_in_a_row, lazy_section
from ui.session_cache import kept, run_key
from ui.share import linked_run, share_view
from ui.state import cached_projection
from ui.view import view_widget
from ui.views.embeddings import compare_runs, project_ahead, projection_with_search

ANIMATION_WORDS = 600
VIEW = VIEW_OPTIONS["embeddings"]
OPTION = view_options("embeddings")

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

with keep_in_a_row("embedding_projection"):  # two small toggles and a slider: one row even at 800 px
    cols = st.columns([2, 2, 3])
    method = view_widget(OPTION["projection"], run, cols[0], style="segmented")
    dims = view_widget(OPTION["dims"], run, cols[1], style="segmented")
    most = min(len(all_words), MAX_PROJECTED_WORDS[method])
    count = most if most <= 20 else view_widget(OPTION[f"{method}_words"], run, cols[2])
words = all_words[:count]
coordinates = cached_projection(embedding_rows(run, words), method, dims)
frame = describe_words(run, words, coordinates)

word, neighbours = projection_with_search(run, words, frame, method, dims, count)

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
if not run.snapshots:  # a model file written before files kept them
    st.info(
        "This run has no snapshots to replay: it was loaded from an older model file, written before "
        "files kept the embeddings of each epoch. A run trained here (or its file) has them."
    )
elif len(run.snapshots) < 2:
    st.info(
        "This run has only its start to show: it stopped before its first epoch ended. A run trained "
        "for at least one epoch can be replayed."
    )
else:
    st.markdown(
        f"The embeddings after each epoch, from the random start (epoch 0). One PCA is fitted "
        f"to all {len(run.snapshots)} snapshots together, so the axes stay put and you see the "
        "words move. Each snapshot is scaled to the same overall size: the vectors start tiny "
        "and grow, and the scaling shows their shape without changing any similarity. Open the "
        "replay and press play."
    )
    shown = min(count, ANIMATION_WORDS)
    # Lazy (`lazy_section`): the replay (a frame per epoch of up to 600 words) is built
    # and drawn only while open, so a new word count does not pay for it folded.
    with lazy_section("Replay the training (▶ plays it in your browser)", "embeddings_replay_open") as replay:
        if replay.open:
            st.plotly_chart(
                kept(
                    ("embeddings_animation", run_key(run), shown),
                    lambda: learning_animation(snapshot_frames(run, shown)),
                )
            )

# A second view, folded and lazy like the replay: a new word count redraws the projection alone. Its
# choice of run is drawn folded too, so it keeps its value.
st.subheader("Compare")
with lazy_section(
    "This run's space beside its start or another run's, and how well classes separate",
    "embeddings_compare_open",
) as comparing:
    compare_runs(run, words, comparing.open)
project_ahead(run, all_words)  # last: the page is drawn before the thread takes its share of the cores
