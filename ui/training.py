"""The live training view: a progress bar and loss/accuracy curves that update while training."""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequestType
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from playground import training_process
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
from playground.io import ModelFileError, load_run
from playground.memory import release_memory
from playground.outcomes import NEXT_WORD_CEILING, not_learned, stopped_message
from playground.run import ConfigError, Run, create_run
from playground.run_store import CHECKPOINT_SECONDS
from playground.shared_training import Flight, SharedTrainings, shareable, training_key
from playground.text import capitalized, escape_markdown
from playground.train import TrainingProgress, train_run
from playground.training_process import ChildTraining
from ui.session_cache import kept, run_key
from ui.state import (
    THREADS_PER_TRAINING,
    active_run,
    add_run,
    builtin_data,
    device,
    full_note,
    number_giver,
    pending_write,
    run_saver,
    runs,
    shared_trainings,
    training_slots,
)

_chart_ids = itertools.count()
WATCH_DRAW_SECONDS = 2.0  # a shared training's watchers redraw its curves at most this often (30 pages)
WATCHERS_PER_DRAW_INTERVAL = 5  # with more watchers, each redraws less often: 20 watchers, every 8 s
logger = logging.getLogger(__name__)


def draw_curves(run: Run, loss_slot, accuracy_slot, key: str | None = None) -> None:
    """Fill two placeholders with the run's loss and accuracy curves.

    A live training redraws them several times in one script run, so each drawing gets a fresh chart
    key; a page that draws a run once passes its own `key`, and its figures are kept for the next rerun.
    """
    history = run.history
    if history.empty:
        return

    def build() -> tuple:
        return (
            training_curve(history, "loss", run.baseline.get("loss")),
            training_curve(history, "accuracy", run.baseline.get("accuracy")),
        )

    loss, accuracy = build() if key is None else kept(("curves", run_key(run), len(history)), build)
    n = key or next(_chart_ids)
    loss_slot.plotly_chart(loss, key=f"loss_{n}")
    accuracy_slot.plotly_chart(accuracy, key=f"accuracy_{n}")


def progress_text(p: TrainingProgress) -> str:
    text = f"Step {p.step:,} of {p.total_steps:,} · epoch {p.epoch:.2f} · train loss {p.train_loss:.3f}"
    if p.val_accuracy is not None:
        text += f" · validation accuracy {p.val_accuracy:.1%}"
    return text + f" · {p.seconds:.1f} s"


def train_live(
    config: ExperimentConfig,
    data: TaskData,
    side_by_side: bool = True,
    data_identity: str | None = None,
    fresh: bool = False,
) -> Run | None:
    """Train a run for this learner, drawing progress as it goes; None if the server refused.

    Settings that train to the same numbers every time (`shareable`) on data with an identity
    (built-in, or an upload's content hash in `data_identity`) are trained once for everyone: a
    stored result is copied at once, a training in progress is watched. `fresh` trains privately,
    for a learner who wants to watch it happen. Refuses a run the server cannot afford (memory or
    time over its settings) before building it.
    """
    estimate = estimate_run(config, data)
    refusal = over_budget(estimate)
    if refusal is not None:
        st.error(refusal, icon=":material/block:")
        return None
    identity = data_identity or ("built-in" if config.data.source == "built-in" else None)
    if not fresh and identity is not None and shareable(config):
        try:
            return _train_shared(config, data, identity, side_by_side)
        except OSError:  # the store's shared folder is not writable: train for this learner alone
            logger.exception("shared training unavailable")
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
            return _train_with_progress(run, data, side_by_side, estimate.seconds)
        finally:
            release_memory()  # the optimizer's state and the activations, handed back to the OS


def _train_shared(config: ExperimentConfig, data: TaskData, identity: str, side_by_side: bool) -> Run | None:
    """Copy the stored run for these settings, else watch (or start) the one training of them."""
    hub = shared_trainings()
    key = training_key(config, identity, device(), hub.threads)
    for _ in range(3):  # a process training it elsewhere may stop or die: then look again
        stored = hub.finished(key)
        if stored is not None:
            return _keep_copy(stored, watched=False)
        flight = hub.join(key)
        if flight is None and not hub.training_elsewhere(key):
            try:
                run = create_run(config, data)
            except ConfigError as error:
                st.error(escape_markdown(str(error), 1000))
                return None
            slots = training_slots()
            if not slots.acquire(blocking=False):
                _say_busy()
                return None
            flight = hub.start(key, run, data, device(), slots.release)
            if flight is None:
                continue  # stored or started elsewhere since the look above: look again
        if flight is not None:
            return _watch(hub, flight, side_by_side)
        if _watch_elsewhere(hub, key, side_by_side):
            return None  # the learner pressed Stop or left
    st.warning("This training could not be finished on this server. Press Train to try again.")
    return None


