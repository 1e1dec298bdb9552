"""The live training view: a progress bar and loss/accuracy curves that update while training."""

from __future__ import annotations

import contextlib
import itertools
import logging
import time
from collections.abc import Callable, Iterator

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequestType
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from playground.budget import (
    MAX_MEMORY_MB,
    MAX_MINUTES,
    Estimate,
    estimate_run,
    format_duration,
    format_mb,
    over_budget,
)
from playground.config import ExperimentConfig, default_config
from playground.data.datasets import TaskData
from playground.figures.training import training_curve
from playground.memory import release_memory
from playground.run import ConfigError, Run, create_run
from playground.text import escape_markdown
from playground.train import TrainingProgress, train_run
from ui.state import active_run, add_run, builtin_data, device, persist, training_slots

_chart_ids = itertools.count()
CHECKPOINT_SECONDS = 15.0  # a training writes its run to the store at most this often
logger = logging.getLogger(__name__)


def draw_curves(run: Run, loss_slot, accuracy_slot) -> None:
    """Fill two placeholders with the run's loss and accuracy curves."""
    history = run.history
    if history.empty:
        return
    n = next(_chart_ids)
    loss_slot.plotly_chart(training_curve(history, "loss", run.baseline.get("loss")), key=f"loss_{n}")
    accuracy_slot.plotly_chart(
        training_curve(history, "accuracy", run.baseline.get("accuracy")), key=f"accuracy_{n}"
    )


def progress_text(p: TrainingProgress) -> str:
    text = f"Step {p.step:,} of {p.total_steps:,} · epoch {p.epoch:.2f} · train loss {p.train_loss:.3f}"
    if p.val_accuracy is not None:
        text += f" · validation accuracy {p.val_accuracy:.1%}"
    return text + f" · {p.seconds:.1f} s"


def train_live(config: ExperimentConfig, data: TaskData, side_by_side: bool = True) -> Run | None:
    """Train a new run, drawing progress as it goes; the run is kept in the session from the start.

    Refuses a run the server cannot afford (memory or time over its settings) before building it.
    """
    refusal = over_budget(estimate_run(config, data))
    if refusal is not None:
        st.error(refusal, icon=":material/block:")
        return None
    try:
        run = create_run(config, data)
    except ConfigError as error:
        st.error(escape_markdown(str(error), 1000))
        return None
    with training_slot() as granted:
        if not granted:
            return None
        release_memory()  # what runs deleted since the last training left behind
        try:
            return _train_with_progress(run, data, side_by_side)
        finally:
            release_memory()  # the optimizer's state and the activations, handed back to the OS


def estimate_note(config: ExperimentConfig, data: TaskData) -> Estimate:
    """Show what the run will cost, as an error where the server would refuse it; return the estimate."""
    estimate = estimate_run(config, data)
    refusal = over_budget(estimate)
    if refusal is not None:
        st.error(refusal, icon=":material/block:")
    else:
        st.caption(
            f"Estimated cost: {format_mb(estimate.peak_mb)} of memory, "
            f"{format_duration(estimate.seconds)} ({estimate.steps:,} steps). The server allows "
            f"{format_mb(MAX_MEMORY_MB)} and {format_duration(MAX_MINUTES * 60)} per training."
        )
    return estimate


def stop_requested() -> Callable[[], bool]:
    """A check the trainer calls between steps: True once Stop is pressed, any other click reruns
    the page, or the tab is closed (Streamlit asks this script run to stop in all three cases)."""
    context = get_script_run_ctx()
    requests = getattr(context, "script_requests", None)
    if requests is None:  # not inside a script run (a test calling the function directly)
        return lambda: False
    return lambda: getattr(requests, "_state", None) in (ScriptRequestType.STOP, ScriptRequestType.RERUN)


@contextlib.contextmanager
def training_slot() -> Iterator[bool]:
    """One of the server's training slots for the block, or False and a "busy" message."""
    slots = training_slots()
    if not slots.acquire(blocking=False):
        st.warning(
            "The server is busy training other people's models. Try again in a moment; your "
            "runs so far are kept.",
            icon=":material/hourglass_empty:",
        )
        yield False
        return
    try:
        yield True
    finally:
        slots.release()


