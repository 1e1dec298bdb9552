"""A run: a model with its vocabulary, configuration and everything recorded while it trained.

Code that reads runs (analysis, pages, model files, the run store) imports this module, never the trainer.
"""

from __future__ import annotations

import itertools
import os
import random
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
import torch

from playground.config import ARCH_LABELS, ExperimentConfig
from playground.data.datasets import TaskData
from playground.data.sentiment import PERTURBATIONS
from playground.data.tokenizer import Vocabulary
from playground.experiments.clipping import demo_label
from playground.models import SequenceModel, build_model, count_parameters

MAX_PARAMETERS = int(os.environ.get("PLAYGROUND_MAX_PARAMETERS", 5_000_000))
_run_ids = itertools.count(1)
_seeding = threading.Lock()  # PyTorch's default generator is per process: one seeded build at a time


class ConfigError(ValueError):
    """A configuration that cannot be trained; the message says what to change."""


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and PyTorch so a run is reproducible from its seed."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


@dataclass
class EmbeddingSnapshot:
    """The embedding matrix (V, E) after `epoch` epochs (0 = at initialisation)."""

    epoch: int
    step: int
    weights: torch.Tensor


@dataclass
class GradientProbe:
    """Gradients at one training step: per time step on a fixed probe batch, and per parameter."""

    step: int
    time_norms: np.ndarray  # (T,) mean over the probe batch of ||dL/dh_t|| (or ||dL/dx_t||)
    parameter_norms: dict[str, float]


@dataclass
class Run:
    """A trained (or training) model with everything needed to use, inspect and reproduce it."""

    config: ExperimentConfig
    vocab: Vocabulary
    model: SequenceModel
    class_names: list[str]
    data_description: str
    baseline: dict[str, float]
    examples: list[str] = field(default_factory=list)  # held-out inputs to try on the Predict page
    id: int = field(default_factory=lambda: next(_run_ids))  # this server process's number for it
    number: int = 0  # the learner's own #number, given when it joins their runs; kept in the store
    uid: str = field(default_factory=lambda: uuid.uuid4().hex)  # its name in the run store, stable
    created: datetime = field(default_factory=datetime.now)
    status: str = "new"  # new, training, finished, diverged, stopped, interrupted, failed
    message: str = ""
    device: str = "CPU"
    seconds: float = 0.0
    steps: int = 0
    total_steps: int = 0
    metrics: dict[str, float] = field(default_factory=dict)
    history_rows: list[dict] = field(default_factory=list)
    snapshots: list[EmbeddingSnapshot] = field(default_factory=list)
    gradient_probes: list[GradientProbe] = field(default_factory=list)
    settled: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.settled.set()  # set whenever no thread is training this run

    def wait_until_settled(self, timeout: float) -> bool:
        """Wait for a thread that is still training this run to stop; True if it did."""
        return self.settled.wait(timeout)

    @property
    def complete(self) -> bool:
        """Trained to the end (a diverged run stops at the same step every time, so it counts)."""
        return self.status in ("finished", "diverged")

    @property
    def task(self) -> str:
        return self.config.data.task

    @property
    def reads_bos(self) -> bool:
        """Whether the model was trained on inputs that start with <bos> (next-word lines, not a stream)."""
        return self.task == "next-word" and self.config.data.text_layout == "lines"

    @property
    def name(self) -> str:
        name = f"#{self.number or self.id} {ARCH_LABELS[self.config.model.arch]} · {self.task}"
        demo = demo_label(self.config)  # Backprop's clipping pair, told apart from the learner's own RNN
        return f"{name} · {demo}" if demo else name

    @property
    def num_parameters(self) -> int:
        return count_parameters(self.model)

    @property
    def history(self) -> pd.DataFrame:
        """One row per logged point: step, epoch, split (train/validation), loss, accuracy, ..."""
        columns = [
            "step",
            "epoch",
            "split",
            "loss",
            "accuracy",
            "grad_norm",
            "clipped",
            "learning_rate",
            "seconds",
        ]
        # A copy first: a training thread may append a row while pandas reads the list (a length mismatch).
        return pd.DataFrame(list(self.history_rows), columns=columns)

    def summary(self) -> dict:
        """One row for the table of runs."""
        m = self.config.model
        return {
            "run": self.name,
            "status": self.status,
            "test accuracy": self.metrics.get("test_accuracy"),
            "order-sensitive accuracy": self.metrics.get("order_subset_accuracy"),
            "baseline accuracy": self.baseline.get("accuracy"),
            "unseen-structure accuracy": self.metrics.get("unseen_structure_accuracy"),
            "largest edit change": largest_edit_change(self.metrics),
            "test ECE": self.metrics.get("test_ece"),
            "P(positive), no known word": no_evidence_range(self.metrics),
            "val accuracy": self.metrics.get("val_accuracy"),
            "val loss": self.metrics.get("val_loss"),
            "params": self.num_parameters,
            "embedding": m.embedding_dim,
            "hidden": m.hidden_dim if m.arch != "bow" else None,
            "layers": m.num_layers,
            "lr": self.config.train.learning_rate,
            "seed": self.config.train.seed,
            "steps": self.steps,
            "seconds": round(self.seconds, 1),
            "device": self.device,
            "data": self.data_description,
        }


def edit_changes(metrics: dict) -> dict[str, float]:
    """Test accuracy with each meaning-keeping edit (full stop, commas, ...) minus without it.

    Empty for runs without those probe sets (next-word runs, uploads): the edits are sentiment checks.
    """
    base = metrics.get("test_accuracy")
    if base is None:
        return {}
    return {
        name: metrics[f"test_{name}_accuracy"] - base
        for name in PERTURBATIONS
        if f"test_{name}_accuracy" in metrics
    }


def largest_edit_change(metrics: dict) -> float | None:
    """The edit that moves test accuracy most, as a signed change (None without edits)."""
    changes = edit_changes(metrics)
    return max(changes.values(), key=abs) if changes else None


def no_evidence_range(metrics: dict) -> str | None:
    """'lowest–highest' P(positive) over the inputs with no known word, or None where not measured."""
    low, high = metrics.get("unknown_p_positive_min"), metrics.get("unknown_p_positive_max")
    return None if low is None or high is None else f"{low:.2f}–{high:.2f}"


def count_model_parameters(config: ExperimentConfig, data: TaskData) -> int:
    """The exact parameter count of the model `config` describes, without allocating its weights."""
    with torch.device("meta"):
        model = build_model(
            config.model, len(data.vocab), data.num_outputs, data.task, max_length=config.data.max_length
        )
    return count_parameters(model)


def create_run(config: ExperimentConfig, data: TaskData) -> Run:
    """A fresh, seeded, untrained model for `config` on `data`; refuses oversized models."""
    size = count_model_parameters(config, data)
    if size > MAX_PARAMETERS:
        raise ConfigError(
            f"This model would have {size:,} parameters; the limit is "
            f"{MAX_PARAMETERS:,}. Lower the embedding or hidden size, the layers, "
            "or the maximum vocabulary."
        )
    if len(data.vocab) <= 4:
        raise ConfigError(
            "The vocabulary has no words besides the special tokens: lower the "
            "minimum count or upload more text."
        )
    with _seeding:  # another thread seeding or drawing mid-build would change these weights
        set_seed(config.train.seed)
        model = build_model(
            config.model, len(data.vocab), data.num_outputs, data.task, max_length=config.data.max_length
        )
    return Run(
        config=config,
        vocab=data.vocab,
        model=model,
        class_names=data.class_names,
        data_description=data.description,
        baseline=data.baseline(),
        examples=data.examples,
    )