def _keep_copy(run: Run, watched: bool) -> Run:
    """Keep this learner's own copy of a shared run, noting how it was shared."""
    st.session_state.setdefault("shared_runs", {})[run.id] = (run.created, watched)
    add_run(run)
    return run


def _live_view(run_id: str, side_by_side: bool) -> tuple:
    """The Stop button, a progress bar and two curve placeholders."""
    # One row: the button as wide as its label, the bar the rest (a quarter column cut "Stop tra…")
    row = st.container(horizontal=True, vertical_alignment="center")
    row.button(
        "Stop training",
        icon=":material/stop:",
        key=f"stop_{run_id}",
        help="Stops after the current step; the model keeps what it has learned.",
    )
    bar = row.progress(0.0, text="Starting…")
    if side_by_side:
        loss_slot, accuracy_slot = (column.empty() for column in st.columns(2))
    else:
        loss_slot, accuracy_slot = st.empty(), st.empty()
    return bar, loss_slot, accuracy_slot


def _watch(hub: SharedTrainings, flight: Flight, side_by_side: bool) -> Run | None:
    """Follow the one training of these settings; keep a copy when it ends, or a stopped copy on Stop."""
    st.caption(
        "Everyone on this server who asks for these settings shares this one training: the "
        "seed fixes the numbers, so each of you gets the same model, as your own copy."
    )
    watching = st.session_state["watching"] = threading.Event()
    # A click stops this script run at its next Streamlit call, and after that every Streamlit call
    # (st.session_state included) raises again: a copy made then is handed over in this plain list,
    # which the next script run takes in (ui.state.settle_runs).
    arrivals: list = st.session_state.setdefault("arrived_copies", [])
    save, give_number = run_saver(), number_giver()  # for a copy made after a reload stopped this run
    leave, finish = pending_write()  # a reloaded tab waits for that copy to reach the store
    stop = stop_requested()
    copy = failed = None
    try:
        bar, loss_slot, accuracy_slot = _live_view(flight.key[:12], side_by_side)
        last_draw, shown_step, shown_rows = 0.0, -1, 0
        while not flight.done.wait(0.5) and not stop():
            run = flight.run
            rows = run.history_rows[:]  # the trainer appends; a copy is a consistent view
            if run.steps != shown_step:
                bar.progress(*_shared_progress(run.steps, run.total_steps, rows, flight.watchers))
                shown_step = run.steps
            interval = WATCH_DRAW_SECONDS * max(1.0, flight.watchers / WATCHERS_PER_DRAW_INTERVAL)
            if len(rows) != shown_rows and time.perf_counter() - last_draw > interval:
                loss, accuracy = _shared_figures(flight, run, rows)
                n = next(_chart_ids)
                loss_slot.plotly_chart(loss, key=f"loss_{n}")
                accuracy_slot.plotly_chart(accuracy, key=f"accuracy_{n}")
                last_draw, shown_rows = time.perf_counter(), len(rows)
    finally:  # also when a click stops this script run (a BaseException from a Streamlit call)
        if stop():
            leave()
        try:
            raw = hub.snapshot(flight) if not flight.done.is_set() else flight.result
            try:
                copy = _copy_of(raw, stopped=not flight.done.is_set())
            except ModelFileError as error:  # a run its own file cannot hold: say so, never a traceback
                logger.exception("a shared run's file failed validation")
                failed = str(error)
            hub.leave(flight)
            if copy is not None:
                try:
                    _keep_copy(copy, watched=True) if copy.complete else add_run(copy)
                except BaseException:  # this script run was stopped: the next one keeps the copy
                    arrivals.append((copy, copy.complete))
                    copy.number = (
                        give_number()
                    )  # its file held the trainer's number, of another tab or browser
                    save(copy)  # and the store, in case no next one comes (the tab was reloaded)
                    raise
        finally:
            finish()
            watching.set()
    if failed is not None:
        st.error(
            f"The training ended, but its model could not be kept: {escape_markdown(failed)}",
            icon=":material/error:",
        )
    return copy


