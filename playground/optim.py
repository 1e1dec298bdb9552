"""Optimizers and learning-rate schedules: the update rule a run's config names."""

from __future__ import annotations

import math

import torch

from playground.config import TrainConfig
from playground.models import SequenceModel

WEIGHT_DECAY = 0.1  # AdamW's, on weight matrices only (as in GPT-2 and nanoGPT)
WARMUP_FRACTION = 0.05
FINAL_LEARNING_RATE = 0.1  # of the starting one, at the end of a cosine schedule


def make_optimizer(model: SequenceModel, config: TrainConfig) -> torch.optim.Optimizer:
    if config.optimizer == "sgd":
        return torch.optim.SGD(model.parameters(), lr=config.learning_rate, momentum=0.9)
    if config.optimizer == "adamw":
        # Decay matrices (and embeddings), not biases or LayerNorm gains: those set scales, not features.
        matrices = [p for p in model.parameters() if p.dim() >= 2]
        vectors = [p for p in model.parameters() if p.dim() < 2]
        groups = [
            {"params": matrices, "weight_decay": WEIGHT_DECAY},
            {"params": vectors, "weight_decay": 0.0},
        ]
        return torch.optim.AdamW(groups, lr=config.learning_rate, betas=(0.9, 0.99), **fused(model))
    return torch.optim.Adam(model.parameters(), lr=config.learning_rate, **fused(model))


def fused(model: SequenceModel) -> dict[str, bool]:
    """Fused Adam(W) where PyTorch has the kernels (CPU, CUDA): one call updates every weight."""
    return {"fused": True} if {p.device.type for p in model.parameters()} <= {"cpu", "cuda"} else {}


def learning_rate_factor(step: int, total_steps: int, schedule: str) -> float:
    """The multiple of the learning rate used for update `step` (0-based) of `total_steps`."""
    if schedule != "cosine":
        return 1.0
    warmup = max(1, round(total_steps * WARMUP_FRACTION))
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total_steps - 1 - warmup)
    cosine = 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))
    return FINAL_LEARNING_RATE + (1 - FINAL_LEARNING_RATE) * cosine
