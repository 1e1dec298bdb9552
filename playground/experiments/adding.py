"""The adding problem: does a model remember two marked numbers across a long sequence?

Hochreiter & Schmidhuber (1997); Le, Jaitly & Hinton (2015). Each step shows a random value in
[0, 1] and a marker; exactly two steps are marked, one in each half, and the target is the sum of
their values. Predicting the mean (1) scores MSE Var(U + U') = 1/6 whatever the length.
"""

from __future__ import annotations

from collections.abc import Callable

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
    verdict,
)

ARCHITECTURES = {
    "tanh": "tanh RNN",
    "irnn": "IRNN (ReLU, identity)",
    "lstm": "LSTM",
    "transformer": "Transformer",
    "transformer-no-attention": "Transformer without attention",
}
BASELINE_MSE = 1 / 6  # predicting the mean 1: the variance of a sum of two U[0, 1]
LEARNING_RATE = 1e-3  # Adam, the same for every model, with gradients clipped at norm 1


def adding_batch(batch: int, length: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs (batch, length, 2) of (value, marker) and targets (batch,): the sum of the marked values."""
    values = torch.rand(batch, length, generator=generator)
    half = max(length // 2, 1)
    first = torch.randint(0, half, (batch,), generator=generator)
    second = torch.randint(half, length, (batch,), generator=generator) if length > 1 else first
    markers = torch.zeros(batch, length)
    rows = torch.arange(batch)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    targets = values[rows, first] + values[rows, second]
    return torch.stack([values, markers], dim=-1), targets


class AddingModel(nn.Module):
    """A recurrent net or a (bidirectional) Transformer encoder, read at its last step, then one number.

    Every model is read the same way. (An average over all steps would not be like for like: a
    per-step feature averaged over the sequence can add up the marked values with no position
    seeing another.) "transformer-no-attention" removes the attention, so the last step sees only
    its own input: the ablation that shows what attention adds.
    """

    def __init__(self, arch: str, hidden: int):
        super().__init__()
        self.arch = arch
        if arch in ("tanh", "irnn"):
            self.body = nn.RNN(2, hidden, batch_first=True, nonlinearity="tanh" if arch == "tanh" else "relu")
            if arch == "irnn":  # Le et al.: identity recurrence, zero bias, tiny input weights
                with torch.no_grad():
                    self.body.weight_hh_l0.copy_(torch.eye(hidden))
                    self.body.bias_hh_l0.zero_()
                    self.body.bias_ih_l0.zero_()
                    self.body.weight_ih_l0.normal_(0, 0.001)
        elif arch == "lstm":
            self.body = nn.LSTM(2, hidden, batch_first=True)
            with torch.no_grad():  # forget gate bias 1: remember by default
                self.body.bias_ih_l0[hidden : 2 * hidden].fill_(1.0)
        elif arch.startswith("transformer") and arch in ARCHITECTURES:
            self.body = PositionalEncoder(2, hidden, layers=1, attention=arch != "transformer-no-attention")
        else:
            raise ValueError(f"unknown architecture {arch!r}")
        self.head = nn.Linear(hidden, 1)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        if self.arch.startswith("transformer"):
            outputs = self.body(inputs)
        else:
            outputs, _ = self.body(inputs)
        return self.head(outputs[:, -1]).squeeze(-1)


def train_adding(
    arch: str,
    length: int,
    steps: int,
    hidden: int = 64,
    batch: int = 64,
    seed: int = 0,
    test_size: int = 1000,
    device: str | torch.device = "cpu",
    on_step: Callable[[float], None] = lambda fraction: None,
) -> dict:
    """Train one model on one length; its test MSE next to the baseline's."""
    torch.manual_seed(seed)
    model = AddingModel(arch, hidden).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    train_generator = torch.Generator().manual_seed(seed)
    test_inputs, test_targets = adding_batch(test_size, length, torch.Generator().manual_seed(10_000 + seed))
    for step in range(steps):
        if step % 100 == 0:
            on_step(step / steps)
        inputs, targets = adding_batch(batch, length, train_generator)
        loss = nn.functional.mse_loss(model(inputs.to(device)), targets.to(device))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    model.eval()
    with torch.no_grad():
        mse = float(nn.functional.mse_loss(model(test_inputs.to(device)), test_targets.to(device)))
    return {
        "architecture": ARCHITECTURES[arch],
        "length": length,
        "readout": "last step",
        "test_mse": mse,
        "baseline_mse": BASELINE_MSE,
        "verdict": verdict(mse, BASELINE_MSE),
    }


def adding_experiment(
    lengths: list[int],
    architectures: list[str],
    steps: int,
    hidden: int = 64,
    seed: int = 0,
    device: str | torch.device = "cpu",
    progress: Progress = no_progress,
    resume: ExperimentResult | None = None,
) -> ExperimentResult:
    """Test MSE against sequence length for each architecture, shortest lengths first.

    `resume`: a stopped run with the same settings, whose points are kept and not measured again.
    """
    result = ExperimentResult(
        "adding",
        {
            "lengths": lengths,
            "architectures": architectures,
            "steps": steps,
            "hidden": hidden,
            "seed": seed,
            "batch": 64,
        },
    )
    check_names(architectures, ARCHITECTURES, "architecture")
    measured = carry_over(result, resume, lambda row: (row["architecture"], row["length"]))
    clock = Clock(result)
    total = len(lengths) * len(architectures)
    for length in lengths:
        for arch in architectures:
            if (ARCHITECTURES[arch], length) in measured:
                continue
            done = len(result.rows)

            def within(fraction: float, done: int = done) -> None:
                progress(result, (done + fraction) / total)

            result.rows.append(
                train_adding(arch, length, steps, hidden, seed=seed, device=device, on_step=within)
            )
            clock.tick()
            progress(result, len(result.rows) / total)
    result.complete = True
    return result
