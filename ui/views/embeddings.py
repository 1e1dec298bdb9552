"""Embedding space: a searched word with its neighbours; this run compared with its start or another run."""

from __future__ import annotations

import logging
import os
import re
import threading
import unicodedata

import numpy as np
import pandas as pd
import streamlit as st

from playground.analysis.embeddings import (
    aligned,
    class_cohesion,
    describe_words,
    embedding_rows,
    nearest_neighbours,
    shared_vocabulary,
)
from playground.data.tokenizer import BOS, EOS, PAD, UNK, tokenize
from playground.figures.embeddings import comparison_figure, projection_figure
from playground.run import Run
from playground.text import escape_markdown
from playground.view_options import MAX_PROJECTED_WORDS, view_options
from ui.layout import keep_in_a_row
from ui.session_cache import kept, run_key
from ui.state import cached_projection, runs
from ui.view import view_widget
from ui.widgets import selectbox

OPTION = view_options("embeddings")
AHEAD = (("tsne", 2), ("tsne", 3), ("pca", 3))  # the projections the page does not open on
_projecting_ahead = threading.Lock()  # one projection ahead at a time on the server
AHEAD_THREAD = "playground-project-ahead"


class QuietOutsideScripts(logging.Filter):
    """Drops Streamlit's "missing ScriptRunContext" warning from the projecting-ahead thread: it fills
    `st.cache_data`'s cache outside any script run on purpose, and a class server's log filled with it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return threading.current_thread().name != AHEAD_THREAD


CONTEXT_LOGGER = "streamlit.runtime.scriptrunner_utils.script_run_context"
if not any(isinstance(f, QuietOutsideScripts) for f in logging.getLogger(CONTEXT_LOGGER).filters):
    logging.getLogger(CONTEXT_LOGGER).addFilter(QuietOutsideScripts())


def words_for(run: Run, method: str, vocabulary: int) -> int:
    """How many words the page projects with `method`: the learner's slider value, else its default."""
    most = min(vocabulary, MAX_PROJECTED_WORDS[method])
    if most <= 20:
        return most
    option = OPTION[f"{method}_words"]
    lo, top = option.bounds(run)
    start = min(max(option.default_for(run), lo), top)
    value = st.session_state.get(option.key, start)
    return int(value) if isinstance(value, int | float) and lo <= value <= top else start


def project_ahead(run: Run, all_words: list[tuple[int, str]]) -> None:
    """Compute the projections the learner may switch to next (t-SNE in 2D and 3D, PCA in 3D) in a
    background thread at low priority, into `cached_projection`'s cache, so the switch finds them ready.

    t-SNE takes 0.5-2 s; computed on the click, the learner waits for it. The cache is keyed by the
    embedding matrix, a pure function of the run (safe to share, as the page's own projections are);
    a click that asks for one still being computed waits for that computation, not a second one.
    """
    wanted = [
        (embedding_rows(run, all_words[: words_for(run, method, len(all_words))]), method, dims)
        for method, dims in AHEAD
    ]
    done = st.session_state.setdefault("embeddings_projected_ahead", set())
    key = (run_key(run), *(len(matrix) for matrix, _, _ in wanted))
    if key in done or not _projecting_ahead.acquire(blocking=False):
        return  # started before, or another session's are being computed: these wait for the click
    done.add(key)

    def compute() -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)  # this thread only (Linux)
        except (AttributeError, OSError):
            pass
        try:
            for matrix, method, dims in wanted:
                cached_projection(matrix, method, dims)  # no spinner outside a script thread
        finally:
            _projecting_ahead.release()

    threading.Thread(target=compute, name=AHEAD_THREAD, daemon=True).start()


SPECIAL_MEANINGS = {
    PAD: "padding that fills a short sentence up to the batch's length",
    UNK: "what every word outside the vocabulary is read as",
    BOS: "the start-of-sentence marker a next-word model reads first",
    EOS: "the end-of-sentence marker a next-word model learns to predict",
}


SPECIAL_TOKEN = re.compile("|".join(re.escape(token) for token in SPECIAL_MEANINGS), re.IGNORECASE)


def quoted(words: list[str], beyond_six: str) -> str:
    """The first six distinct words, each quoted and escaped, then `beyond_six` if there are more."""
    distinct = list(dict.fromkeys(words))
    return ", ".join(f"“{escape_markdown(w, 20)}”" for w in distinct[:6]) + (
        beyond_six if len(distinct) > 6 else ""
    )


def wordlike(token: str) -> bool:
    """A token with a letter, a digit or an emoji in it: a word typed, not the "<" of "<b>"."""
    return any(unicodedata.category(c)[0] in "LN" or unicodedata.category(c) == "So" for c in token)


