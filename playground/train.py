"""The training loop: batches, updates, logging and stopping; everything else hooks in as a callback.

Like minGPT's trainer, it knows nothing of the UI: progress, embedding snapshots and gradient probes
are callbacks on its events (`add_callback`), and the run's messages come from `outcomes`.
"""

from __future__ import annotations

import math
import os
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import torch

from playground.config import TrainConfig
from playground.data.datasets import TaskData
from playground.data.tokenizer import EOS_ID, UNK_ID
from playground.device import describe_device
from playground.evaluation import evaluate, evaluation_batch, final_metrics, step_loss
from playground.models import SequenceModel
from playground.optim import learning_rate_factor, make_optimizer
from playground.outcomes import divergence_message, failure_message, stopped_message
from playground.recording import GradientRecorder, record_snapshot
from playground.run import Run

MAX_TRAINING_STEPS = int(os.environ.get("PLAYGROUND_MAX_STEPS", 50_000))  # per run, for a shared server
EVENTS = ("on_train_start", "on_backward", "on_log", "on_epoch_end")


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


def planned_steps(config: TrainConfig, examples: int) -> int:
    """Updates a run will make: its epochs, cut at its own step limit and the server's."""
    total = math.ceil(examples / config.batch_size) * config.epochs
    return min(total, config.max_steps or total, MAX_TRAINING_STEPS)


