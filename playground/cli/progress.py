"""Training progress on stderr: a tqdm bar in a terminal, a plain line now and then in a log file."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

from tqdm import tqdm

from playground.run import Run
from playground.train import TrainingProgress

BAR_DELAY_S = 2.0  # a run that ends sooner prints no bar at all
LOG_EVERY_S = 10.0  # where stderr is a file (a cluster job's log), one line this often


class ProgressBar:
    """Called by the Trainer at every logged point; shows steps, loss and validation accuracy."""

    def __init__(
        self, stream: TextIO | None = None, delay: float = BAR_DELAY_S, log_every: float = LOG_EVERY_S
    ):
        self.stream = stream or sys.stderr
        self.delay = delay
        self.log_every = log_every
        self.terminal = bool(getattr(self.stream, "isatty", lambda: False)())
        self.bar: tqdm | None = None
        self.started = time.perf_counter()
        self.last_line = self.started

    def __call__(self, run: Run, progress: TrainingProgress) -> None:
        numbers = {"epoch": f"{progress.epoch:.2f}", "loss": f"{progress.train_loss:.3f}"}
        if progress.val_accuracy is not None:
            numbers["val acc"] = f"{progress.val_accuracy:.1%}"
        if self.terminal:
            if self.bar is None:
                # A terminal that reports no width (some pseudo-terminals) would get an empty bar.
                sized = terminal_width(self.stream) > 0
                self.bar = tqdm(
                    total=progress.total_steps,
                    unit="step",
                    desc="training",
                    file=self.stream,
                    delay=self.delay,
                    dynamic_ncols=sized,
                    ncols=None if sized else 100,
                    leave=True,
                )
            self.bar.set_postfix(numbers, refresh=False)
            self.bar.update(progress.step - self.bar.n)
            return
        now = time.perf_counter()
        if now - self.last_line >= self.log_every or (
            progress.step >= progress.total_steps and now - self.started >= self.delay
        ):
            self.last_line = now
            shown = "  ".join(f"{key} {value}" for key, value in numbers.items())
            print(
                f"step {progress.step:,}/{progress.total_steps:,}  {shown}  {progress.seconds:.1f} s",
                file=self.stream,
                flush=True,
            )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def terminal_width(stream: TextIO) -> int:
    """The width the terminal behind `stream` reports, 0 where it reports none."""
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return 0
