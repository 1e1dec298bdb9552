"""The live training view: a progress bar and loss/accuracy curves that update while training."""

from __future__ import annotations

import contextlib
import itertools
import logging
import time
from collections.abc import Iterator

import streamlit as st

from playground.config import ExperimentConfig, default_config
from playground.data.datasets import TaskData
from playground.figures.training import training_curve
from playground.train import ConfigError, Progress, Run, create_run, train_run
from ui.state import active_run, add_run, builtin_data, device, training_slots

_chart_ids = itertools.count()
logger = logging.getLogger(__name__)


def draw_curves(run: Run, loss_slot, accuracy_slot) -> None:
    """Fill two placeholders with the run's loss and accuracy curves."""
    history = run.history
    if history.empty:
        return
    n = next(_chart_ids)
    loss_slot.plotly_chart(training_curve(history, "loss", run.baseline.get("loss")), key=f"loss_{n}")
    accuracy_slot.plotly_chart(training_curve(history, "accuracy", run.baseline.get("accuracy")),
                               key=f"accuracy_{n}")


def progress_text(p: Progress) -> str:
    text = f"Step {p.step:,} of {p.total_steps:,} · epoch {p.epoch:.2f} · train loss {p.train_loss:.3f}"
    if p.val_accuracy is not None:
        text += f" · validation accuracy {p.val_accuracy:.1%}"
    return text + f" · {p.seconds:.1f} s"


def train_live(config: ExperimentConfig, data: TaskData, side_by_side: bool = True) -> Run | None:
    """Train a new run, drawing progress as it goes; the run is kept in the session from the start."""
    try:
        run = create_run(config, data)
    except ConfigError as error:
        st.error(str(error))
        return None
    with training_slot() as granted:
        return _train_with_progress(run, data, side_by_side) if granted else None


@contextlib.contextmanager
def training_slot() -> Iterator[bool]:
    """One of the server's training slots for the block, or False and a "busy" message."""
    slots = training_slots()
    if not slots.acquire(blocking=False):
        st.warning("The server is busy training other people's models. Try again in a moment; your "
                   "runs so far are kept.", icon=":material/hourglass_empty:")
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
    # Any click reruns the script, which stops training where it is; this button says so.
    controls.button("Stop training", icon=":material/stop:", key=f"stop_{run.id}",
                    help="Stops after the current step; the model keeps what it has learned.")
    bar = status.progress(0.0, text="Starting…")
    if side_by_side:
        loss_slot, accuracy_slot = (column.empty() for column in st.columns(2))
    else:
        loss_slot, accuracy_slot = st.empty(), st.empty()
    last_draw = 0.0

    def show(run: Run, progress: Progress) -> None:
        nonlocal last_draw
        bar.progress(progress.fraction, text=progress_text(progress))
        if time.perf_counter() - last_draw > 1.0:
            draw_curves(run, loss_slot, accuracy_slot)
            last_draw = time.perf_counter()

    try:
        train_run(run, data, device(), show)
    except Exception:  # the run says what failed; Streamlit's own signals are not Exceptions
        logger.exception("training %s failed", run.name)
    return run


def show_outcome(run: Run) -> None:
    """Say how training ended, with numbers next to the baseline."""
    if run.status in ("diverged", "failed"):
        st.error(run.message)
        return
    if run.status == "interrupted":
        st.warning(run.message)
        return
    m = run.metrics
    text = (f"**{run.name}** trained {run.steps:,} steps in {run.seconds:.1f} s on {run.device}. "
            f"Test accuracy **{m.get('test_accuracy', 0):.1%}** (a model that ignores its input: "
            f"{run.baseline['accuracy']:.1%}).")
    if "order_subset_accuracy" in m:
        text += f" On the order-sensitive sentences: **{m['order_subset_accuracy']:.1%}**."
    if "unseen_structure_accuracy" in m:
        text += (f" On sentences of structures it never trained on: "
                 f"**{m['unseen_structure_accuracy']:.1%}**.")
    st.success(text)


def require_run(key: str) -> Run:
    """The active run; without one, say what to do, offer to train one here, and stop the page."""
    run = active_run()
    if run is not None:
        return run
    st.info("There is no trained model yet. Train one here in a few seconds, or configure one on "
            "the Train page.")
    left, right = st.columns(2)
    task = None
    if left.button("Train a sentiment model", type="primary", width="stretch", key=f"{key}_quick_sentiment"):
        task = "sentiment"
    if right.button("Train a next-word model", width="stretch", key=f"{key}_quick_next"):
        task = "next-word"
    if task:
        config = default_config(task, "lstm")
        if train_live(config, builtin_data(config.data)) is not None:
            st.rerun()
    st.stop()
