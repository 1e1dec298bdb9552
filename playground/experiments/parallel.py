"""No parallelism in time: an RNN must take its steps one after another, a Transformer need not.

Forward and backward time of one layer against sequence length, measured on the given device.
An RNN's cost grows with the number of sequential steps; self-attention runs all positions at
once, so on parallel hardware its time stays nearly flat until the T x T scores dominate.
"""

from __future__ import annotations

import time

import torch
from torch import nn

from playground.experiments.common import (
    Clock,
    ExperimentResult,
    PositionalEncoder,
    Progress,
    check_names,
    no_progress,
)

MODELS = {"rnn": "RNN", "lstm": "LSTM", "transformer": "Transformer"}


def build_layer(kind: str, hidden: int) -> nn.Module:
    if kind == "rnn":
        return nn.RNN(hidden, hidden, batch_first=True)
    if kind == "lstm":
        return nn.LSTM(hidden, hidden, batch_first=True)
    return PositionalEncoder(hidden, hidden, layers=1)


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_layer(kind: str, length: int, hidden: int, batch: int, repeats: int,
               device: torch.device) -> tuple[float, float]:
    """Fastest milliseconds of a forward pass, and of forward plus backward, over `repeats` after a warm-up.

    The fastest repeat is the one least disturbed by whatever else the machine was doing.
    """
    torch.manual_seed(0)
    layer = build_layer(kind, hidden).to(device)
    inputs = torch.randn(batch, length, hidden, device=device, requires_grad=True)

    def forward() -> torch.Tensor:
        outputs = layer(inputs)
        return outputs[0] if isinstance(outputs, tuple) else outputs

    forward_times, both_times = [], []
    for repeat in range(repeats + 1):
        _synchronize(device)
        start = time.perf_counter()
        with torch.no_grad():
            forward()
        _synchronize(device)
        middle = time.perf_counter()
        forward().sum().backward()
        _synchronize(device)
        end = time.perf_counter()
        if repeat:  # the first pass warms up kernels and allocators
            forward_times.append((middle - start) * 1000)
            both_times.append((end - middle) * 1000)
    return min(forward_times), min(both_times)


def parallel_experiment(lengths: list[int], models: list[str], hidden: int = 128, batch: int = 16,
                        repeats: int = 5, device: str | torch.device = "cpu",
                        progress: Progress = no_progress) -> ExperimentResult:
    """Milliseconds per forward and per forward-and-backward pass, for each model and length."""
    device = torch.device(device)
    result = ExperimentResult("parallel", {"lengths": lengths, "models": models, "hidden": hidden,
                                           "batch": batch, "repeats": repeats, "device": str(device)})
    check_names(models, MODELS, "model")
    clock = Clock(result)
    total = len(lengths) * len(models)
    for length in lengths:
        for kind in models:
            forward_ms, both_ms = time_layer(kind, length, hidden, batch, repeats, device)
            result.rows.append({"model": MODELS[kind], "length": length, "forward_ms": forward_ms,
                                "forward_backward_ms": both_ms,
                                "sequential_steps": length if kind != "transformer" else 1})
            clock.tick()
            progress(result, len(result.rows) / total)
    result.complete = True
    return result
