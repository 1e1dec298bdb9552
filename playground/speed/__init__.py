"""Speed benchmarks of the library (trainer, models, views, GPT); the app's own are in bench/.

Run: python -m playground bench [--quick] [--only NAME,...] [--data PATH] [--json PATH].

Timings, never timed tests: every ratio is against a reference measured in the same run.
"""

from __future__ import annotations

import torch

from playground.speed.gpt import gpt_benchmark
from playground.speed.gpu import gpu_benchmark
from playground.speed.latency import first_model_benchmark, latency_benchmark
from playground.speed.overhead import overhead_benchmark
from playground.speed.scaling import scaling_benchmark
from playground.speed.views import projection_benchmark, recording_benchmark

BENCHMARKS = ("overhead", "gpt", "first-model", "latency", "scaling", "projection", "recording", "gpu")


def run_benchmarks(
    quick: bool = False,
    only: tuple[str, ...] = BENCHMARKS,
    data: str | None = None,
    device: torch.device | str = "cpu",
) -> list[dict]:
    """The chosen benchmarks; --quick uses small sizes to prove they run."""
    rows: list[dict] = []
    if "overhead" in only:
        rows += overhead_benchmark(
            data,
            steps=8 if quick else 300,
            repeats=1 if quick else 4,
            device=device,
            archs=("lstm",) if quick else ("lstm", "rnn", "transformer"),
        )
    if "gpt" in only:
        rows += gpt_benchmark(
            data, iterations=20 if quick else 2000, every=10 if quick else 250, quick=quick, device=device
        )
    if "first-model" in only and not quick:
        rows += first_model_benchmark()
    if "latency" in only:
        rows += latency_benchmark(repeats=5 if quick else 200)
    if "scaling" in only:
        rows += scaling_benchmark(
            (16, 32) if quick else (16, 32, 64, 128, 256, 512),
            (64,) if quick else (64, 128, 256, 512),
            repeats=1 if quick else 5,
            device=device,
        )
    if "projection" in only:
        rows += projection_benchmark((200,) if quick else (1000, 3000), repeats=1 if quick else 3)
    if "recording" in only:
        rows += recording_benchmark(1 if quick else 3, quick)
    if "gpu" in only:  # GPU against CPU; skipped with a note where there is no GPU
        rows += gpu_benchmark(
            None if torch.device(device).type == "cpu" else torch.device(device),
            repeats=1 if quick else 5,
            quick=quick,
        )
    return rows
