"""What a run will cost before it starts: peak memory and duration from its sizes.

The parameter count is the wrong bound for a shared server: a 4 M-parameter Transformer on 512
sequences of 256 characters holds 8 GB of activations. The estimate counts what training keeps
for the backward pass, in the lecture's shapes (B batch, T steps, E embedding, H hidden, L layers,
N heads, V outputs), with coefficients calibrated by `python -m bench.estimate` on this machine
(docs/reliability.md gives its accuracy):

    memory  ≈ fixed + bytes per parameter × P + max(activations of a training batch,
                                                    intermediates of an evaluation batch)
    seconds ≈ steps × mean over an epoch's batch shapes of
                  (FLOPs × seconds per FLOP + serial time steps + elementwise work + overhead)
              + evaluations (forward passes over the validation set, twice an epoch, and the test set)
"""

from __future__ import annotations

import math
import os
from collections import Counter
from dataclasses import dataclass

import numpy as np
import torch

from playground.config import ExperimentConfig
from playground.data.datasets import TaskData
from playground.evaluation import evaluation_batch
from playground.models import build_model
from playground.train import batch_order, bucket_pool, planned_steps

# Sized for the smallest hosted tier (Streamlit Community Cloud, about 2.7 GB): two trainings at
# once (PLAYGROUND_MAX_TRAININGS) of 1,000 MB each beside the ~600 MB an idle server holds. With
# PLAYGROUND_TRAINING_PROCESSES=1 the forkserver trainings fork from adds ~310 MB: set 850 there.
MAX_MEMORY_MB = float(os.environ.get("PLAYGROUND_MAX_MEMORY_MB", 1000))
MAX_MINUTES = float(os.environ.get("PLAYGROUND_MAX_MINUTES", 10))

# Calibrated by `python -m bench.estimate`: non-negative least squares on the relative error of the
# measured configurations (2-core CPU, PyTorch 2.13), checked on 4 held out; docs/reliability.md.
# Memory: 11 configurations. Step time (`--fit`, 2026-12-06): 17, the six defaults among them.
FIXED_MB = 24.5  # allocator slack and small buffers above the baseline
BYTES_PER_PARAMETER = 48.7  # weights, gradients, Adam's two moments, the last good copy, temporaries
# Bytes held at the peak per element of each activation shape (B batch, T steps, L layers):
BYTES_PER_EMBEDDING = 12.2  # (B, T, E): looked-up vectors, their gradient
BYTES_PER_LOGIT = 10.5  # (B, T, V) for next-word, (B, C) for classes: logits, softmax, gradient
BYTES_PER_RNN_STATE = 13.9  # (L, B, T, H): pre-activation, h_t, gradient
BYTES_PER_LSTM_STATE = 48.0  # (L, B, T, H): four gates, their activations, c_t, tanh(c_t), h_t
BYTES_PER_TRANSFORMER_UNIT = 4.5  # (L, B, T, 12E + 3H): norms, Q K V, outputs, residuals, feed-forward
BYTES_PER_ATTENTION_WEIGHT = 0.5  # (L, B, N, T, T): PyTorch's fused attention keeps almost none
SECONDS_PER_FLOP = 5.56e-12  # matrix multiplies: 2 per weight and position forward, twice that back
SECONDS_PER_ATTENTION_FLOP = 2.26e-11  # Q K^T and weights @ V: smaller, less efficient products
SECONDS_PER_SERIAL_STEP = 1.12e-4  # an RNN/LSTM's time steps run one after another, per layer
SECONDS_PER_ELEMENT = 2.10e-9  # elementwise work per (B, T, width, layer), and per (B, T, E)
SECONDS_PER_RUNNING_MEAN = 2.00e-8  # per (B, T, E): the bag of words' cumulative mean for next-word
STEP_SECONDS = 0.96e-3  # per training step: batching, the optimizer, bookkeeping
# Per Transformer layer and step: the dispatch of its many small operations, which dominates a small
# model's step (the default sentiment and next-word Transformers, 2 layers, 7 to 9 ms a step on 2
# cores, about two thirds of it this term); negligible for large models.
SECONDS_PER_TRANSFORMER_LAYER = 2.91e-3


@dataclass
class Estimate:
    """A run's predicted peak memory above the idle server (MB) and its duration (s)."""

    peak_mb: float
    seconds: float
    steps: int
    step_seconds: float
    culprit: str  # the size that dominates the cost, as the Train page names it

    @property
    def minutes(self) -> float:
        return self.seconds / 60

    def describe(self) -> str:
        return (
            f"about {format_mb(self.peak_mb)} of memory and {format_duration(self.seconds)} "
            f"({self.steps:,} steps of about {format_duration(self.step_seconds)})"
        )


