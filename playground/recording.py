"""What a run records while it trains for the pages to show later: embedding snapshots and gradient probes.

Each recorder is a Trainer callback, so the loop itself stays the loop.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch

from playground.evaluation import mean_cross_entropy
from playground.run import EmbeddingSnapshot, GradientProbe

if TYPE_CHECKING:
    from playground.train import Trainer

MAX_SNAPSHOT_BYTES = 16 * 2**20
MAX_SNAPSHOTS = 21
MAX_GRADIENT_PROBES = 24  # gradient recordings per run: bounded time and memory
MIN_STEPS_PER_PROBE = 50  # a probe costs about one training step: at most 2% of a run
PROBE_BATCH = 8


def record_snapshot(trainer: Trainer) -> None:
    """Keep the embedding matrix (at the start and after each epoch), thinned to stay within budget."""
    run = trainer.run
    weights = run.model.embedding.weight.detach().to("cpu", copy=True)
    snapshots = run.snapshots
    snapshots.append(EmbeddingSnapshot(trainer.epoch, run.steps, weights))
    limit = max(2, min(MAX_SNAPSHOTS, MAX_SNAPSHOT_BYTES // max(weights.numel() * 4, 1)))
    while len(snapshots) > limit:
        # Drop every second snapshot between the first and the last: spacing stays even.
        snapshots[:] = snapshots[:1] + snapshots[2:-1:2] + snapshots[-1:]


class GradientRecorder:
    """Every few steps, ‖∂L/∂h_t‖ per time step on a fixed validation batch, and each parameter's ‖∂L/∂θ‖.

    Called after backward and before clipping, so the parameter norms are the raw gradients.
    """

    def __init__(self, trainer: Trainer):
        self.every = max(math.ceil(trainer.total_steps / MAX_GRADIENT_PROBES), MIN_STEPS_PER_PROBE)
        probe = torch.arange(min(PROBE_BATCH, len(trainer.data.validation)))
        self.batch = trainer.data.validation.batch(probe)

    def __call__(self, trainer: Trainer) -> None:
        if trainer.step % self.every == 0:
            trainer.run.gradient_probes.append(self.probe(trainer))

    def probe(self, trainer: Trainer) -> GradientProbe:
        model = trainer.run.model
        parameter_norms = {
            name: p.grad.detach().norm() for name, p in model.named_parameters() if p.grad is not None
        }
        was_training = model.training
        model.eval()
        inputs, lengths, targets = (t.to(trainer.device) for t in self.batch)
        with torch.enable_grad():
            output = model(inputs, lengths, trace=True)
            loss = mean_cross_entropy(output.logits, targets, model.per_step)
            trace = output.trace
            wanted = list(trace.step_hidden) if trace.step_hidden else [trace.embeddings]
            grads = torch.autograd.grad(loss, wanted, allow_unused=True)
        model.train(was_training)
        if trace.step_hidden:
            zeros = torch.zeros(inputs.shape[0], device=inputs.device)
            per_step = torch.stack([g.norm(dim=-1) if g is not None else zeros for g in grads], 1)  # (B, T)
        else:
            per_step = grads[0].norm(dim=-1)  # (B, T)
        valid = (torch.arange(inputs.shape[1], device=inputs.device)[None, :] < lengths[:, None]).float()
        time_norms = (per_step * valid).sum(0) / valid.sum(0).clamp(min=1)  # mean over real sequences
        return GradientProbe(
            trainer.step,
            time_norms.detach().cpu().numpy(),
            {name: float(value) for name, value in parameter_norms.items()},
        )
