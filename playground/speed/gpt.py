"""The playground's Transformer against a well-known small GPT (nanoGPT's CPU example), same sizes.

The reference is nanoGPT's model and training loop (Karpathy, MIT licence) written out here:
pre-norm blocks without biases, tied input and output embeddings, learned positions, AdamW
(weight decay 0.1 on matrices, betas 0.9/0.99), 100 warm-up steps then cosine decay to 1e-4,
gradient clipping at 1, random 64-character windows of the first 90% of the text. Its CPU
example: 4 layers, 4 heads, width 128, block 64, batch 12, no dropout, 2000 iterations.

The playground trains the same sizes through its own Trainer (history, validation, snapshots,
gradient probes) on the same text as one stream. The two run interleaved in one process: the
reference advances inside the playground's progress callback, so drift on a shared machine hits
both. Both are scored on the same held-out text, the last 10%, whole (nanoGPT estimates it from
20 random batches); evaluation time is not counted as training time.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from playground.config import default_config
from playground.data.datasets import build_stream, stream_set
from playground.data.language import language_texts
from playground.data.tokenizer import tokenize
from playground.run import Run, create_run
from playground.speed.timing import row
from playground.train import Trainer

LAYERS, HEADS, WIDTH, BLOCK, BATCH = 4, 4, 128, 64, 12
# the last tenth is held out: both parts must hold a whole block of characters and its next one
MIN_CHARACTERS = 10 * (BLOCK + 1)
LEARNING_RATE, MIN_LEARNING_RATE, WARMUP = 1e-3, 1e-4, 100


class ReferenceBlock(nn.Module):
    """nanoGPT's block: x + attn(ln_1(x)), x + mlp(ln_2(x)), no biases."""

    def __init__(self, width: int, heads: int):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(width, bias=False)
        self.c_attn = nn.Linear(width, 3 * width, bias=False)
        self.attn_proj = nn.Linear(width, width, bias=False)
        self.ln_2 = nn.LayerNorm(width, bias=False)
        self.c_fc = nn.Linear(width, 4 * width, bias=False)
        self.mlp_proj = nn.Linear(4 * width, width, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, steps, width = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(width, dim=2)
        q, k, v = (t.view(batch, steps, self.heads, width // self.heads).transpose(1, 2) for t in (q, k, v))
        attended = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.attn_proj(attended.transpose(1, 2).reshape(batch, steps, width))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x))))


