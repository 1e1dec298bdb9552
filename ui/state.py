"""A user's runs live in st.session_state; read-only built-in data is shared by everyone."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import importlib
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import streamlit as st
import torch

from playground import training_process
from playground.analysis.embeddings import project
from playground.analysis.recurrence import is_recurrent
from playground.budget import MAX_MINUTES
from playground.config import DataConfig, default_config
from playground.data.corpus_cache import CorpusCache
from playground.data.datasets import TaskData, build_builtin
from playground.device import pick_device
from playground.io import ModelFileError
from playground.memory import release_memory
from playground.run import Run
from playground.run_store import CHECKPOINT_SECONDS, PendingWrites, RunStore, StoreSettings
from playground.shared_training import SharedTrainings
from playground.text import escape_markdown
from playground.threads import threads_per_training, use_threads
from ui.browser import browser_id, remember_browser

logger = logging.getLogger(__name__)

training_process.import_in_forkserver("streamlit.web.cli")  # what the `streamlit` command's script imports
MAX_RUNS = int(os.environ.get("PLAYGROUND_MAX_RUNS", 12))
WARM_UP_DELAY_S = 2.0
MAX_TRAININGS = int(os.environ.get("PLAYGROUND_MAX_TRAININGS", 2))  # at once, on the whole server
# Generated corpora kept for everyone, beyond the two defaults: a 50,000-sentence character corpus is ~110 MB.
CORPUS_CACHE_MB = int(os.environ.get("PLAYGROUND_CORPUS_CACHE_MB", 256))


def keep_across_pages(*keys: str) -> None:
    """Remember these widget keys so their values survive a visit to another page."""
    st.session_state.setdefault("kept_widget_keys", set()).update(keys)


def restore_kept_widgets() -> None:
    """Streamlit forgets a widget's value when a page without it runs; writing it back keeps it."""
    for key in st.session_state.get("kept_widget_keys", ()):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def runs() -> list[Run]:
    """This browser's runs in this session (restored from the run store on its first run), oldest first."""
    return st.session_state.setdefault("runs", [])


@st.cache_resource(show_spinner=False)
def run_store() -> RunStore:
    """The server's run store (shared object; each browser only ever reads its own folder)."""
    return RunStore(StoreSettings.from_environment(MAX_RUNS))


@st.cache_resource(ttl=3600, show_spinner=False)
def _prune_store() -> int:
    # At most once an hour for the whole server: drop idle browsers' runs, then keep within size.
    try:
        return run_store().prune()
    except OSError:
        return 0


def _store_failed(error: OSError) -> None:
    """Say once per session that runs are kept in memory only; the app goes on as before."""
    if not st.session_state.get("store_failed"):
        st.session_state["store_failed"] = True
        st.warning(
            f"Runs cannot be saved on this server ({error.strerror or error}); they are kept "
            "in this session only and are lost on reload.",
            icon=":material/cloud_off:",
        )


def restore_session() -> None:
    """On a session's first run: give this browser back its runs and experiment results."""
    if "runs" in st.session_state:
        return
    st.session_state["runs"] = []
    store, browser = run_store(), browser_id()
    _prune_store()
    pending_writes().wait(browser)  # a tab reloaded during a training: its stopped run, saved now
    try:
        store.touch(browser)
        restored, warnings = store.load(browser)
        experiments, more = store.load_experiments(browser)
        st.session_state["highest_deleted_number"] = store.highest_deleted_number(browser)
    except OSError as error:
        _store_failed(error)
        return
    for run in restored:  # runs stored before numbers were kept get the next free ones, in order
        if not run.number:
            run.number = next_number(restored)
    st.session_state["runs"] = restored
    st.session_state.setdefault("lab_results", {}).update(experiments)
    for warning in warnings + more:
        st.warning(warning, icon=":material/warning:")
    if restored:
        # the run the learner had active, else the newest: after Backprop's demo pair, the newest was
        # the SGD demo run, and every page of a reloaded tab showed it instead of the learner's model
        noted = _from_store(lambda store, browser: store.active(browser))
        active = next((r for r in restored if r.uid == noted), restored[-1])
        st.session_state["active_run_id"] = active.id
        st.session_state["noted_active_uid"] = st.session_state["restored_active_uid"] = active.uid


