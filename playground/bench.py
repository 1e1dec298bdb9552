"""Benchmarks: python -m playground bench [--quick] [--json PATH]. Timings, never timed tests."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from functools import partial

import numpy as np
import pandas as pd

from playground.analysis.embeddings import project
from playground.figures.embeddings import projection_figure


def median_seconds(work: Callable[[], object], repeats: int) -> float:
    """The median wall time of `repeats` runs of `work`, after one warm-up run."""
    work()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def figure_json(frame: pd.DataFrame, dims: int, method: str) -> str:
    """Build the Embedding space figure and serialise it, as Streamlit does before sending it."""
    return projection_figure(frame, dims, method, frame["word"].iloc[0]).to_json()


def projection_benchmark(sizes: tuple[int, ...] = (1000, 3000), dim: int = 32,
                         repeats: int = 3) -> list[dict]:
    """Seconds to project N word vectors and build the figure the page sends (Plotly JSON)."""
    rng = np.random.default_rng(0)
    rows = []
    for n in sizes:
        matrix = rng.normal(size=(n, dim)).astype(np.float32)
        classes = [f"class {i % 8}" for i in range(n)]
        for method, dims in (("pca", 2), ("pca", 3), ("tsne", 2)):
            coordinates = project(matrix, method, dims)
            frame = pd.DataFrame({"word": [f"w{i}" for i in range(n)], "class": classes, "count": 1})
            for d in range(dims):
                frame["xyz"[d]] = coordinates[:, d]
            compute = median_seconds(partial(project, matrix, method, dims),
                                     1 if method == "tsne" else repeats)
            figure = median_seconds(partial(figure_json, frame, dims, method), repeats)
            rows.append({"benchmark": "projection", "words": n, "method": method, "dims": dims,
                         "project_s": round(compute, 4), "figure_s": round(figure, 4),
                         "total_s": round(compute + figure, 4), "target_s": 1.0 if method == "pca" else None})
    return rows


def recording_benchmark(repeats: int = 3, quick: bool = False) -> list[dict]:
    """Training time with gradient recording on and off, interleaved A B A B, as a median ratio."""
    from playground.config import default_config
    from playground.data.datasets import build_builtin
    from playground.train import Trainer, create_run

    rows = []
    for arch in ("rnn", "lstm"):
        config = default_config("sentiment", arch)
        if quick:
            config.data.num_sentences, config.train.epochs = 400, 1
        data = build_builtin(config.data)
        times: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(repeats):
            for record in (False, True):
                run = create_run(config, data)
                started = time.perf_counter()
                Trainer(run, data, record_gradients=record).train()
                times[record].append(time.perf_counter() - started)
        off, on = statistics.median(times[False]), statistics.median(times[True])
        rows.append({"benchmark": "gradient recording", "method": arch, "words": None, "dims": None,
                     "project_s": None, "figure_s": None, "total_s": round(on, 3),
                     "target_s": None, "off_s": round(off, 3), "ratio": round(on / off, 3),
                     "target_ratio": 1.10})
    return rows


def run_benchmarks(quick: bool = False) -> list[dict]:
    """All benchmarks; --quick uses small sizes to prove they run."""
    return (projection_benchmark((200,) if quick else (1000, 3000), repeats=1 if quick else 3)
            + recording_benchmark(1 if quick else 3, quick))