class ReferenceGPT(nn.Module):
    """nanoGPT's GPT: token and position embeddings, blocks, final norm, head tied to the embedding."""

    def __init__(
        self,
        vocab_size: int,
        block: int = BLOCK,
        layers: int = LAYERS,
        heads: int = HEADS,
        width: int = WIDTH,
        init: str = "gpt2",
    ):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, width)
        self.wpe = nn.Embedding(block, width)
        self.h = nn.ModuleList(ReferenceBlock(width, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(width, bias=False)
        self.lm_head = nn.Linear(width, vocab_size, bias=False)
        self.wte.weight = self.lm_head.weight
        if init == "pytorch":  # an ablation: PyTorch's own init for linear layers, embeddings as below
            nn.init.normal_(self.wte.weight, std=0.02)
            nn.init.normal_(self.wpe.weight, std=0.02)
            return
        for module in self.modules():
            if isinstance(module, nn.Linear | nn.Embedding):
                nn.init.normal_(module.weight, std=0.02)
        for block_ in self.h:
            for projection in (block_.attn_proj, block_.mlp_proj):
                nn.init.normal_(projection.weight, std=0.02 / math.sqrt(2 * layers))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        x = self.wte(tokens) + self.wpe(torch.arange(tokens.shape[1], device=tokens.device))
        for block_ in self.h:
            x = block_(x)
        return self.lm_head(self.ln_f(x))


def reference_learning_rate(step: int, total: int) -> float:
    """nanoGPT's get_lr: linear warm-up, then cosine decay to the minimum at `total`."""
    if step < WARMUP:
        return LEARNING_RATE * (step + 1) / (WARMUP + 1)
    ratio = min(1.0, (step - WARMUP) / max(1, total - WARMUP))
    return MIN_LEARNING_RATE + 0.5 * (1 + math.cos(math.pi * ratio)) * (LEARNING_RATE - MIN_LEARNING_RATE)


class ReferenceTraining:
    """nanoGPT's training loop, advanced a few iterations at a time and timed on its own."""

    def __init__(
        self,
        text: str,
        total: int,
        seed: int,
        device: torch.device,
        init: str = "gpt2",
        sampling: str = "random",
    ):
        chars = sorted(set(text))  # nanoGPT's vocabulary: every character of the whole text
        self.index = {c: i for i, c in enumerate(chars)}
        ids = torch.tensor([self.index[c] for c in text], dtype=torch.long)
        split = int(len(ids) * 0.9)
        self.train_ids, self.val_ids = ids[:split], ids[split:]
        torch.manual_seed(seed)
        self.model = ReferenceGPT(len(chars), init=init).to(device)
        decay = [p for p in self.model.parameters() if p.dim() >= 2]
        no_decay = [p for p in self.model.parameters() if p.dim() < 2]
        self.optimizer = torch.optim.AdamW(
            [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
            lr=LEARNING_RATE,
            betas=(0.9, 0.99),
        )
        self.generator = torch.Generator().manual_seed(seed)
        self.device, self.total, self.step, self.seconds = device, total, 0, 0.0
        self.sampling = sampling  # "random" windows (nanoGPT), or "epochs" of blocks (an ablation)
        self.blocks = stream_set(self.train_ids, BLOCK)
        self.order: list[int] = []

    def batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The next batch: random windows, or the next blocks of a shuffled epoch."""
        if self.sampling == "epochs":
            if len(self.order) < BATCH:
                self.order += torch.randperm(len(self.blocks), generator=self.generator).tolist()
            rows, self.order = self.order[:BATCH], self.order[BATCH:]
            return self.blocks.inputs[rows], self.blocks.targets[rows]
        starts = torch.randint(len(self.train_ids) - BLOCK, (BATCH,), generator=self.generator).tolist()
        x = torch.stack([self.train_ids[i : i + BLOCK] for i in starts])
        y = torch.stack([self.train_ids[i + 1 : i + 1 + BLOCK] for i in starts])
        return x, y

    def advance(self, until: int) -> None:
        """Train up to iteration `until`, adding the time taken to `seconds`."""
        started = time.perf_counter()
        self.model.train()
        while self.step < until:
            x, y = (t.to(self.device) for t in self.batch())
            for group in self.optimizer.param_groups:
                group["lr"] = reference_learning_rate(self.step, self.total)
            logits = self.model(x)
            loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), y.view(-1))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
            self.optimizer.step()
            self.optimizer.zero_grad(set_to_none=True)
            self.step += 1
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        self.seconds += time.perf_counter() - started

    @torch.no_grad()
    def validation_loss(self) -> float:
        """Mean loss per character over the held-out 10%, in whole 64-character windows."""
        self.model.eval()
        windows = stream_set(self.val_ids, BLOCK)
        return windowed_loss(lambda x: self.model(x), windows.inputs, windows.targets, self.device)


def windowed_loss(model, inputs: torch.Tensor, targets: torch.Tensor, device: torch.device) -> float:
    """Mean cross-entropy over every window, in batches."""
    total, count = 0.0, 0
    for start in range(0, len(inputs), 256):
        x, y = inputs[start : start + 256].to(device), targets[start : start + 256].to(device)
        logits = model(x)
        total += float(F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum"))
        count += y.numel()
    return total / count


class TimedTrainer(Trainer):
    """The Trainer, keeping count of the seconds its validation and test passes take."""

    evaluation_seconds = 0.0

    def validate(self) -> None:
        started = time.perf_counter()
        super().validate()
        self.evaluation_seconds += time.perf_counter() - started

    def finish(self, started: float) -> None:
        began = time.perf_counter()
        super().finish(started)
        self.evaluation_seconds += time.perf_counter() - began


def load_text(path: str | None, quick: bool) -> tuple[str, str]:
    """The text both train on and its name: the file, or the built-in language when there is none."""
    if path and Path(path).exists():
        text = Path(path).read_text(encoding="utf-8")
        name = Path(path).name
    else:
        text, name = "\n".join(language_texts(20_000, 0)), "the built-in language (no --data file)"
    return (text[:100_000], name + ", first 100 kB") if quick else (text, name)


def playground_config(iterations: int):
    """The reference's sizes and recipe in the playground's own config."""
    config = default_config("next-word", "transformer")
    config.data.source, config.data.tokenizer, config.data.text_layout = "upload", "char", "stream"
    config.data.max_length, config.data.max_vocab = BLOCK, 20_000
    model = config.model
    model.embedding_dim, model.hidden_dim, model.num_layers, model.num_heads = WIDTH, 4 * WIDTH, LAYERS, HEADS
    model.dropout, model.positional = 0.0, "learned"
    train = config.train
    train.optimizer, train.schedule, train.learning_rate, train.clip_grad = "adamw", "cosine", 1e-3, 1.0
    train.batch_size, train.max_steps, train.epochs = BATCH, iterations, 50
    return config


def gpt_benchmark(
    path: str | None = None,
    iterations: int = 2000,
    every: int = 250,
    quick: bool = False,
    device: torch.device | str = "cpu",
    seed: int = 1337,
) -> list[dict]:
    """ms/iteration, training time and held-out loss every `every` iterations, playground vs reference."""
    device = torch.device(device)
    text, name = load_text(path, quick)
    config = playground_config(iterations)
    data = build_stream(text, config.data, name)
    held_out_ids = data.vocab.encode_tokens(tokenize(text[int(len(text) * 0.9) :], "char"))
    held_out = stream_set(torch.tensor(held_out_ids), BLOCK)  # the reference's validation text
    reference = ReferenceTraining(text, iterations, seed, device)
    config.train.seed = seed
    run = create_run(config, data)
    curve: list[tuple[int, float, float, float, float]] = []  # step, ours, theirs, our s, their s
    paused = 0.0

    @torch.no_grad()
    def our_loss(current: Run) -> float:
        current.model.eval()
        loss = windowed_loss(lambda x: current.model(x).logits, held_out.inputs, held_out.targets, device)
        current.model.train()
        return loss

    def interleave(current: Run, progress) -> None:
        nonlocal paused
        started = time.perf_counter()
        reference.advance(progress.step)
        # Epoch ends shift the log points, so a checkpoint is the first point at or past each multiple.
        last = curve[-1][0] if curve else 0
        if progress.step // every > last // every or progress.step == iterations:
            our_seconds = time.perf_counter() - trainer_started - paused
            curve.append(
                (
                    progress.step,
                    our_loss(current),
                    reference.validation_loss(),
                    our_seconds,
                    reference.seconds,
                )
            )
        paused += time.perf_counter() - started

    trainer = TimedTrainer(run, data, device, on_progress=interleave, log_every=math.gcd(every, 10))
    trainer_started = time.perf_counter()
    trainer.train()
    ours_seconds = time.perf_counter() - trainer_started - paused
    rows = [
        row(
            "small GPT",
            "ms/iteration",
            ours_seconds * 1000 / run.steps,
            "ms",
            reference=reference.seconds * 1000 / reference.step,
            target="ratio < 1",
            note=f"{name}; reference: nanoGPT's model and loop, same sizes, {device.type}; "
            "ours includes the Trainer's history, validation and gradient probes",
        ),
        row(
            "small GPT",
            "ms/iteration without validation and test passes",
            (ours_seconds - trainer.evaluation_seconds) * 1000 / run.steps,
            "ms",
            reference=reference.seconds * 1000 / reference.step,
            note=f"the Trainer's own validation and test passes took {trainer.evaluation_seconds:.1f} s",
        ),
        row(
            "small GPT",
            f"seconds for {iterations} iterations",
            ours_seconds,
            "s",
            reference=reference.seconds,
            target="ratio < 1",
        ),
    ]
    for step, ours, theirs, our_seconds, their_seconds in curve:
        rows.append(
            row(
                "small GPT",
                f"held-out loss at {step}",
                ours,
                "nats/char",
                reference=theirs,
                target="ratio <= 1",
                note=f"after {our_seconds:.1f} s (reference {their_seconds:.1f} s)",
            )
        )
    final = curve[-1][2]
    reached = next(((step, seconds) for step, ours, _, seconds, _ in curve if ours <= final), None)
    if reached:
        rows.append(
            row(
                "small GPT",
                "seconds to the reference's final loss",
                reached[1],
                "s",
                reference=reference.seconds,
                target="ratio < 1",
                note=f"reached at iteration {reached[0]} of {iterations}",
            )
        )
    else:
        rows[-1]["note"] += f"; the reference's final loss was not reached in {iterations} iterations"
    return rows