def remember_active_run() -> None:
    """Note the active run in the store when it changed, so a reload opens on it (`restore_session`)."""
    run = active_run()
    if run is not None and run.uid != st.session_state.get("noted_active_uid"):
        st.session_state["noted_active_uid"] = run.uid
        _in_store(lambda store, browser: store.note_active(browser, run.uid))


@st.cache_resource(show_spinner=False)
def pending_writes() -> PendingWrites:
    """Shared by every session: trainings whose last state is on its way to a browser's store."""
    return PendingWrites()


def pending_write() -> tuple[Callable[[], None], Callable[[], None]]:
    """(leave, finish) for a training this session starts: a reloaded tab waits for its last write
    (`restore_session`). Bound now: both are called after a reload stopped the script run."""
    writes, browser = pending_writes(), browser_id()
    write = writes.start(browser)
    return write.leave, lambda: writes.finish(browser, write)


def remember_this_browser() -> None:
    """Keep the browser's cookie as long as its runs are kept."""
    remember_browser(run_store().settings.keep_days)


def _in_store(write: Callable[[RunStore, str], None], after_failure: bool = False) -> None:
    """Apply one write to this browser's part of the store; on failure, warn once and go on in memory."""
    if st.session_state.get("store_failed") and not after_failure:
        return
    try:
        write(run_store(), browser_id())
    except OSError as error:
        _store_failed(error)


def _from_store(read: Callable[[RunStore, str], Any]) -> Any:
    """One read of this browser's part of the store; None if the store failed or the read does."""
    if st.session_state.get("store_failed"):
        return None
    try:
        return read(run_store(), browser_id())
    except OSError:
        return None


def persist(run: Run) -> None:
    """Write a settled (or checkpointed) run to the store."""
    _in_store(lambda store, browser: store.save(browser, run))


def persist_experiment(result) -> None:
    """Write a Lab experiment's result (finished or stopped part-way) to the store."""
    _in_store(lambda store, browser: store.save_experiment(browser, result))


def _store_writer() -> Callable[[Callable[[RunStore, str], None]], None]:
    """A function that applies a write to this browser's store without any Streamlit call, for the
    moment after a click or a reload stopped the script run (every Streamlit call then raises,
    `st.session_state` included, so `persist` can no longer run). Bound now."""
    if st.session_state.get("store_failed"):
        return lambda write: None
    store, browser = run_store(), browser_id()

    def apply(write: Callable[[RunStore, str], None]) -> None:
        try:
            write(store, browser)
        except OSError:
            logger.exception("a write to the run store failed after the script run stopped")

    return apply


def experiment_saver() -> Callable[[object], None]:
    """`persist_experiment` that still works after the script run stopped (bound now)."""
    writer = _store_writer()
    return lambda result: writer(lambda store, browser: store.save_experiment(browser, result))


def run_saver() -> Callable[[Run], None]:
    """`persist` that still works after the script run stopped (bound now): a reload during a
    training stops its script run, and the run's last state must still reach the store."""
    writer = _store_writer()
    return lambda run: writer(lambda store, browser: store.save(browser, run))


def delete_runs(ids: set[int]) -> None:
    """Remove runs from the session and from the store."""
    kept = runs()
    for run in kept:
        if run.id in ids:
            forget(run)
    st.session_state["runs"] = [run for run in kept if run.id not in ids]
    release_memory()  # their weights and snapshots go back to the OS now, not at the next training


def _not_given_again(gone: list[Run]) -> None:
    """Remember the highest number of runs deleted (here or in another tab): `next_number` skips it."""
    numbers = [st.session_state.get("highest_deleted_number", 0)] + [run.number or 0 for run in gone]
    st.session_state["highest_deleted_number"] = max(numbers)


def forget(run: Run) -> None:
    _not_given_again([run])
    _in_store(lambda store, browser: store.delete(browser, run), after_failure=True)  # frees space