def _train_with_progress(run: Run, data: TaskData, side_by_side: bool) -> Run:
    """Keep the run in the session, then train it with a Stop button, a progress bar and curves."""
    add_run(run)
    controls, status = st.columns([1, 3], vertical_alignment="center")
    controls.button(
        "Stop training",
        icon=":material/stop:",
        key=f"stop_{run.id}",
        help="Stops after the current step; the model keeps what it has learned.",
    )
    # A click reruns the script: Streamlit asks this run to stop, and the trainer checks for that
    # between steps (stop_requested), so the thread and its training slot are free within a step.
    bar = status.progress(0.0, text="Starting…")
    if side_by_side:
        loss_slot, accuracy_slot = (column.empty() for column in st.columns(2))
    else:
        loss_slot, accuracy_slot = st.empty(), st.empty()
    last_draw = last_save = time.perf_counter()

    def show(run: Run, progress: TrainingProgress) -> None:
        nonlocal last_draw, last_save
        bar.progress(progress.fraction, text=progress_text(progress))
        if time.perf_counter() - last_draw > 1.0:
            draw_curves(run, loss_slot, accuracy_slot)
            last_draw = time.perf_counter()
        if time.perf_counter() - last_save > CHECKPOINT_SECONDS:
            persist(run)  # weights that just passed the divergence check: a server crash keeps them
            last_save = time.perf_counter()

    try:
        train_run(run, data, device(), show, should_stop=stop_requested(), time_limit=MAX_MINUTES * 60)
    except Exception:  # the run says what failed; Streamlit's own signals are not Exceptions
        logger.exception("training %s failed", run.name)
    finally:
        persist(run)  # finished, diverged, failed, or interrupted by a click: kept across reloads
    return run


def show_outcome(run: Run) -> None:
    """Say how training ended, with numbers next to the baseline; only a finished run is a success."""
    if run.status in ("diverged", "failed"):
        st.error(escape_markdown(run.message, 1000))
        return
    if run.status in ("stopped", "interrupted"):
        st.warning(escape_markdown(run.message, 1000), icon=":material/stop_circle:")
        return
    if run.status not in ("finished", "loaded"):  # still stopping, or never started
        st.info(f"**{run.name}** is still stopping (step {run.steps:,} of {run.total_steps:,}).")
        return
    m = run.metrics
    text = (
        f"**{run.name}** trained {run.steps:,} steps in {run.seconds:.1f} s on {run.device}. "
        f"Test accuracy **{m.get('test_accuracy', 0):.1%}** (a model that ignores its input: "
        f"{run.baseline['accuracy']:.1%})."
    )
    if "order_subset_accuracy" in m:
        text += f" On the order-sensitive sentences: **{m['order_subset_accuracy']:.1%}**."
    if "unseen_structure_accuracy" in m:
        text += f" On sentences of structures it never trained on: **{m['unseen_structure_accuracy']:.1%}**."
    if run.task == "next-word":
        text += (
            " Far from 100%, and rightly: the next word is often a free choice (after “the” comes any of "
            "dozens of words), so even a perfect model of the language guesses it only part of the time; "
            "that ceiling, not 100%, is what to compare with."
        )
    st.success(text)


def train_default_buttons(choices: list[tuple[str, str, str, str]], rerun: bool = True) -> Run | None:
    """One button per (label, task, arch, key), side by side, each training that default model here.

    The first is the primary one. Returns the run trained on this click (after a rerun if `rerun`).
    """
    trained = None
    for i, (column, (label, task, arch, key)) in enumerate(
        zip(st.columns(len(choices)), choices, strict=True)
    ):
        if column.button(label, type="primary" if i == 0 else "secondary", width="stretch", key=key):
            config = default_config(task, arch)
            trained = train_live(config, builtin_data(config.data))
    if trained is not None and rerun:
        st.rerun()  # so the sidebar lists the new run
    return trained


def require_run(key: str) -> Run:
    """The active run; without one, say what to do, offer to train one here, and stop the page."""
    run = active_run()
    if run is not None:
        return run
    st.info(
        "There is no trained model yet. Train one here in a few seconds, or configure one on the Train page."
    )
    train_default_buttons(
        [
            ("Train a sentiment model", "sentiment", "lstm", f"{key}_quick_sentiment"),
            ("Train a next-word model", "next-word", "lstm", f"{key}_quick_next"),
        ]
    )
    st.stop()
