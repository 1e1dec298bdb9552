"""How fast the views answer: projecting embeddings for the Embedding space page, and gradient recording."""

from __future__ import annotations

import time
from functools import partial

import numpy as np
import pandas as pd

from playground.analysis.embeddings import project
from playground.figures.embeddings import projection_figure
from playground.speed.timing import interleaved, median_seconds, row


def figure_json(frame: pd.DataFrame, dims: int, method: str) -> str:
    """Build the Embedding space figure and serialise it, as Streamlit does before sending it."""
    return projection_figure(frame, dims, method, frame["word"].iloc[0]).to_json()


def projection_benchmark(
    sizes: tuple[int, ...] = (1000, 3000), dim: int = 32, repeats: int = 3
) -> list[dict]:
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
            compute = median_seconds(
                partial(project, matrix, method, dims), 1 if method == "tsne" else repeats
            )
            figure = median_seconds(partial(figure_json, frame, dims, method), repeats)
            rows.append(
                row(
                    "embedding projection",
                    f"{n} words, {method} {dims}D",
                    compute + figure,
                    "s",
                    target="<= 1 s" if method == "pca" else "",
                    note=f"projection {compute:.3f} s + figure {figure:.3f} s",
                )
            )
    return rows


def recording_benchmark(repeats: int = 3, quick: bool = False) -> list[dict]:
    """Training time with gradient recording on and off, interleaved A B A B, as a median ratio."""
    from playground.config import default_config
    from playground.data.datasets import build_builtin
    from playground.run import create_run
    from playground.train import Trainer

    rows = []
    for arch in ("rnn", "lstm"):
        config = default_config("sentiment", arch)
        if quick:
            config.data.num_sentences, config.train.epochs = 400, 1
        data = build_builtin(config.data)

        def train(record: bool, config=config, data=data) -> float:
            run = create_run(config, data)
            started = time.perf_counter()
            Trainer(run, data, record_gradients=record).train()
            return time.perf_counter() - started

        on, off = interleaved(partial(train, True), partial(train, False), repeats)
        rows.append(
            row(
                "gradient recording",
                f"{arch} sentiment, default run",
                on,
                "s",
                reference=off,
                target="ratio <= 1.10",
                note="reference: the same training without recording",
            )
        )
    return rows