def drop_runs_deleted_elsewhere() -> None:
    """Drop the runs another tab of this browser deleted, and say so (this tab went on showing them)."""
    if st.session_state.get("store_failed") or not runs():
        return
    try:
        gone = run_store().deleted(browser_id())
    except OSError:
        return
    dropped = [run for run in runs() if run.uid in gone]
    if not dropped:
        return
    active = active_run()
    left = st.session_state["runs"] = [run for run in runs() if run.uid not in gone]
    _not_given_again(dropped)
    shown = ""
    if any(active is run for run in dropped) and left:  # the newest run most like it, for this page
        stand_in = most_like(active, left)
        st.session_state["active_run_id"] = stand_in.id
        shown = f" This tab now shows {escape_markdown(stand_in.name)}."
    if len(dropped) == 1:
        what = f"{escape_markdown(dropped[0].name)} was deleted"
    else:  # one toast, not one per run over the page (ten covered a third of it)
        numbers = ", ".join(f"#{run.number}" for run in dropped[:8]) + (" …" if len(dropped) > 8 else "")
        what = f"{len(dropped)} runs ({numbers}) were deleted"
    st.toast(f"{what} in another tab of this browser.{shown}", icon=":material/delete:")


def pick_up_runs_added_elsewhere() -> None:
    """Add the runs another tab of this browser trained or loaded since this tab opened (only a reload
    showed them), and say so. One still training there comes once it has settled."""
    if st.session_state.get("store_failed"):
        return
    store, browser = run_store(), browser_id()
    try:
        stored = store.stored(browser)
    except OSError:
        return
    known = {run.uid for run in runs()}
    # uid → the file's time when it was passed over (still training, or unreadable): looked at again
    # only once it is written again, so a rerun costs a directory listing and nothing more
    passed_over = st.session_state.setdefault("store_passed_over", {})
    added = []
    for uid, written in stored.items():
        if uid in known or passed_over.get(uid) == written:
            continue
        try:
            run = store.load_one(browser, uid)
        except (OSError, ModelFileError):
            passed_over[uid] = written
            continue
        # A checkpoint of a training still going on in the other tab reads as "interrupted": one is
        # written every CHECKPOINT_SECONDS, and its last write will say how it ended.
        if run.status == "interrupted" and time.time() - written < 2 * CHECKPOINT_SECONDS + 5:
            passed_over[uid] = written
            continue
        passed_over.pop(uid, None)
        added.append(run)
    if not added:
        return
    kept = runs()
    for run in added:
        if not run.number:
            run.number = next_number(kept)
        kept.append(run)
    kept.sort(key=lambda run: (run.number or 0, run.created))
    names = ", ".join(escape_markdown(run.name) for run in added[:4]) + (" …" if len(added) > 4 else "")
    st.toast(
        f"From another tab of this browser: {names}. Pick {'it' if len(added) == 1 else 'them'} "
        "under **Active run**.",
        icon=":material/add_circle:",
    )


def most_like(gone: Run, left: list[Run]) -> Run:
    """The newest of `left` most like `gone`: same architecture, else recurrent like it, else same task.

    A page that shows recurrent models (Inside the recurrence, Backprop through time) can then go on
    with an LSTM when the RNN it showed is deleted, rather than with a Transformer of the same task.
    """
    arch = gone.config.model.arch

    def likeness(run: Run) -> tuple[bool, bool, bool]:
        other = run.config.model.arch
        return other == arch, is_recurrent(run) == is_recurrent(gone), run.task == gone.task

    return max(reversed(left), key=likeness)  # max keeps the first best: the newest


def settle_runs(timeout: float = 15.0) -> None:
    """Let a training that the last click interrupted finish stopping before the page draws it.

    With fast reruns, Streamlit starts the new script run at once and stops the old one at its
    next Streamlit call, so a run can still say "training" for a moment.
    """
    for run in runs():
        if run.status == "training":
            run.wait_until_settled(timeout)
    watching = st.session_state.get("watching")
    if watching is not None:  # a shared training this session stopped watching: its copy is on the way
        watching.wait(timeout)
    arrivals = st.session_state.get("arrived_copies", [])
    while arrivals:  # copies a stopped script run could no longer keep itself
        copy, shared = arrivals.pop(0)
        if shared:
            st.session_state.setdefault("shared_runs", {})[copy.id] = (copy.created, True)
        add_run(copy, keep_number=True)  # the number it was stored under