def default_log_interval(total_steps: int) -> int:
    """Steps per logged point: at least 20 points, 10 to 20 steps apart in longer runs (each costs a sync)."""
    fewest = min(10, max(1, total_steps // 20))
    return max(fewest, min(20, total_steps // 100))


def drop_words(inputs: torch.Tensor, rate: float, generator: torch.Generator) -> torch.Tensor:
    """Word dropout: each real token (not padding or <bos>/<eos>) becomes <unk> with probability `rate`."""
    dropped = torch.rand(inputs.shape, generator=generator) < rate
    return inputs.masked_fill(dropped & (inputs > EOS_ID), UNK_ID)


# Sentiment rows are sorted by length in pools of two batches, one shorter and one longer. A pool
# of 50 batches pads less still, but its batches hold one kind of sentence each (all short
# phrases, all lists), and the default Transformer fell from 93% to 85% on unseen structures.
BUCKET_BATCHES = 2


def batch_order(
    lengths: torch.Tensor, batch_size: int, generator: torch.Generator, pool: int | None = BUCKET_BATCHES
) -> list[torch.Tensor]:
    """One epoch's batches of row indices: shuffled, with rows of like length batched together.

    A batch is padded to its longest row, so a random batch of short reviews with one long list
    pays for the list at every position (and attention for its square). The rows are shuffled,
    cut into pools of `pool` batches, each pool sorted by length and cut into batches, and the
    batches shuffled: every row once an epoch, the same number of steps, less padding (the
    "bucketing" of fairseq and torchtext's BucketIterator). With `pool` None, or rows all of one
    length, the batches are the shuffled rows in turn.
    """
    order = torch.randperm(len(lengths), generator=generator)
    if len(lengths) == 0:
        return []
    if pool is None or bool(lengths.min() == lengths.max()):
        return list(order.split(batch_size))
    rows = batch_size * pool
    batches = []
    for start in range(0, len(order), rows):
        part = order[start : start + rows]
        batches += part[torch.argsort(lengths[part], stable=True)].split(batch_size)
    return [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]


def bucket_pool(task: str) -> int | None:
    """Batches per length-sorted pool when training on `task`; None for plain shuffled batches."""
    # Next-word batches stay random: its sentences vary less in length (bucketing saved 8% of the
    # default Transformer's time) and its attention to the subject was less steady.
    return None if task == "next-word" else BUCKET_BATCHES


def clone_state(model: SequenceModel) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


class Trainer:
    """Trains a Run's model in place, so whatever finished survives an interruption.

    `should_stop` is called before every step and every evaluation batch (a cheap flag read), so
    a Stop takes effect within one step; `time_limit` (seconds) stops a run that overruns.
    Events: on_train_start, on_backward (gradients computed, not yet clipped), on_log (a logged
    point; `self.progress` holds it), on_epoch_end. Each callback gets the trainer.
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
        self.run, self.data, self.device = run, data, torch.device(device)
        self.should_stop, self.time_limit = should_stop, time_limit
        train = run.config.train
        self.steps_per_epoch = math.ceil(len(data.train) / train.batch_size)
        self.total_steps = planned_steps(train, len(data.train))
        self.log_every = log_every or default_log_interval(self.total_steps)
        self.eval_every = max(self.log_every, self.steps_per_epoch // 2)
        self.pool = bucket_pool(run.task)
        # A loss far above a random guess's, ln(outputs), means training blew up even if still finite.
        self.explode_above = 10 * (math.log(max(data.num_outputs, 2)) + 1)
        self.learning_rate = train.learning_rate  # of the latest update, logged with each interval
        self.eval_batch = evaluation_batch(train.batch_size, int(data.train.inputs.shape[1]))
        self.dropout_generator = torch.Generator().manual_seed(train.seed + 1)
        self.started = time.perf_counter()
        self.step = self.epoch = 0
        self.progress: TrainingProgress | None = None
        self.callbacks: dict[str, list[Callable[[Trainer], None]]] = defaultdict(list)
        self.add_callback("on_train_start", record_snapshot)
        self.add_callback("on_epoch_end", record_snapshot)
        if record_gradients:
            self.add_callback("on_backward", GradientRecorder(self))
        if on_progress is not None:
            self.add_callback("on_log", lambda trainer: on_progress(trainer.run, trainer.progress))

    def add_callback(self, event: str, callback: Callable[[Trainer], None]) -> None:
        if event not in EVENTS:
            raise ValueError(f"unknown event {event!r}; one of {EVENTS}")
        self.callbacks[event].append(callback)

    def trigger(self, event: str) -> None:
        for callback in self.callbacks[event]:
            callback(self)

    def train(self) -> Run:
        """Run the loop; stop cleanly on a non-finite loss or gradient, keeping the last good weights."""
        run, config, device = self.run, self.run.config.train, self.device
        model = run.model.to(device)
        model.train()
        optimizer = make_optimizer(model, config)
        generator = torch.Generator().manual_seed(config.seed)
        run.settled.clear()
        run.status, run.device, run.total_steps = "training", describe_device(device), self.total_steps
        self.trigger("on_train_start")
        started = self.started = time.perf_counter()
        good_state = clone_state(model)
        losses = torch.zeros(self.log_every, device=device)  # per-step values, synced once per log
        norms = torch.zeros(self.log_every, device=device)
        correct = torch.zeros((), device=device)
        counted = torch.zeros((), device=device)
        filled = 0
        next_eval = self.eval_every
        try:
            for self.epoch in range(config.epochs):
                batches = batch_order(self.data.train.lengths, config.batch_size, generator, self.pool)
                for number, index in enumerate(batches):
                    self.check_stop()
                    batch = self.data.train.batch(index)
                    if config.word_dropout > 0:
                        batch = (
                            drop_words(batch[0], config.word_dropout, self.dropout_generator),
                            *batch[1:],
                        )
                    inputs, lengths, targets = (t.to(device, non_blocking=True) for t in batch)
                    loss, batch_correct, batch_count = step_loss(model, inputs, lengths, targets)
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    self.trigger("on_backward")
                    max_norm = config.clip_grad if config.clip_grad > 0 else float("inf")
                    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
                    losses[filled], norms[filled] = loss.detach(), norm
                    filled += 1
                    correct += batch_correct
                    counted += batch_count
                    if config.schedule != "constant":
                        factor = learning_rate_factor(self.step, self.total_steps, config.schedule)
                        self.learning_rate = config.learning_rate * factor
                        for group in optimizer.param_groups:
                            group["lr"] = self.learning_rate
                    optimizer.step()
                    self.step = run.steps = self.step + 1
                    epoch_done = number == len(batches) - 1
                    if filled == self.log_every or self.step >= self.total_steps or epoch_done:
                        finite = self.end_interval(filled, losses, norms, correct, counted, started)
                        filled = 0
                        if not finite:
                            return self.diverged(good_state)
                        good_state = clone_state(model)
                        # Log points need not land on a multiple of eval_every: validate once past it.
                        if self.step >= next_eval or self.step >= self.total_steps or epoch_done:
                            self.validate()
                            next_eval = (self.step // self.eval_every + 1) * self.eval_every
                        self.log()
                    if self.step >= self.total_steps:
                        break
                self.epoch += 1
                self.trigger("on_epoch_end")
                if self.step >= self.total_steps:
                    break
            self.finish(started)
        except StopTraining as stop:
            run.status = "stopped"
            run.message = stopped_message(run.steps, self.total_steps, str(stop))
        except Exception as error:  # a UI's control-flow signals are BaseExceptions and pass
            run.status = "failed"
            run.message = failure_message(error, run)
            raise
        finally:
            if run.status == "training":
                run.status = "interrupted"
                run.message = stopped_message(run.steps, self.total_steps)
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
        n: int,
        losses: torch.Tensor,
        norms: torch.Tensor,
        correct: torch.Tensor,
        counted: torch.Tensor,
        started: float,
    ) -> bool:
        """Sync the interval's per-step numbers once and log them; False if training blew up."""
        step = self.step
        step_losses, step_norms = losses[:n].tolist(), norms[:n].tolist()
        for i, (loss, norm) in enumerate(zip(step_losses, step_norms, strict=True)):
            if not (math.isfinite(loss) and math.isfinite(norm)):
                self.bad_step = step - n + i + 1
                self.bad_value = ("loss", loss) if not math.isfinite(loss) else ("gradient", norm)
                return False
        mean_loss = sum(step_losses) / n
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
        if mean_loss > self.explode_above:  # logged first, so the curve shows the blow-up it stopped at
            self.bad_step, self.bad_value = step, ("loss", mean_loss)
            return False
        return True

    def validate(self) -> None:
        result = evaluate(
            self.run.model, self.data.validation, self.device, self.eval_batch, check=self.check_stop
        )
        self.run.metrics.update(val_loss=result["loss"], val_accuracy=result["accuracy"])
        self.run.history_rows.append(
            {
                "step": self.step,
                "epoch": self.step / self.steps_per_epoch,
                "split": "validation",
                "loss": result["loss"],
                "accuracy": result["accuracy"],
                "seconds": self.run.seconds,
            }
        )

    def log(self) -> None:
        """Make the newest logged point the trainer's `progress` and tell the on_log callbacks."""
        last_train = next(r for r in reversed(self.run.history_rows) if r["split"] == "train")
        self.progress = TrainingProgress(
            step=self.step,
            total_steps=self.total_steps,
            epoch=self.step / self.steps_per_epoch,
            seconds=self.run.seconds,
            train_loss=last_train["loss"],
            train_accuracy=last_train["accuracy"],
            val_loss=self.run.metrics.get("val_loss"),
            val_accuracy=self.run.metrics.get("val_accuracy"),
        )
        self.trigger("on_log")

    def finish(self, started: float) -> None:
        run = self.run
        run.seconds = time.perf_counter() - started
        run.metrics.update(
            final_metrics(
                run.model,
                self.data,
                run.vocab,
                run.class_names,
                self.device,
                self.eval_batch,
                self.check_stop,
            )
        )
        run.status = "finished"
        run.message = f"Trained {run.steps} steps in {run.seconds:.1f} s."

    def diverged(self, good_state: dict) -> Run:
        """Restore the last finite weights and say what happened and what to change."""
        run = self.run
        run.model.load_state_dict(good_state)
        run.status = "diverged"
        what, value = self.bad_value
        run.message = divergence_message(run, what, value, self.bad_step, self.data.num_outputs)
        return run


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
