"""What happened to a training run, in words a learner can act on (status messages of a Run)."""

from __future__ import annotations

import math

import torch

from playground.run import Run


def failure_message(error: Exception, run: Run) -> str:
    """What went wrong in words a learner can act on."""
    text = str(error).splitlines()[0][:300] if str(error) else type(error).__name__
    if isinstance(error, torch.OutOfMemoryError) or "out of memory" in text.lower():
        return (
            f"Training ran out of memory after {run.steps} steps: lower the batch size, the "
            "sequence length or the model's sizes."
        )
    return f"Training stopped with an error after {run.steps} steps ({text}). The model so far is kept."


def stopped_message(steps: int, total_steps: int, why: str = "") -> str:
    """A run stopped before its end: where, why (if not the learner's click), and what it keeps."""
    return (
        f"Stopped at step {steps:,} of {total_steps:,}{why}; the model keeps what it learned until "
        "then. It has no test score: it did not finish."
    )


def divergence_message(run: Run, what: str, value: float, step: int, num_outputs: int) -> str:
    """The loss or gradient that blew up, when, and what to change (the learning rate, clipping)."""
    if math.isnan(value):
        happened = f"The {what} became NaN at step {step}"
    elif math.isinf(value):
        happened = f"The {what} became infinite at step {step}"
    else:
        happened = (
            f"The loss grew to {value:.3g} by step {step}, far above the "
            f"{math.log(max(num_outputs, 2)):.2f} of a random guess"
        )
    rate = run.config.train.learning_rate
    advice = f"lower the learning rate (now {rate:g})"
    if not run.config.train.clip_grad:
        advice += " or turn on gradient clipping (now off)"
    return (
        f"{happened}: training diverged and stopped. To fix it, {advice}. The last weights before "
        "it blew up are kept."
    )