def next_number(kept: list[Run]) -> int:
    """The learner's next #number: one past the highest this browser has had, deleted runs' included.

    A deleted #15 is not given to the next run: a downloaded `run-15-…` file, or a note, would then
    name another model (numbers of runs deleted over `DELETED_MARKER_DAYS` ago can come back).
    """
    given_elsewhere = 0  # by another tab of this browser: two tabs each gave "#9" to a different run
    if not st.session_state.get("store_failed"):
        with contextlib.suppress(OSError):
            given_elsewhere = run_store().last_number(browser_id())
    return max(_highest_here(kept), given_elsewhere) + 1


def _highest_here(kept: list[Run]) -> int:
    """The highest #number this session knows of: its runs' and its deleted runs'."""
    return max(
        max((run.number for run in kept), default=0), st.session_state.get("highest_deleted_number", 0)
    )


def number_giver() -> Callable[[], int]:
    """`next_number` for a run kept after this script run stopped, where no Streamlit call works: bound
    now, it reads the numbers the browser's other tabs gave from the store when called, and notes the
    one it gives there (a copy numbered at the start of its training took the number another tab
    gave meanwhile: two runs called #2)."""
    floor = _highest_here(runs())
    if st.session_state.get("store_failed"):
        return lambda: floor + 1
    store, browser = run_store(), browser_id()

    def give() -> int:
        try:
            number = max(floor, store.last_number(browser)) + 1
            store.note_number(browser, number)
        except OSError:
            number = floor + 1
        return number

    return give


def add_run(run: Run, keep_number: bool = False) -> list[str]:
    """Keep `run` under the learner's next #number and make it active; drop the oldest beyond the cap.
    Returns the names of the runs dropped.

    A run already kept is only made active: a script run stopped by a click right after keeping a
    copy hands that copy on to the next one too (`settle_runs`), which listed it twice.
    """
    kept = runs()
    if any(k.id == run.id for k in kept):
        st.session_state["active_run_id"] = run.id
        return []
    if (twin := next((k for k in kept if k.uid == run.uid), None)) is not None:  # picked up from the store
        st.session_state["active_run_id"] = twin.id  # while this copy was on its way here
        return []
    if not (keep_number and run.number) or any(k.number == run.number for k in kept):
        run.number = next_number(kept)
    _in_store(lambda store, browser: store.note_number(browser, run.number))
    kept.append(run)
    if run.status not in ("new", "training"):
        persist(run)
    dropped = []
    while len(kept) > MAX_RUNS:
        oldest = kept.pop(0)
        forget(oldest)
        dropped.append(oldest.name)
        st.toast(f"Run {oldest.name} was removed: a browser keeps at most {MAX_RUNS} runs.")
    st.session_state["active_run_id"] = run.id
    return dropped


def next_to_go(count: int = 1) -> list[Run]:
    """The runs that `count` more trained or loaded will push out (the oldest), none below the cap."""
    kept = runs()
    return kept[: max(0, len(kept) + count - MAX_RUNS)]


def full_note(container: Any = st, count: int = 1) -> None:
    """Before a training (of `count` runs) or a load at the cap: which runs it will remove, and how to
    keep them."""
    if going := next_to_go(count):
        names = " and ".join(f"**{escape_markdown(run.name)}**" for run in going)
        what = (
            "the next one you train or load replaces the oldest" if count == 1 else "these replace the oldest"
        )
        container.caption(
            f"You have {len(runs())} runs, and a browser keeps at most {MAX_RUNS}: {what}, {names}. To keep "
            f"{'it' if len(going) == 1 else 'them'}, download {'it' if len(going) == 1 else 'them'} on the "
            "Runs page first, or delete a run you no longer need."
        )


ACTIVE_RUN_PICKER = "active_run_picker"  # the sidebar's box; `active_run_id` is what pages read


def active_run() -> Run | None:
    """The run the learner picked in the sidebar, else the newest one."""
    kept = runs()
    wanted = st.session_state.get("active_run_id")
    for run in kept:
        if run.id == wanted:
            return run
    return kept[-1] if kept else None


@st.cache_resource(show_spinner=False)
def device() -> torch.device:
    """The device for training, the same for every user: PLAYGROUND_DEVICE, else the fastest."""
    return pick_device(os.environ.get("PLAYGROUND_DEVICE", "auto"))