def _shared_figures(flight: Flight, run: Run, rows: list[dict]) -> tuple:
    """The curves for this many history rows, built once per flight state for all its watchers."""
    figures = flight.shown.get(len(rows))
    if figures is None:
        history = pd.DataFrame(rows, columns=run.history.columns)
        figures = (
            training_curve(history, "loss", run.baseline.get("loss")),
            training_curve(history, "accuracy", run.baseline.get("accuracy")),
        )
        flight.shown.clear()
        flight.shown[len(rows)] = figures
    return figures


def _copy_of(raw: bytes | None, stopped: bool) -> Run | None:
    """This learner's own run from a model file of the shared one; marked stopped if they left early."""
    if raw is None:
        return None
    run = load_run(raw, restore=True)
    if stopped:
        run.status = "stopped"
        run.message = stopped_message(run.steps, run.total_steps)
    return run


def _watch_elsewhere(hub: SharedTrainings, key: str, side_by_side: bool) -> bool:
    """Another process of this app trains these settings: show its curve until it ends or goes away.

    True if the learner stopped watching first.
    """
    st.caption("Another server of this app is training these settings; you get the same model when it ends.")
    bar, loss_slot, accuracy_slot = _live_view(key[:12], side_by_side)
    stop = stop_requested()
    while hub.training_elsewhere(key) and not stop():
        progress = hub.progress_elsewhere(key)
        if progress is not None:
            bar.progress(*_shared_progress(progress["steps"], progress["total_steps"], progress["history"]))
            if progress["history"]:
                history = pd.DataFrame(progress["history"])
                n = next(_chart_ids)
                loss_slot.plotly_chart(training_curve(history, "loss"), key=f"loss_{n}")
                accuracy_slot.plotly_chart(training_curve(history, "accuracy"), key=f"accuracy_{n}")
        time.sleep(1.0)
    return stop()


def _shared_progress(steps: int, total: int, rows: list[dict], watchers: int = 0) -> tuple[float, str]:
    """The progress bar's fraction and text for a training followed from its history rows; how many
    learners share it where that is known and more than one (it said "shared by everyone waiting" to
    a learner training alone)."""
    text = f"Step {steps:,} of {max(total, 1):,}"
    train = next((r for r in reversed(rows) if r.get("split") == "train"), None)
    if train is not None:
        text += f" · train loss {train['loss']:.3f}"
    validation = next((r for r in reversed(rows) if r.get("split") == "validation"), None)
    if validation is not None:
        text += f" · validation accuracy {validation['accuracy']:.1%}"
    if watchers > 1:
        text += f" · one training shared by {watchers} learners"
    return min(steps / max(total, 1), 1.0), text


def _say_busy() -> None:
    st.warning(
        "The server is busy training other people's models. Try again in a moment; your "
        "runs so far are kept.",
        icon=":material/hourglass_empty:",
    )


