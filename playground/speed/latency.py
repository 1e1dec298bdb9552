"""How fast a learner gets an answer: prediction and the traced path for a 20-word sentence, and the
time a cold process needs to train the default models to their stated quality."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from functools import partial

from playground.analysis.attention import trace_attention
from playground.analysis.prediction import class_probabilities, top_next_words
from playground.analysis.recurrence import trace_sentence
from playground.config import default_config
from playground.data.datasets import build_builtin
from playground.run import create_run
from playground.speed.timing import percentile, row

SENTENCE = "the film was not good but the music was great and the actors were lovely so i liked it a lot"
PREFIX = "the dogs near the cat are happy in the park and the small girl walks to the river in the"
# The quality README.md states for the default models (test accuracy at least this much).
STATED_QUALITY = {"next-word": 0.40, "sentiment": 0.99}


def _timed_ms(work, repeats: int) -> list[float]:
    work()  # warm up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return times


def latency_benchmark(repeats: int = 200) -> list[dict]:
    """Median and p95 ms of the library calls the Predict and look-inside pages make."""
    rows = []
    for task, arch, text in (
        ("next-word", "lstm", PREFIX),
        ("sentiment", "lstm", SENTENCE),
        ("next-word", "transformer", PREFIX),
        ("sentiment", "transformer", SENTENCE),
    ):
        config = default_config(task, arch)
        config.data.num_sentences = 2000  # the vocabulary is the same; latency does not need training
        run = create_run(config, build_builtin(config.data))
        run.model.eval()
        answer = (
            partial(top_next_words, run, text, 10)
            if task == "next-word"
            else partial(class_probabilities, run, text)
        )
        trace = partial(trace_sentence if arch == "lstm" else trace_attention, run, text)
        for kind, work, target in (("prediction", answer, 30), ("trace", trace, 100)):
            times = _timed_ms(work, repeats)
            rows.append(
                row(
                    "answer latency",
                    f"{task} {arch} {kind}, 20 words, p95",
                    percentile(times, 0.95),
                    "ms",
                    target=f"p95 <= {target} ms",
                    note=f"median {percentile(times, 0.5):.1f} ms",
                )
            )
    return rows


def first_model_benchmark() -> list[dict]:
    """Seconds from starting a fresh Python process to a default model trained to its stated quality."""
    rows = []
    for task in ("next-word", "sentiment"):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "playground", "train", "--task", task, "--json"],
            capture_output=True,
            text=True,
            check=True,
        )
        seconds = time.perf_counter() - started
        report = json.loads(done.stdout)
        accuracy = report["test_accuracy"]
        reached = "reached" if accuracy >= STATED_QUALITY[task] else "MISSED"
        rows.append(
            row(
                "time to a first useful model",
                f"{task} LSTM, cold process",
                seconds,
                "s",
                target="<= 10 s",
                note=f"test accuracy {accuracy:.1%} ({reached} the stated {STATED_QUALITY[task]:.0%})",
            )
        )
    return rows
