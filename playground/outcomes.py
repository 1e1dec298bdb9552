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


BARELY_BETTER = 0.02  # test accuracy within this of the input-blind model's: not learned
# A classifier must also go a tenth of the way from that model to 100%: for two classes, 50.9% against
# 48.6% passed the 2 points and was a coin's score. Not for next words, whose ceiling is far below 100%.
BARELY_BETTER_SHARE = 0.1


def not_learned(run: Run) -> str | None:
    """'no better' or 'barely better' where a finished run's test accuracy is not clearly above the
    model that ignores its input (49.1% against 48.6% for two classes is a coin's score); else None."""
    if "test_accuracy" not in run.metrics or not run.baseline:
        return None
    baseline = run.baseline["accuracy"]
    gain = run.metrics["test_accuracy"] - baseline
    needed = (
        BARELY_BETTER if run.task == "next-word" else max(BARELY_BETTER, BARELY_BETTER_SHARE * (1 - baseline))
    )
    if gain > needed:
        return None
    return "no better" if gain <= 0 else "barely better"


def trust_note(run: Run) -> str | None:
    """What to know before trusting a model's answers: a training that diverged, failed or did not
    finish, or a test score not clearly above the model that ignores its input; None for a sound one.
    Starts in lower case, for "note: …" on the command line; Predict capitalises it."""
    if run.status in ("diverged", "failed"):
        return f"this model's training {run.status}; its answers mean little. {run.message}"
    if run.status in ("stopped", "interrupted"):
        return (
            f"this model's training did not finish (step {run.steps:,} of {run.total_steps:,}); it "
            "answers with what it had learned by then."
        )
    if (how := not_learned(run)) is not None:
        return (
            f"this model scored {how} than one that ignores its input ({run.metrics['test_accuracy']:.1%} "
            f"of its test set against {run.baseline['accuracy']:.1%}): it has not learned the task, so its "
            "answers mean little."
        )
    return None


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


NEXT_WORD_CEILING = (
    "far from 100%, and rightly: the next word is often a free choice (after “the” comes any of dozens of "
    "words), so even a perfect model of the language guesses it only part of the time; that ceiling, not "
    "100%, is what to compare with."
)


def clipping_outcome(run: Run) -> tuple[str, str]:
    """How one run of the clipping comparison went, from its own curve: ("blew up" | "trained" |
    "diverged" | "did not learn", the sentence that says so with its numbers).

    A run blew up when its logged loss rose to more than twice where it started; it trained when it
    ended below a model that ignores its input (the unigram or majority baseline).
    """
    rows = run.history[run.history["split"] == "train"] if not run.history.empty else run.history
    if run.status == "diverged":
        return "diverged", run.message
    if rows.empty or run.status != "finished":
        return "did not learn", run.message
    first, peak, last = (float(v) for v in (rows["loss"].iloc[0], rows["loss"].max(), rows["loss"].iloc[-1]))
    peak_step = int(rows["step"].iloc[int(rows["loss"].to_numpy().argmax())])
    # A logged loss is the mean over the steps since the last point: the first one already holds the
    # first climb (6.01 against the clipped run's 5.17, for runs that both start from one seed's weights)
    span = int(rows["step"].iloc[0])
    start = f"{first:.2f} (its mean over steps 1–{span})" if span > 1 else f"{first:.2f}"
    accuracy, base_loss = run.metrics.get("test_accuracy", 0.0), run.baseline.get("loss", math.nan)
    base_accuracy = run.baseline.get("accuracy", 0.0)
    scores = (
        f"test accuracy {accuracy:.1%}, against {base_accuracy:.1%} for a model that ignores its input "
        f"(loss {base_loss:.2f})"
    )
    if peak > 2 * first:
        return "blew up", (
            f"The loss rose from {start} to {peak:.1f} by step {peak_step} and ended at {last:.2f}: "
            f"{scores}. Each large gradient, times the learning rate, was a step far too long for the "
            "slope it was measured on."
        )
    clipped = int(rows["clipped"].sum()) if "clipped" in rows else 0
    note = (
        f" Its gradient norm was over {run.config.train.clip_grad:g} and scaled down at {clipped:,} of "
        f"{run.steps:,} steps."
        if run.config.train.clip_grad > 0
        else ""
    )
    kind = "trained" if last < base_loss else "did not learn"
    return kind, f"The loss went from {start} to {last:.2f}: {scores}.{note}"
