"""Training step time against sequence length and hidden size, for each architecture."""

from __future__ import annotations

import time

import torch
from torch.nn import functional as F

from playground.config import ModelConfig
from playground.models import build_model
from playground.speed.timing import row

VOCAB, BATCH = 100, 16


def step_ms(arch: str, length: int, hidden: int, device: torch.device, repeats: int) -> float:
    """Fastest ms of one training step (forward, backward, Adam) of a next-word model."""
    torch.manual_seed(0)
    config = ModelConfig(
        arch=arch,
        embedding_dim=hidden,
        hidden_dim=hidden if arch != "transformer" else 2 * hidden,
        num_layers=1,
        num_heads=4,
        dropout=0.0,
    )
    model = build_model(config, VOCAB, VOCAB, "next-word", max_length=length).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    inputs = torch.randint(4, VOCAB, (BATCH, length), device=device)
    best = float("inf")
    for repeat in range(repeats + 1):
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        started = time.perf_counter()
        logits = model(inputs).logits
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), inputs.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        if repeat:  # the first step warms up
            best = min(best, (time.perf_counter() - started) * 1000)
    return best


def scaling_benchmark(
    lengths: tuple = (16, 32, 64, 128, 256, 512),
    hiddens: tuple = (64, 128, 256, 512),
    repeats: int = 5,
    device: torch.device | str = "cpu",
) -> list[dict]:
    """ms/step at hidden 128 over `lengths`, and at length 64 over `hiddens`, per architecture."""
    device = torch.device(device)
    rows = []
    for arch in ("rnn", "lstm", "transformer"):
        for length in lengths:
            rows.append(
                row(
                    "scaling",
                    f"{arch}, length {length}, hidden 128",
                    step_ms(arch, length, 128, device, repeats),
                    "ms/step",
                )
            )
        for hidden in hiddens:
            rows.append(
                row(
                    "scaling",
                    f"{arch}, length 64, hidden {hidden}",
                    step_ms(arch, 64, hidden, device, repeats),
                    "ms/step",
                )
            )
    return rows