# Imported by the warm-up: the first training's compiler stack, then what the pages import on first use.
WARM_UP_MODULES = (
    "torch._dynamo",
    "ui.views.attention",
    "ui.views.embeddings",
    "ui.views.gradients",
    "ui.views.limits",
    "ui.views.recurrence",
    "ui.views.train",
    "ui.experiments",
    "sklearn.decomposition",
    "sklearn.manifold",
    "scipy.cluster.hierarchy",
)


def warm_up() -> None:
    """Import `WARM_UP_MODULES`, generate the default corpora, then exempt every object alive from the
    garbage collector's full passes.

    With PLAYGROUND_TRAINING_PROCESSES=1 trainings run in child processes forked from a forkserver
    (`playground/training_process.py`): started here, the first training does not wait for its imports.

    A learner's first switch to the other task waited about 0.9 s for its corpus to be generated;
    generated here, it is in the server's cache already (`builtin_data`).

    Streamlit runs a full collection after every script run (`runner.postScriptGC`), and a full pass
    walks every tracked object: the 440,000 of PyTorch, plotly, pandas and scikit-learn's modules took
    0.2-0.3 s of each rerun on two cores, holding the interpreter, so the browser waited for it.
    `gc.freeze()` moves them to a permanent generation that collections skip (Python's `gc` docs);
    objects made later, a session's figures and runs, are collected as before. Garbage that is frozen is
    never collected, so the collection just before it frees what is already garbage.
    """
    if training_process.available(device()):
        training_process.start_forkserver()  # its own interpreter imports PyTorch meanwhile
    for name in WARM_UP_MODULES:
        importlib.import_module(name)
    for task in ("next-word", "sentiment"):
        builtin_data(default_config(task).data, pin=True)
    gc.collect()
    gc.freeze()


@st.cache_resource(show_spinner=False)
def warm_up_in_background() -> threading.Thread:
    """Once per server: `warm_up()` while the learner reads the first page.

    PyTorch imports its compiler stack (torch._dynamo, about 1 s) the first time any optimizer is
    made; without this, the first click on Train pays for it. It starts a moment after the first
    page, because an import holds the interpreter and would slow that page's drawing.
    """
    thread = threading.Timer(WARM_UP_DELAY_S, warm_up)
    thread.name, thread.daemon = "playground-warm-up", True
    thread.start()
    return thread


@st.cache_resource(show_spinner=False)
def training_slots() -> threading.BoundedSemaphore:
    """Shared by every session: how many trainings may run on this server at the same time."""
    return threading.BoundedSemaphore(MAX_TRAININGS)


THREADS_PER_TRAINING = threads_per_training(MAX_TRAININGS)  # max(1, cores // trainings at once)


def fit_threads() -> int:
    """Run this script thread's PyTorch kernels (a training, an analysis) on its share of the cores.

    OpenMP's thread count is per thread: set here, it holds for this thread and the threads it
    starts, whatever other sessions do (`playground/threads.py`).
    """
    return use_threads(THREADS_PER_TRAINING)


@st.cache_resource(show_spinner=False)
def shared_trainings() -> SharedTrainings:
    """The server's trainings that every learner asking for the same settings shares (one per key)."""
    return SharedTrainings(run_store().settings.root / "shared", THREADS_PER_TRAINING, MAX_MINUTES * 60)


@st.cache_resource(show_spinner=False)
def _corpora() -> CorpusCache:
    # Shared read-only: generated from a seed, identical for all users, never modified by training.
    return CorpusCache(CORPUS_CACHE_MB * 2**20)


def builtin_data(config: DataConfig, pin: bool = False) -> TaskData:
    """The built-in corpus for `config`, generated once per server while it stays in the cache's
    budget (the defaults, generated by the warm-up, for good: `pin`).

    The spinner is the page's: the warm-up thread has no page to show one on.
    """
    fields, cache = dataclasses.astuple(config), _corpora()
    if fields in cache or pin:
        return cache.get(fields, lambda: build_builtin(config), pin)
    with st.spinner("Generating the built-in corpus…"):
        return cache.get(fields, lambda: build_builtin(config))


@st.cache_data(max_entries=16, show_spinner="Projecting the embeddings…")
def cached_projection(matrix: np.ndarray, method: str, dims: int) -> np.ndarray:
    """Coordinates of the rows of `matrix`: a pure function of it, so safe to share."""
    return project(matrix, method, dims)
