"""What the playground's trainer costs over a bare PyTorch loop of the same model, per step.

A character-level language model (embedding 64, hidden 256, batch 32, sequence 64, Adam), trained
by `Trainer` (history, validation, snapshots, gradient probes, the divergence guard) and by the
simplest loop that trains the same layers. Measured A B A B in one process.
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path

import torch
from torch.nn import functional as F

from playground.config import default_config
from playground.data.datasets import TaskData, next_word_set
from playground.data.language import language_texts
from playground.data.tokenizer import Vocabulary
from playground.models import build_model
from playground.optim import make_optimizer
from playground.run import create_run
from playground.speed.timing import interleaved, row
from playground.train import Trainer

BLOCK, BATCH = 64, 32


def char_blocks(path: str | None, count: int) -> list[str]:
    """`count` 64-character blocks of a text file, or of the built-in language when there is none."""
    text = (
        Path(path).read_text(encoding="utf-8")
        if path and Path(path).exists()
        else " ".join(language_texts(4000, 0))
    )
    text = text.replace("\n", " ")
    step = max(1, (len(text) - BLOCK) // count)
    return [text[i : i + BLOCK] for i in range(0, step * count, step)][:count]


def char_task(path: str | None, arch: str, steps: int) -> tuple:
    """The config and data both loops train on."""
    config = default_config("next-word", arch)
    config.data.source, config.data.tokenizer, config.data.max_length = "upload", "char", BLOCK + 1
    config.model.embedding_dim, config.model.hidden_dim = 64, 256
    config.model.num_layers, config.model.dropout = (2, 0.0) if arch == "transformer" else (1, 0.0)
    if arch == "transformer":
        config.model.embedding_dim = 128  # the Transformer's width is its embedding size
    config.train.batch_size, config.train.epochs, config.train.max_steps = BATCH, 100, steps
    config.train.optimizer, config.train.learning_rate, config.train.clip_grad = "adam", 1e-3, 0.0
    blocks = char_blocks(path, BATCH * (steps + 2))
    vocab = Vocabulary.build(blocks, "char")
    data = TaskData(
        "next-word",
        vocab,
        next_word_set(blocks, vocab, BLOCK + 1),
        next_word_set(blocks[:64], vocab, BLOCK + 1),
        next_word_set(blocks[:64], vocab, BLOCK + 1),
        [],
        description="char blocks",
    )
    return config, data


def playground_ms(config, data, device, record: bool) -> float:
    run = create_run(config, data)
    trainer = Trainer(run, data, device, record_gradients=record)
    started = time.perf_counter()
    trainer.train()
    return (time.perf_counter() - started) * 1000 / max(run.steps, 1)


def bare_ms(config, data, device) -> float:
    """The same layers trained by the plainest loop: no history, no validation, no probes."""
    torch.manual_seed(config.train.seed)
    model = build_model(
        config.model, len(data.vocab), data.num_outputs, "next-word", max_length=config.data.max_length
    ).to(device)
    optimizer = make_optimizer(model, config.train)  # the Trainer's own, so only the loop differs
    inputs_all, _, targets_all = data.train.batch(torch.arange(len(data.train)))
    steps = config.train.max_steps
    started = time.perf_counter()
    for step in range(steps):
        rows = slice(step * BATCH, (step + 1) * BATCH)
        inputs, targets = inputs_all[rows].to(device), targets_all[rows].to(device)
        logits = model(inputs).logits
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=0)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return (time.perf_counter() - started) * 1000 / steps


def overhead_benchmark(
    path: str | None = None,
    steps: int = 60,
    repeats: int = 3,
    device: torch.device | str = "cpu",
    archs: tuple = ("lstm", "rnn", "transformer"),
) -> list[dict]:
    """ms/step of Trainer against the bare loop, with gradient probes on (the default) and off."""
    device = torch.device(device)
    rows = []
    for arch in archs:
        config, data = char_task(path, arch, steps)
        bare_ms(config, data, device)  # warm up kernels and allocator
        for record in (True, False):
            ours, bare = interleaved(
                partial(playground_ms, config, data, device, record),
                partial(bare_ms, config, data, device),
                repeats,
            )
            rows.append(
                row(
                    "training overhead",
                    f"{arch}, probes {'on' if record else 'off'}",
                    ours,
                    "ms/step",
                    reference=bare,
                    target="ratio <= 1.05",
                    note=f"reference: a bare loop of the same model, {device.type}",
                )
            )
    return rows
