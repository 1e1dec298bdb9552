"""No parallelism in time: an RNN must take its steps one after another, a Transformer need not.

Forward and backward time of one layer against sequence length, measured on the given device.
An RNN's cost grows with the number of sequential steps; self-attention runs all positions at
once, so on parallel hardware its time stays nearly flat until the T x T scores dominate. The
critical path (the longest chain of operations that must run one after another, read from the
autograd graph) shows the same point on any hardware, even where time cannot.
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
    carry_over,
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


class StepByStep(nn.Module):
    """The same recurrence as nn.RNN / nn.LSTM, one cell call per step, so every step is its own op."""

    def __init__(self, kind: str, hidden: int):
        super().__init__()
        self.cell = nn.RNNCell(hidden, hidden) if kind == "rnn" else nn.LSTMCell(hidden, hidden)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        state = None
        outputs = []
        for t in range(inputs.shape[1]):
            state = self.cell(inputs[:, t], state)
            outputs.append(state if isinstance(self.cell, nn.RNNCell) else state[0])
        return torch.stack(outputs, 1)


def graph_depth(output: torch.Tensor) -> int:
    """The longest chain of dependent operations that produced `output`, read from its autograd graph.

    Operations on one chain must run one after another on any hardware; everything else could run
    side by side. This is the critical path of the computation, counted in operations.
    """
    depth: dict = {}
    stack = [(output.grad_fn, False)]
    while stack:
        node, expanded = stack.pop()
        if node in depth:
            continue
        children = [child for child, _ in node.next_functions if child is not None]
        if expanded:
            depth[node] = 1 + max((depth[child] for child in children), default=0)
        else:
            stack.append((node, True))
            stack.extend((child, False) for child in children if child not in depth)
    return depth[output.grad_fn]


def critical_path(kind: str, length: int, hidden: int = 8) -> int:
    """Dependent operations from the input to the output of one layer over `length` steps.

    Recurrent layers are unrolled one cell per step (PyTorch's fused CPU LSTM would hide its steps
    inside one op); the Transformer layer is the one timed. The count does not depend on the sizes,
    so a small layer gives it quickly.
    """
    torch.manual_seed(0)
    layer = StepByStep(kind, hidden) if kind in ("rnn", "lstm") else build_layer(kind, hidden)
    inputs = torch.randn(1, length, hidden, requires_grad=True)
    return graph_depth(layer(inputs).sum())


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_layer(
    kind: str, length: int, hidden: int, batch: int, repeats: int, device: torch.device, seed: int = 0
) -> tuple[float, float]:
    """Fastest milliseconds of a forward pass, and of forward plus backward, over `repeats` after a warm-up.

    The fastest repeat is the one least disturbed by whatever else the machine was doing.
    """
    torch.manual_seed(seed)
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


def parallel_experiment(
    lengths: list[int],
    models: list[str],
    hidden: int = 128,
    batch: int = 16,
    repeats: int = 5,
    seed: int = 0,
    device: str | torch.device = "cpu",
    progress: Progress = no_progress,
    resume: ExperimentResult | None = None,
) -> ExperimentResult:
    """Milliseconds per forward and forward-and-backward pass, and the critical path, per model and length.

    `seed` draws the layer's weights and inputs; over several seeds the spread of the times is the
    machine's run-to-run noise. `resume`: a stopped run with the same settings, whose points are kept
    and not measured again.
    """
    device = torch.device(device)
    result = ExperimentResult(
        "parallel",
        {
            "lengths": lengths,
            "models": models,
            "hidden": hidden,
            "batch": batch,
            "repeats": repeats,
            "seed": seed,
            "device": str(device),
        },
    )
    check_names(models, MODELS, "model")
    measured = carry_over(result, resume, lambda row: (row["model"], row["length"]))
    clock = Clock(result)
    total = len(lengths) * len(models)
    for length in lengths:
        for kind in models:
            if (MODELS[kind], length) in measured:
                continue
            forward_ms, both_ms = time_layer(kind, length, hidden, batch, repeats, device, seed)
            result.rows.append(
                {
                    "model": MODELS[kind],
                    "length": length,
                    "forward_ms": forward_ms,
                    "forward_backward_ms": both_ms,
                    "sequential_steps": length if kind != "transformer" else 1,
                    "critical_path_ops": critical_path(kind, length),
                }
            )
            clock.tick()
            progress(result, len(result.rows) / total)
    result.complete = True
    return result