def format_mb(mb: float) -> str:
    return f"{mb / 1024:.1f} GB" if mb >= 1024 else f"{mb:,.0f} MB"


def format_duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def sequence_length(config: ExperimentConfig, data: TaskData) -> int:
    """The longest padded batch the run will see: the data's longest example, at most max_length."""
    longest = int(data.train.lengths.max()) if len(data.train) else 1
    return max(1, min(longest, config.data.max_length))


def parameter_counts(config: ExperimentConfig, data: TaskData) -> tuple[int, int]:
    """(all parameters, those applied at every position by a matrix multiply: the body)."""
    with torch.device("meta"):
        model = build_model(
            config.model, len(data.vocab), data.num_outputs, data.task, max_length=config.data.max_length
        )
    total = sum(p.numel() for p in model.parameters())
    lookup = model.embedding.weight.numel() + sum(
        p.numel() for name, p in model.named_parameters() if name.startswith(("position_embedding", "head"))
    )
    return total, total - lookup


def activation_bytes(config: ExperimentConfig, data: TaskData, batch: int, steps: int) -> float:
    """Bytes a training step holds at its peak beyond the weights (B batch, T steps)."""
    m = config.model
    tokens = batch * steps
    E, H, L = m.embedding_dim, m.hidden_dim, m.num_layers
    per_step = data.task == "next-word"
    logits = (tokens if per_step else batch) * data.num_outputs
    held = BYTES_PER_EMBEDDING * tokens * E + BYTES_PER_LOGIT * logits
    if m.arch == "rnn":
        held += BYTES_PER_RNN_STATE * L * tokens * H
    elif m.arch == "lstm":
        held += BYTES_PER_LSTM_STATE * L * tokens * H
    elif m.arch == "transformer":
        heads = max(h for h in range(1, m.num_heads + 1) if E % h == 0)
        held += L * (
            BYTES_PER_TRANSFORMER_UNIT * tokens * (12 * E + 3 * H)
            + BYTES_PER_ATTENTION_WEIGHT * batch * heads * steps * steps
        )
    return held


def evaluation_bytes(config: ExperimentConfig, data: TaskData, batch: int, steps: int) -> float:
    """Bytes an evaluation batch holds without gradients: one layer's intermediates at a time, the
    embeddings and the logits (float32, twice each for the in-place-free PyTorch ops)."""
    m = config.model
    tokens = batch * steps
    E, H = m.embedding_dim, m.hidden_dim
    logits = (tokens if data.task == "next-word" else batch) * data.num_outputs
    layer = {"rnn": 2 * H, "lstm": 6 * H, "transformer": 4 * E + H, "bow": E}[m.arch] * tokens
    if m.arch == "transformer":
        layer += batch * m.num_heads * steps * steps * BYTES_PER_ATTENTION_WEIGHT / 4
    return 4 * 2 * (tokens * E + layer + logits)