def projection_with_search(
    run: Run, words: list[tuple[int, str]], frame: pd.DataFrame, method: str, dims: int, count: int
) -> tuple[str | None, pd.DataFrame | None]:
    """The projection, with a searched word and its nearest neighbours marked and listed beside it."""
    with keep_in_a_row("embedding_search"):
        search_col, k_col = st.columns([3, 1])
    # a word to try, past the commonest ("e.g. i" read as a typo) and a whole word long
    example = next((w for _, w in words[5:] if len(w) >= 3 and w.isalpha()), words[min(5, len(words) - 1)][1])
    query = view_widget(OPTION["find"], run, search_col, placeholder=f"e.g. {example}")
    k = view_widget(OPTION["neighbours"], run, k_col, style="number")
    neighbours = None
    word = None
    # "<bos>" is one token, not "<", "bos", ">": said apart, and taken out of a query with words in it
    specials = list(dict.fromkeys(m.lower() for m in SPECIAL_TOKEN.findall(query)))
    for special in specials:
        st.info(
            f"`{special}` is a special token ({SPECIAL_MEANINGS[special]}), not a word: it has a row in "
            "the embedding table, but this page draws and searches words only.",
            icon=":material/info:",
        )
    query = SPECIAL_TOKEN.sub(" ", query)
    if query.strip():
        tokens = tokenize(query, run.vocab.level)
        words = [t for t in tokens if wordlike(t)] or tokens  # not "<" of "<b>pos</b>"
        known = [t for t in words if t in run.vocab]  # nor its "b"
        word = (known or words or [""])[0]
        if len(set(words)) > 1 and known:  # "the the" is one word, typed twice
            unit = "character" if run.vocab.level == "char" else "word"
            unknown = [t for t in words if t not in run.vocab]
            st.caption(
                f"One {unit} at a time: showing “{escape_markdown(word, 40)}”, the first one typed that "
                "the model knows." + (f" Not in its vocabulary: {quoted(unknown, ' …')}." if unknown else "")
            )
        if word not in run.vocab:
            typed = list(dict.fromkeys(words))
            if len(typed) > 1:  # "&lt;bos&gt;" is "&", "lt", ";", ...: not only "lt" is unknown
                unknown = (
                    f"None of {quoted(typed, f' and {len(typed) - 6} more')} is in this model's vocabulary."
                )
            else:
                unknown = f"“{escape_markdown(word, 40)}” is not in this model's vocabulary."
            st.warning(f"{unknown} Try a word from the training data.")
            word = None
        else:
            neighbours = nearest_neighbours(run, word, int(k))
            if word not in set(frame["word"]):
                st.info(
                    f"“{escape_markdown(word)}” is rarer than the {count:,} words drawn; its neighbours "
                    "are listed below anyway."
                )

    chart, table = st.columns([5, 2]) if neighbours is not None else (st.container(), None)
    marked = neighbours["word"].tolist() if neighbours is not None else None
    figure = kept(
        ("embeddings_projection", run_key(run), method, dims, count, word, tuple(marked or ())),
        lambda: projection_figure(frame, dims, method, word, marked),
    )
    chart.plotly_chart(figure)
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
    return word, neighbours


def comparison(run: Run, other: Run | None, words: list[tuple[int, str]]) -> tuple | None:
    """The aligned PCA pictures of `run` and `other` (None: its own start) and their class cohesion;
    None when they share fewer than three words."""
    if other is None:
        other_name, shared = "at initialisation", words
        right_rows = embedding_rows(run, shared, run.snapshots[0].weights.numpy())
    else:
        other_name = other.name
        shared, right_rows = shared_vocabulary(run, other, words)
    if len(shared) < 3:
        return None
    left_rows = embedding_rows(run, shared)
    left_xy = cached_projection(left_rows, "pca", 2)
    right_xy = aligned(left_xy, cached_projection(right_rows, "pca", 2))  # same orientation as the left
    left, right = describe_words(run, shared, left_xy), describe_words(run, shared, right_xy)
    figure = comparison_figure(left, right, (f"{run.name} (now)", other_name))
    scores = pd.DataFrame(
        [class_cohesion(rows, list(left["class"])) for rows in (left_rows, right_rows)],
        index=[f"{run.name} (now)", other_name],
    )
    return figure, scores


def compare_runs(run: Run, words: list[tuple[int, str]], shown: bool = True) -> None:
    """This run's space beside its start or another run's, aligned, with how well classes separate.

    Folded (`shown` False), only the choice of run is drawn: it keeps its value, nothing is computed.
    """
    start = {"start": "this run at initialisation (epoch 0)"} if run.snapshots else {}
    options = start | {r.id: r.name for r in runs() if r.id != run.id and r.vocab.level == run.vocab.level}
    if not options:
        st.info(
            "There is nothing to compare with: this run has no snapshot from its start (it was loaded "
            "from an older model file), and no other run reads the same kind of tokens. Train another run."
        )
        return
    choice = selectbox(
        st, "Compare this run with", list(options), format_func=options.get, key="embeddings_compare"
    )
    if not shown:
        return
    other = None if choice == "start" else next(r for r in runs() if r.id == choice)
    compared = kept(
        ("embeddings_compare", run_key(run), run_key(other) if other else "start", len(words)),
        lambda: comparison(run, other, words),
    )
    if compared is None:
        st.warning("These two runs share fewer than three words, so there is nothing to compare.")
    else:
        figure, scores = compared
        st.plotly_chart(figure)
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