def estimate_note(config: ExperimentConfig, data: TaskData) -> Estimate:
    """Show what the run will cost, as an error where the server would refuse it; return the estimate."""
    estimate = estimate_run(config, data)
    refusal = over_budget(estimate)
    if refusal is not None:
        st.error(refusal, icon=":material/block:")
    else:
        st.caption(
            f"Estimated cost: {format_mb(estimate.peak_mb)} of memory, "
            f"{format_duration(estimate.seconds)} on an idle server ({estimate.steps:,} steps; "
            "longer while others train). The server allows "
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
        _say_busy()
        yield False
        return
    try:
        yield True
    finally:
        slots.release()


def _train_with_progress(run: Run, data: TaskData, side_by_side: bool, estimated_seconds: float) -> Run:
    """Keep the run in the session, then train it with a Stop button, a progress bar and curves."""
    add_run(run)
    save = run_saver()  # `persist` raises once a click or a reload stopped this script run
    leave, finish = pending_write()  # a reloaded tab waits for the last save
    stop = stop_requested()

    def should_stop() -> bool:
        if stop():
            leave()
            return True
        return False

    # A click reruns the script: Streamlit asks this run to stop, and the trainer checks for that
    # between steps (stop_requested), so the thread and its training slot are free within a step.
    bar, loss_slot, accuracy_slot = _live_view(str(run.id), side_by_side)
    last_draw = last_save = time.perf_counter()
    child = None
    if training_process.enabled(device(), estimated_seconds):  # pages being drawn cannot slow it down
        child = ChildTraining(run, data, THREADS_PER_TRAINING, MAX_MINUTES * 60)

        def checkpoint(raw: bytes) -> None:
            child.take_weights(raw)
            save(run)

        child.on_snapshot = checkpoint

    def show(run: Run, progress: TrainingProgress) -> None:
        nonlocal last_draw, last_save
        bar.progress(progress.fraction, text=progress_text(progress))
        if time.perf_counter() - last_draw > 1.0:
            draw_curves(run, loss_slot, accuracy_slot)
            last_draw = time.perf_counter()
        if time.perf_counter() - last_save > CHECKPOINT_SECONDS:
            # weights that just passed the divergence check: a server crash keeps them
            if child is None:
                save(run)
            else:
                child.request_snapshot()  # the weights are the child's: persisted when they arrive
            last_save = time.perf_counter()

    try:
        if child is None:
            train_run(run, data, device(), show, should_stop=should_stop, time_limit=MAX_MINUTES * 60)
        else:
            child.train(show, should_stop=should_stop)
    except Exception:  # the run says what failed; Streamlit's own signals are not Exceptions
        logger.exception("training %s failed", run.name)
    finally:
        if run.status == "interrupted":  # a click or a reload stopped this script run mid-step: a Stop
            run.status = "stopped"  # as when the trainer saw it between steps ("interrupted": the server's)
        save(run)  # finished, diverged, failed, or stopped by a click or a reload: kept across reloads
        finish()
    return run


def ago(moment: datetime, now: datetime | None = None) -> str:
    """'just now', '1 minute ago', '2 hours ago', '3 days ago': how long ago `moment` was."""
    seconds = max(0.0, ((now or datetime.now()) - moment).total_seconds())
    for unit, size in (("day", 86_400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return "just now"


def shared_note(run: Run, data: TaskData | None = None) -> None:
    """For a run this learner got from the server's one training of its settings: say so, offer a
    training of their own to watch, and run it when asked."""
    shared = st.session_state.get("shared_runs", {}).get(run.id)
    if shared is None:
        return
    trained, watched = shared
    if watched:
        text = (
            "Trained once on this server for these settings: whoever asks for them gets this same "
            "model, and same settings give the same numbers. This copy is yours: deleting it changes "
            "no one else's."
        )
    else:
        text = (
            f"Trained {ago(trained)} on this server; same settings give the same numbers, so you "
            "got that model at once, as your own copy."
        )
    if data is None and run.config.data.source == "built-in":
        data = builtin_data(run.config.data)
    st.info(text, icon=":material/group:")  # the button below it: beside it, half a column cut its label
    if data is not None and st.button(
        "Train again",
        icon=":material/replay:",
        key=f"train_again_{run.id}",
        help="Train these settings yourself and watch the curves grow (about as long as it first took).",
    ):
        if train_live(run.config, data, fresh=True) is not None:
            st.rerun()


def show_outcome(run: Run, data: TaskData | None = None) -> None:
    """Say how training ended, with numbers next to the baseline; only a finished run is a success."""
    if run.status in ("diverged", "failed"):
        st.error(escape_markdown(run.message, 1000))
        return
    if run.status in ("stopped", "interrupted"):
        text = escape_markdown(run.message, 1000)
        if run.message == stopped_message(run.steps, run.total_steps):  # no reason given: say what stops one
            text += (
                " A training you are watching stops when you press Stop, click elsewhere on the page or "
                "reload it."
            )
        st.warning(text, icon=":material/stop_circle:")
        return
    if run.status not in ("finished", "loaded"):  # still stopping, or never started
        st.info(f"**{run.name}** is still stopping (step {run.steps:,} of {run.total_steps:,}).")
        return
    if "test_accuracy" not in run.metrics:  # a model file of a training that was stopped: no "0.0%"
        st.warning(
            f"**{run.name}** was loaded from a model file of a training that did not finish (step "
            f"{run.steps:,} of {run.total_steps:,}). It has no test score; its curves show what it "
            "learned until then.",
            icon=":material/stop_circle:",
        )
        return
    m = run.metrics
    text = (
        f"**{run.name}** trained {run.steps:,} steps in {run.seconds:.1f} s "
        f"on {escape_markdown(run.device, 60)}. "
        f"Test accuracy **{m.get('test_accuracy', 0):.1%}** (a model that ignores its input: "
        f"{run.baseline['accuracy']:.1%})."
    )
    if "order_subset_accuracy" in m:
        text += f" On the order-sensitive sentences: **{m['order_subset_accuracy']:.1%}**."
    if "unseen_structure_accuracy" in m:
        text += f" On sentences of structures it never trained on: **{m['unseen_structure_accuracy']:.1%}**."
    if (how := not_learned(run)) is not None:  # a coin's score is not a success
        text += (
            f" **It is {how} than that model: it has not learned the task yet.** Train it longer (more "
            "epochs or steps), raise the learning rate, or give it more room (a larger hidden size or "
            "embedding); its loss curve shows whether it was still falling."
        )
        st.warning(text, icon=":material/trending_flat:")
        shared_note(run, data)
        return
    if run.task == "next-word" and run.config.data.source == "built-in":
        text += f" {capitalized(NEXT_WORD_CEILING)}"
    elif run.task == "next-word":
        text += (
            " Do not expect 100%: where the text lets several words follow, even a perfect model "
            "guesses the next one only part of the time."
        )
    st.success(text)
    shared_note(run, data)


def train_default_buttons(choices: list[tuple[str, str, str, str]], rerun: bool = True) -> Run | None:
    """One button per (label, task, arch, key), side by side, each training that default model here.

    The first is the primary one. Returns the run trained on this click (after a rerun if `rerun`).
    """
    trained = None
    full_note()  # at the cap, which run a training here replaces
    for i, (column, (label, task, arch, key)) in enumerate(
        zip(st.columns(len(choices)), choices, strict=True)
    ):
        if column.button(label, type="primary" if i == 0 else "secondary", width="stretch", key=key):
            config = default_config(task, arch)
            trained = train_live(config, builtin_data(config.data))
    if trained is not None and rerun:
        st.rerun()  # so the sidebar lists the new run
    return trained


def switch_run_buttons(suitable: Callable[[Run], bool], key: str, limit: int = 3) -> bool:
    """One button per run of the learner's that suits this page (those that learned first, newest first
    within each): a click makes it the active run. The sidebar's picker does the same, but on a narrow
    screen it is folded away.

    Returns whether there was any to offer.
    """
    offered = [run for run in reversed(runs()) if suitable(run) and run.status not in ("new", "training")]
    # runs that learned first: after Backprop's demo the newest were its SGD runs, one worse than a guess
    offered.sort(key=lambda run: run.status not in ("finished", "loaded") or not_learned(run) is not None)
    if not offered:
        return False
    st.markdown("Use one of your runs:")
    for column, run in zip(st.columns(min(limit, len(offered))), offered[:limit], strict=False):
        column.button(
            escape_markdown(run.name if run.status == "finished" else f"{run.name} ({run.status})"),
            key=f"{key}_use_{run.id}",
            on_click=st.session_state.__setitem__,
            args=("active_run_id", run.id),
            icon=":material/swap_horiz:",
            width="stretch",
        )
    return True


def require_run(key: str, arch: str = "lstm") -> Run:
    """The active run; without one, say what to do, offer to train one (of `arch`) here, and stop."""
    run = active_run()
    if run is not None:
        return run
    st.info(
        "There is no trained model yet. Train one here in a few seconds, or configure one on the Train page."
    )
    train_default_buttons(
        [
            ("Train a sentiment model", "sentiment", arch, f"{key}_quick_sentiment"),
            ("Train a next-word model", "next-word", arch, f"{key}_quick_next"),
        ]
    )
    st.stop()


def stored_copy(config: ExperimentConfig, data_identity: str = "built-in") -> Run | None:
    """This learner's own copy of the run this server already trained for `config`, or None.

    A share link opened after someone trained its model shows that model at once, without a click;
    a training still in progress is joined only when the learner presses Train.
    """
    if config.data.source != "built-in" or not shareable(config):
        return None
    hub = shared_trainings()
    try:
        stored = hub.finished(training_key(config, data_identity, device(), hub.threads))
    except OSError:  # the store's shared folder cannot be read: the learner trains as before
        logger.exception("shared runs unavailable")
        return None
    return None if stored is None else _keep_copy(stored, watched=False)
