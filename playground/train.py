"""Training: a loop that knows nothing about the UI and reports progress through a callback."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch.nn import functional as F

from playground.analysis.calibration import (
    expected_calibration_error,
    no_evidence_probabilities,
    predicted_probabilities,
)
from playground.config import TrainConfig
from playground.data.datasets import SequenceSet, TaskData
from playground.data.tokenizer import EOS_ID, PAD_ID, UNK_ID, Vocabulary
from playground.device import describe_device
from playground.models import SequenceModel
from playground.run import EmbeddingSnapshot, GradientProbe, Run

MAX_TRAINING_STEPS = int(os.environ.get("PLAYGROUND_MAX_STEPS", 50_000))  # per run, for a shared server
MAX_SNAPSHOT_BYTES = 16 * 2**20
MAX_SNAPSHOTS = 21
MAX_GRADIENT_PROBES = 24  # gradient recordings per run: bounded time and memory
MIN_STEPS_PER_PROBE = 50  # a probe costs about one training step: at most 2% of a run
PROBE_BATCH = 8


class StopTraining(Exception):
    """Raised inside the loop when the caller's stop check or the time limit says to stop."""


@dataclass
class TrainingProgress:
    """One progress event: where training is and the latest numbers."""

    step: int
    total_steps: int
    epoch: float
    seconds: float
    train_loss: float
    train_accuracy: float
    val_loss: float | None = None
    val_accuracy: float | None = None

    @property
    def fraction(self) -> float:
        return min(1.0, self.step / max(self.total_steps, 1))


def mean_cross_entropy(logits: torch.Tensor, targets: torch.Tensor, per_step: bool) -> torch.Tensor:
    """L = −(1/N) Σ log p(target): over every non-padding step (next-word) or every example (classes)."""
    if per_step:  # (B, T, V) against (B, T)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=PAD_ID)
    return F.cross_entropy(logits, targets)