def estimate_run(config: ExperimentConfig, data: TaskData, total_steps: int | None = None) -> Estimate:
    """Peak memory and duration of training `config` on `data`, before any weight is allocated."""

    train = config.train
    steps = total_steps if total_steps is not None else planned_steps(train, len(data.train))
    length = sequence_length(config, data)
    batch = min(train.batch_size, max(len(data.train), 1))
    eval_batch = min(evaluation_batch(train.batch_size, length), max(len(data.validation), len(data.test), 1))
    total, body = parameter_counts(config, data)
    activations = max(
        activation_bytes(config, data, batch, length), evaluation_bytes(config, data, eval_batch, length)
    )
    peak_mb = FIXED_MB + (BYTES_PER_PARAMETER * total + activations) / 2**20

    prices = seconds_per_term()
    step_seconds = sum(prices[name] * count for name, count in epoch_step_terms(config, data, body).items())
    per_example = (step_seconds - STEP_SECONDS) / 3 / batch  # a forward pass is about a third of a step
    evaluations = max(1, steps // max(1, math.ceil(len(data.train) / train.batch_size) // 2)) + 1
    eval_seconds = per_example * (evaluations * len(data.validation) + len(data.test))
    return Estimate(
        peak_mb,
        steps * step_seconds + max(eval_seconds, 0.0),
        steps,
        step_seconds,
        culprit(config, data, batch, length),
    )


def step_terms(
    config: ExperimentConfig, data: TaskData, batch: int, length: int, body: int
) -> dict[str, float]:
    """What one training step of `batch` rows `length` long does, in the units each coefficient prices:
    matrix-multiply FLOPs (2 per weight and position forward, twice that backward), attention's T x T
    products, serial time steps, elementwise work, the bag of words' running mean, Transformer layers."""
    m = config.model
    tokens = batch * length
    width = m.embedding_dim if m.arch in ("transformer", "bow") else m.hidden_dim
    per_step = data.task == "next-word"
    return {
        "flops": 3 * (2 * tokens * body + 2 * (tokens if per_step else batch) * width * data.num_outputs),
        "attention_flops": 3 * m.num_layers * 4 * tokens * length * m.embedding_dim
        if m.arch == "transformer"
        else 0,
        "serial_steps": m.num_layers * length if m.arch in ("rnn", "lstm") else 0,
        "elements": (tokens * width * m.num_layers if m.arch != "bow" else 0) + tokens * m.embedding_dim,
        "running_mean": tokens * m.embedding_dim if m.arch == "bow" and per_step else 0,
        "transformer_layers": m.num_layers if m.arch == "transformer" else 0,
        "step": 1,
    }


def seconds_per_term() -> dict[str, float]:
    """The coefficient that prices each of step_terms' counts, in seconds."""
    return {
        "flops": SECONDS_PER_FLOP,
        "attention_flops": SECONDS_PER_ATTENTION_FLOP,
        "serial_steps": SECONDS_PER_SERIAL_STEP,
        "elements": SECONDS_PER_ELEMENT,
        "running_mean": SECONDS_PER_RUNNING_MEAN,
        "transformer_layers": SECONDS_PER_TRANSFORMER_LAYER,
        "step": STEP_SECONDS,
    }


def batch_shapes(config: ExperimentConfig, data: TaskData) -> Counter[tuple[int, int]]:
    """How many batches of each (rows, padded width) one epoch trains on, drawn as the Trainer draws
    them: a batch is padded to its longest row, and classifiers batch rows of like length together,
    so their mean width is well below the longest review's (14.8 against 28 words, default reviews)."""
    lengths = data.train.lengths.clamp(max=config.data.max_length)
    if len(lengths) == 0:
        return Counter({(1, 1): 1})
    generator = torch.Generator().manual_seed(config.train.seed)
    batches = batch_order(lengths, config.train.batch_size, generator, bucket_pool(data.task))
    sizes = np.array([len(b) for b in batches])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    widths = np.maximum.reduceat(lengths[torch.cat(batches)].numpy(), starts)
    return Counter(zip(sizes.tolist(), widths.tolist(), strict=True))


def epoch_step_terms(config: ExperimentConfig, data: TaskData, body: int) -> dict[str, float]:
    """step_terms averaged over one epoch's batches."""
    shapes = batch_shapes(config, data)
    total = sum(shapes.values())
    mean: dict[str, float] = {}
    for (rows, width), count in shapes.items():
        for name, value in step_terms(config, data, rows, width, body).items():
            mean[name] = mean.get(name, 0.0) + value * count / total
    return mean


def culprit(config: ExperimentConfig, data: TaskData, batch: int, length: int) -> str:
    """The sizes to lower, in the Train page's words, the one that dominates the cost first."""
    total, _ = parameter_counts(config, data)
    activations = activation_bytes(config, data, batch, length)
    logits = BYTES_PER_LOGIT * batch * length * data.num_outputs if data.task == "next-word" else 0.0
    if BYTES_PER_PARAMETER * total > activations:
        return "the embedding or hidden size, the layers or the maximum vocabulary"
    if logits > activations / 2:
        return "the batch size, the sequence length or the maximum vocabulary"
    return "the batch size or the sequence length (then the embedding or hidden size, or the layers)"


def over_budget(
    estimate: Estimate, max_mb: float | None = None, max_minutes: float | None = None
) -> str | None:
    """Why this server refuses the run, and what to lower; None if it fits."""
    max_mb = MAX_MEMORY_MB if max_mb is None else max_mb
    max_minutes = MAX_MINUTES if max_minutes is None else max_minutes
    if estimate.peak_mb > max_mb:
        return (
            f"This run would need {estimate.describe()}; this server allows "
            f"{format_mb(max_mb)} per training. Lower {estimate.culprit}."
        )
    if estimate.minutes > max_minutes:
        return (
            f"This run would take {estimate.describe()}; this server allows "
            f"{format_duration(max_minutes * 60)} per training. Lower the epochs or the step limit, "
            f"or {estimate.culprit}."
        )
    return None