def step_loss(
    model: SequenceModel, inputs: torch.Tensor, lengths: torch.Tensor, targets: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Mean cross-entropy, number of correct predictions, number of predictions (no sync)."""
    logits = model(inputs, lengths).logits
    loss = mean_cross_entropy(logits, targets, model.per_step)
    if model.per_step:
        flat_logits = logits.reshape(-1, logits.shape[-1])  # (B*T, V)
        flat_targets = targets.reshape(-1)  # (B*T,)
        counted = flat_targets != PAD_ID
        correct = ((flat_logits.argmax(-1) == flat_targets) & counted).sum()
        return loss, correct, counted.sum()
    correct = (logits.argmax(-1) == targets).sum()
    return loss, correct, torch.full((), targets.numel(), device=targets.device)  # no host-to-device copy


@torch.no_grad()
def evaluate(
    model: SequenceModel,
    dataset: SequenceSet,
    device: torch.device | str = "cpu",
    batch_size: int = 512,
    check: Callable[[], None] | None = None,
) -> dict[str, float]:
    """Loss and accuracy of `model` on a whole dataset (per predicted token for next-word).

    `check` runs before each batch and may raise to stop a long evaluation part-way.
    """
    was_training = model.training
    model.eval()
    total_loss = torch.zeros((), device=device)
    correct = torch.zeros((), device=device)
    count = torch.zeros((), device=device)
    for start in range(0, len(dataset), batch_size):
        if check is not None:
            check()
        index = torch.arange(start, min(start + batch_size, len(dataset)))
        inputs, lengths, targets = (t.to(device) for t in dataset.batch(index))
        loss, batch_correct, batch_count = step_loss(model, inputs, lengths, targets)
        total_loss += loss * batch_count
        correct += batch_correct
        count += batch_count
    model.train(was_training)
    n = max(count.item(), 1)
    return {"loss": total_loss.item() / n, "accuracy": correct.item() / n}


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


EVAL_BATCH = 512
EVAL_TOKENS = 16_384  # positions per evaluation batch at most, unless a training batch has more


def evaluation_batch(batch_size: int, length: int) -> int:
    """Examples per evaluation batch: up to 512, fewer for long sequences, so that evaluating never
    needs much more memory than a training step (512 × 256 positions of a wide Transformer is GBs)."""
    return max(batch_size, min(EVAL_BATCH, EVAL_TOKENS // max(length, 1)))


def planned_steps(config: TrainConfig, examples: int) -> int:
    """Updates a run will make: its epochs, cut at its own step limit and the server's."""
    total = math.ceil(examples / config.batch_size) * config.epochs
    return min(total, config.max_steps or total, MAX_TRAINING_STEPS)


def default_log_interval(total_steps: int) -> int:
    """Steps per logged point: at least 20 points, 10 to 20 steps apart in longer runs (each costs a sync)."""
    fewest = min(10, max(1, total_steps // 20))
    return max(fewest, min(20, total_steps // 100))


class Trainer:
    """Trains a Run's model in place, so whatever finished survives an interruption.

    `should_stop` is called before every step and every evaluation batch (a cheap flag read), so
    a Stop takes effect within one step; `time_limit` (seconds) stops a run that overruns.
    """

    def __init__(
        self,
        run: Run,
        data: TaskData,
        device: torch.device | str = "cpu",
        on_progress: Callable[[Run, TrainingProgress], None] | None = None,
        log_every: int | None = None,
        record_gradients: bool = True,
        should_stop: Callable[[], bool] | None = None,
        time_limit: float | None = None,
    ):
        self.run = run
        self.should_stop = should_stop
        self.time_limit = time_limit
        self.started = time.perf_counter()
        self.data = data
        self.device = torch.device(device)
        self.on_progress = on_progress
        train = run.config.train
        self.steps_per_epoch = math.ceil(len(data.train) / train.batch_size)
        self.total_steps = planned_steps(train, len(data.train))
        self.log_every = log_every or default_log_interval(self.total_steps)
        self.eval_every = max(self.log_every, self.steps_per_epoch // 2)
        self.probe_every = (
            max(math.ceil(self.total_steps / MAX_GRADIENT_PROBES), MIN_STEPS_PER_PROBE)
            if record_gradients
            else 0
        )
        probe = torch.arange(min(PROBE_BATCH, len(data.validation)))
        self.probe_batch = data.validation.batch(probe)
        # A loss far above a random guess's, ln(outputs), means training blew up even if still finite.
        self.explode_above = 10 * (math.log(max(data.num_outputs, 2)) + 1)
        self.learning_rate = train.learning_rate  # of the latest update, logged with each interval
        self.eval_batch = evaluation_batch(train.batch_size, int(data.train.inputs.shape[1]))
        self.dropout_generator = torch.Generator().manual_seed(train.seed + 1)

    def train(self) -> Run:
        """Run the loop; stop cleanly on a non-finite loss or gradient, keeping the last good weights."""
        run, config, device = self.run, self.run.config.train, self.device
        model = run.model.to(device)
        model.train()
        optimizer = make_optimizer(model, config)
        scheduled = config.schedule != "constant"
        generator = torch.Generator().manual_seed(config.seed)
        run.settled.clear()
        run.status, run.device, run.total_steps = "training", describe_device(device), self.total_steps
        self.snapshot(0)
        started = self.started = time.perf_counter()
        good_state = clone_state(model)
        losses = torch.zeros(self.log_every, device=device)  # per-step values, synced once per log
        norms = torch.zeros(self.log_every, device=device)
        correct = torch.zeros((), device=device)
        counted = torch.zeros((), device=device)
        step = filled = 0
        next_eval = self.eval_every
        try:
            for epoch in range(config.epochs):
                order = torch.randperm(len(self.data.train), generator=generator)
                for start in range(0, len(order), config.batch_size):
                    self.check_stop()
                    batch = self.data.train.batch(order[start : start + config.batch_size])
                    if config.word_dropout > 0:
                        batch = (
                            drop_words(batch[0], config.word_dropout, self.dropout_generator),
                            *batch[1:],
                        )
                    inputs, lengths, targets = (t.to(device, non_blocking=True) for t in batch)
                    loss, batch_correct, batch_count = step_loss(model, inputs, lengths, targets)
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    if self.probe_every and step % self.probe_every == 0:
                        self.record_gradients(step)
                    max_norm = config.clip_grad if config.clip_grad > 0 else float("inf")
                    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
                    losses[filled] = loss.detach()
                    norms[filled] = norm
                    filled += 1
                    correct += batch_correct
                    counted += batch_count
                    if scheduled:
                        self.learning_rate = config.learning_rate * learning_rate_factor(
                            step, self.total_steps, config.schedule
                        )
                        for group in optimizer.param_groups:
                            group["lr"] = self.learning_rate
                    optimizer.step()
                    step += 1
                    run.steps = step
                    epoch_done = start + config.batch_size >= len(order)
                    if filled == self.log_every or step >= self.total_steps or epoch_done:
                        finite = self.end_interval(step, filled, losses, norms, correct, counted, started)
                        filled = 0
                        if not finite:
                            return self.diverged(good_state)
                        good_state = clone_state(model)
                        # Log points need not land on a multiple of eval_every: validate once past it.
                        if step >= next_eval or step >= self.total_steps or epoch_done:
                            self.validate(step)
                            next_eval = (step // self.eval_every + 1) * self.eval_every
                        self.report(step)
                    if step >= self.total_steps:
                        break
                self.snapshot(epoch + 1)
                if step >= self.total_steps:
                    break
            self.finish(started)
        except StopTraining as stop:
            run.status = "stopped"
            run.message = (
                f"Stopped at step {run.steps:,} of {self.total_steps:,}{stop}; the model keeps "
                "what it learned until then. It has no test score: it did not finish."
            )
        except Exception as error:  # a UI's control-flow signals are BaseExceptions and pass
            run.status = "failed"
            run.message = failure_message(error, run)
            raise
        finally:
            if run.status == "training":
                run.status = "interrupted"
                run.message = (
                    f"Stopped at step {run.steps:,} of {self.total_steps:,}; the model "
                    "keeps what it learned until then. It has no test score: it did not finish."
                )
            run.seconds = time.perf_counter() - started
            model.to("cpu").eval()
            run.settled.set()
        return run

    def check_stop(self) -> None:
        """Raise StopTraining if the caller asked to stop or the run is over its time limit."""
        if self.should_stop is not None and self.should_stop():
            raise StopTraining("")
        if self.time_limit is not None and time.perf_counter() - self.started > self.time_limit:
            raise StopTraining(f": this server allows {self.time_limit / 60:g} minutes per training")

    def end_interval(
        self,
        step: int,
        n: int,
        losses: torch.Tensor,
        norms: torch.Tensor,
        correct: torch.Tensor,
        counted: torch.Tensor,
        started: float,
    ) -> bool:
        """Sync the interval's per-step numbers once and log them; False if training blew up."""
        step_losses, step_norms = losses[:n].tolist(), norms[:n].tolist()
        for i, (loss, norm) in enumerate(zip(step_losses, step_norms, strict=True)):
            if not (math.isfinite(loss) and math.isfinite(norm)):
                self.bad_step = step - n + i + 1
                self.bad_value = ("loss", loss) if not math.isfinite(loss) else ("gradient", norm)
                return False
        mean_loss = sum(step_losses) / n
        if mean_loss > self.explode_above:
            self.bad_step, self.bad_value = step, ("loss", mean_loss)
            return False
        clip = self.run.config.train.clip_grad
        self.run.seconds = time.perf_counter() - started
        self.run.history_rows.append(
            {
                "step": step,
                "epoch": step / self.steps_per_epoch,
                "split": "train",
                "loss": mean_loss,
                "accuracy": correct.item() / max(counted.item(), 1),
                "grad_norm": max(step_norms),
                "clipped": sum(v > clip for v in step_norms) if clip else 0,
                "learning_rate": self.learning_rate,
                "seconds": self.run.seconds,
            }
        )
        correct.zero_()
        counted.zero_()
        return True

    def record_gradients(self, step: int) -> None:
        """Per-time-step gradient norms on the probe batch, and per-parameter norms of this step."""
        model = self.run.model
        parameter_norms = {
            name: p.grad.detach().norm() for name, p in model.named_parameters() if p.grad is not None
        }
        was_training = model.training
        model.eval()
        inputs, lengths, targets = (t.to(self.device) for t in self.probe_batch)
        with torch.enable_grad():
            output = model(inputs, lengths, trace=True)
            loss = mean_cross_entropy(output.logits, targets, model.per_step)
            trace = output.trace
            wanted = list(trace.step_hidden) if trace.step_hidden else [trace.embeddings]
            grads = torch.autograd.grad(loss, wanted, allow_unused=True)
        model.train(was_training)
        if trace.step_hidden:
            per_step = torch.stack(
                [
                    g.norm(dim=-1) if g is not None else torch.zeros(inputs.shape[0], device=inputs.device)
                    for g in grads
                ],
                1,
            )  # (B, T)
        else:
            per_step = grads[0].norm(dim=-1)  # (B, T)
        valid = (torch.arange(inputs.shape[1], device=inputs.device)[None, :] < lengths[:, None]).float()
        time_norms = (per_step * valid).sum(0) / valid.sum(0).clamp(min=1)  # mean over real sequences
        self.run.gradient_probes.append(
            GradientProbe(
                step,
                time_norms.detach().cpu().numpy(),
                {name: float(value) for name, value in parameter_norms.items()},
            )
        )

    def validate(self, step: int) -> None:
        result = evaluate(
            self.run.model, self.data.validation, self.device, self.eval_batch, check=self.check_stop
        )
        self.run.metrics.update(val_loss=result["loss"], val_accuracy=result["accuracy"])
        self.run.history_rows.append(
            {
                "step": step,
                "epoch": step / self.steps_per_epoch,
                "split": "validation",
                "loss": result["loss"],
                "accuracy": result["accuracy"],
                "seconds": self.run.seconds,
            }
        )

    def report(self, step: int) -> None:
        if self.on_progress is None:
            return
        last_train = next(r for r in reversed(self.run.history_rows) if r["split"] == "train")
        self.on_progress(
            self.run,
            TrainingProgress(
                step=step,
                total_steps=self.total_steps,
                epoch=step / self.steps_per_epoch,
                seconds=self.run.seconds,
                train_loss=last_train["loss"],
                train_accuracy=last_train["accuracy"],
                val_loss=self.run.metrics.get("val_loss"),
                val_accuracy=self.run.metrics.get("val_accuracy"),
            ),
        )

    def snapshot(self, epoch: int) -> None:
        """Keep the embedding matrix after each epoch, thinning old ones to stay within budget."""
        weights = self.run.model.embedding.weight.detach().to("cpu", copy=True)
        snapshots = self.run.snapshots
        snapshots.append(EmbeddingSnapshot(epoch, self.run.steps, weights))
        limit = max(2, min(MAX_SNAPSHOTS, MAX_SNAPSHOT_BYTES // max(weights.numel() * 4, 1)))
        while len(snapshots) > limit:
            # Drop every second snapshot between the first and the last: spacing stays even.
            snapshots[:] = snapshots[:1] + snapshots[2:-1:2] + snapshots[-1:]

    def finish(self, started: float) -> None:
        run = self.run
        run.seconds = time.perf_counter() - started
        test = evaluate(run.model, self.data.test, self.device, self.eval_batch, check=self.check_stop)
        run.metrics.update(test_loss=test["loss"], test_accuracy=test["accuracy"])
        if self.data.order_test is not None and len(self.data.order_test):
            order = evaluate(
                run.model, self.data.order_test, self.device, self.eval_batch, check=self.check_stop
            )
            run.metrics["order_subset_accuracy"] = order["accuracy"]
        for name, probe in self.data.probes.items():
            if len(probe):
                run.metrics[f"{name}_accuracy"] = evaluate(
                    run.model, probe, self.device, self.eval_batch, check=self.check_stop
                )["accuracy"]
        if not run.model.per_step:
            run.metrics.update(classifier_checks(run.model, self.data, run.vocab, run.class_names))
        run.status = "finished"
        run.message = f"Trained {run.steps} steps in {run.seconds:.1f} s."

    def diverged(self, good_state: dict) -> Run:
        """Restore the last finite weights and say what happened and what to change."""
        run = self.run
        run.model.load_state_dict(good_state)
        run.status = "diverged"
        what, value = self.bad_value
        if math.isnan(value):
            happened = f"The {what} became NaN at step {self.bad_step}"
        elif math.isinf(value):
            happened = f"The {what} became infinite at step {self.bad_step}"
        else:
            happened = (
                f"The loss grew to {value:.3g} by step {self.bad_step}, far above the "
                f"{math.log(max(self.data.num_outputs, 2)):.2f} of a random guess"
            )
        advice = "lower the learning rate" + (
            " or turn on gradient clipping" if not run.config.train.clip_grad else ""
        )
        run.message = (
            f"{happened}: training diverged and stopped. To fix it, {advice} (it is "
            f"{run.config.train.learning_rate:g}). The last weights before it blew up are kept."
        )
        return run


def failure_message(error: Exception, run: Run) -> str:
    """What went wrong in words a learner can act on."""
    text = str(error).splitlines()[0][:300] if str(error) else type(error).__name__
    if isinstance(error, torch.OutOfMemoryError) or "out of memory" in text.lower():
        return (
            f"Training ran out of memory after {run.steps} steps: lower the batch size, the "
            "sequence length or the model's sizes."
        )
    return f"Training stopped with an error after {run.steps} steps ({text}). The model so far is kept."


def drop_words(inputs: torch.Tensor, rate: float, generator: torch.Generator) -> torch.Tensor:
    """Word dropout: each real token (not padding or <bos>/<eos>) becomes <unk> with probability `rate`."""
    dropped = torch.rand(inputs.shape, generator=generator) < rate
    return inputs.masked_fill(dropped & (inputs > EOS_ID), UNK_ID)


def classifier_checks(
    model: SequenceModel, data: TaskData, vocab: Vocabulary, class_names: list[str]
) -> dict[str, float]:
    """Expected calibration error on the test split, and P(positive) for inputs with no known word."""
    checks = {
        "test_ece": expected_calibration_error(predicted_probabilities(model, data.test), data.test.targets)
    }
    if "positive" in class_names:
        positive = no_evidence_probabilities(model, vocab)[:, class_names.index("positive")]
        if len(positive):
            checks |= {
                "unknown_p_positive_min": float(positive.min()),
                "unknown_p_positive_max": float(positive.max()),
            }
    return checks


def clone_state(model: SequenceModel) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def train_run(
    run: Run,
    data: TaskData,
    device: torch.device | str = "cpu",
    on_progress: Callable[[Run, TrainingProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    time_limit: float | None = None,
) -> Run:
    """Train `run` on `data` with its own config; the Run is updated as training goes."""
    return Trainer(run, data, device, on_progress, should_stop=should_stop, time_limit=time_limit).train()
