"""Train a run in a child process, so the server's Python work (drawing pages) cannot slow it down.

A training in a thread of the server shares the interpreter lock with every session's script.
PyTorch lets go of the lock inside each operation and must take it back after, and a thread busy in
Python (a page building its figures) keeps it for the interpreter's switch interval, 5 ms, each
time: 20 steps of the default sentiment LSTM took 9x as long beside one thread building plotly
figures, and 1.3x in a child process, which has its own interpreter (`python -m
bench.interpreter_lock`, docs/deploy.md). The server uses it only with
PLAYGROUND_TRAINING_PROCESSES=1 (`enabled`): in the load test, whose browsers share the server's
cores, learners waited longer with it.

The children are forked from a `forkserver` started once per server with PyTorch and the training
code already imported (`start_forkserver`, called by the app's warm-up), so a child costs
0.04-0.24 s to start and end, and shares those pages with the server's other children. The run
travels as its model file (`playground.io.save_run`), the data as the process's argument. The child
sends progress (the new history rows) at every logged interval, with its model file before it when a
snapshot was asked for (weights the divergence check has just passed), and its model file and status
when it ends. The parent sends "stop" and "snapshot"; a parent that dies closes the pipe, and the
child stops at its next step.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import logging
import multiprocessing
import os
import time
from collections.abc import Callable
from multiprocessing.connection import Connection

import torch

from playground.data.datasets import TaskData
from playground.io import load_run, save_run
from playground.run import Run
from playground.threads import use_threads
from playground.train import TrainingProgress, train_run

logger = logging.getLogger(__name__)
POLL_SECONDS = 0.1  # how often the parent checks its stop request while the child trains
CHILD_MIN_SECONDS = 1.0  # shorter trainings stay in a thread of the server (`enabled`)
STOP_WAIT_SECONDS = 30.0  # a stop takes effect within a step; past this the child is killed
# Fields of the parent's Run that stay its own when the child's result is adopted.
OWN_FIELDS = {"id", "number", "uid", "created", "settled"}
_CONTEXT = multiprocessing.get_context("forkserver")
# torch._dynamo: PyTorch imports its compiler stack (about 1 s) when the first optimizer is made.
PRELOAD = [__name__, "torch._dynamo"]
_CONTEXT.set_forkserver_preload(PRELOAD)


def available(device: torch.device) -> bool:
    """Whether this server trains on `device` in child processes at all: only with
    PLAYGROUND_TRAINING_PROCESSES=1 (off by default: in the load test, 20 browsers on the server's own
    2 cores, learners waited longer with children; docs/deploy.md), and on the CPU (a GPU's kernels
    run outside the interpreter lock already, and each process would hold its own CUDA context)."""
    return device.type == "cpu" and os.environ.get("PLAYGROUND_TRAINING_PROCESSES", "0") == "1"


def enabled(device: torch.device, estimated_seconds: float) -> bool:
    """Whether a training on `device` estimated to take `estimated_seconds` runs in a child process:
    where `available`, for trainings of at least CHILD_MIN_SECONDS. A child's start and end cost
    0.04-0.24 s idle and several times that on a busy server, more than the interpreter lock costs a
    training that short."""
    return available(device) and estimated_seconds >= CHILD_MIN_SECONDS


def import_in_forkserver(*modules: str) -> None:
    """Have the forkserver, once it starts, also import what the main script imports.

    Each child runs the main script again before it starts (multiprocessing's preparation; a guarded
    main does nothing else): the `streamlit` command's script imports Streamlit, 0.6 s a child unless
    the forkserver has it already. (Python 3.11's forkserver ignores "__main__" in the preload list.)
    """
    PRELOAD.extend(m for m in modules if m not in PRELOAD)
    _CONTEXT.set_forkserver_preload(PRELOAD)


def start_forkserver() -> None:
    """Start the server's forkserver now (PyTorch imported in it once), not at the first training."""
    from multiprocessing import forkserver

    forkserver.ensure_running()


class ChildTraining:
    """One run trained in a child process; `train` blocks the calling thread (without the interpreter
    lock) until the child ends, relaying its progress."""

    def __init__(self, run: Run, data: TaskData, threads: int, time_limit: float | None = None):
        self.run, self.data, self.threads, self.time_limit = run, data, threads, time_limit
        self.on_snapshot: Callable[[bytes], None] | None = None
        self._snapshot_wanted = False
        self.process: multiprocessing.process.BaseProcess | None = None
        self.threads_used: int | None = None  # PyTorch's thread count in the child, as it reported

    def request_snapshot(self) -> None:
        """Ask for the child's model file between two of its steps; it arrives through on_snapshot."""
        self._snapshot_wanted = True

    def train(
        self,
        on_progress: Callable[[Run, TrainingProgress], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> bytes:
        """Train the run in a child; update `self.run` as it goes and to its end; return its model file."""
        parent, child = _CONTEXT.Pipe()
        self.run.status = "training"  # as the trainer will say; a model file has no "new"
        self.run.settled.clear()  # as a trainer does: a page waits for it before drawing the run
        self.process = _CONTEXT.Process(
            target=_child_main,
            args=(child, save_run(self.run), self.data, self.threads, self.time_limit),
            name=f"training-{self.run.uid[:8]}",
            daemon=True,
        )
        self.process.start()
        child.close()
        stopping = finished = False
        try:
            while True:
                if not stopping and should_stop is not None and should_stop():
                    _tell(parent, "stop")
                    stopping = True
                if self._snapshot_wanted:
                    self._snapshot_wanted = False
                    _tell(parent, "snapshot")
                if not parent.poll(POLL_SECONDS):
                    if not self.process.is_alive() and not parent.poll():
                        finished = True
                        return self._lost()
                    continue
                try:
                    kind, body = parent.recv()
                except EOFError:
                    finished = True
                    return self._lost()
                if kind == "progress":
                    self._apply(body[0])
                    if on_progress is not None:
                        on_progress(self.run, body[1])
                elif kind == "snapshot" and self.on_snapshot is not None:
                    self.on_snapshot(body)
                elif kind == "done":
                    finished = True
                    return self._finish(body)
        finally:
            if not finished:  # the caller was interrupted (a click rerunning its page): keep what was learned
                self._stop_and_collect(parent)
            parent.close()
            self.process.join(timeout=5)
            if self.process.is_alive():
                self.process.kill()
                self.process.join()
            self.run.settled.set()

    def _finish(self, body: tuple[bytes, str, str]) -> bytes:
        raw, status, message = body
        self.adopt(load_run(raw, restore=True))
        self.run.status, self.run.message = status, message
        return raw

    def _stop_and_collect(self, parent: Connection) -> None:
        """Stop the child and take in its run as it stopped, within STOP_WAIT_SECONDS."""
        deadline = time.monotonic() + STOP_WAIT_SECONDS
        try:
            parent.send(("stop",))
            while (left := deadline - time.monotonic()) > 0 and parent.poll(left):
                kind, body = parent.recv()
                if kind == "progress":
                    self._apply(body[0])
                elif kind == "done":
                    self._finish(body)
                    return
        except (OSError, EOFError):
            pass
        self._lost()

    def _apply(self, state: dict) -> None:
        run = self.run
        run.history_rows.extend(state.pop("new_rows"))
        self.threads_used = state.pop("threads")
        for name, value in state.items():
            setattr(run, name, value)

    def take_weights(self, raw: bytes) -> None:
        """Take a snapshot's weights, embedding snapshots and gradient probes into the parent's run
        mid-training (its history and status come with the progress), so a checkpoint of it holds
        what the child has learned."""
        snapshot = load_run(raw, restore=True)
        self.run.model.load_state_dict(snapshot.model.state_dict())
        self.run.snapshots, self.run.gradient_probes = snapshot.snapshots, snapshot.gradient_probes

    def adopt(self, finished: Run) -> None:
        """Take the child's result into the parent's run object, keeping its identity."""
        for f in dataclasses.fields(Run):
            if f.name not in OWN_FIELDS:
                setattr(self.run, f.name, getattr(finished, f.name))

    def _lost(self) -> bytes:
        code = None
        if self.process is not None:
            self.process.join(timeout=1)
            code = self.process.exitcode
        self.run.status = "failed"
        self.run.message = (
            f"The training process ended without a result (exit code {code}): the server may have run "
            "out of memory. What it had trained is lost; press Train to try again."
        )
        logger.error("training process for run %s ended with exit code %s", self.run.uid[:8], code)
        return save_run(self.run)


def _tell(connection: Connection, request: str) -> None:
    """Send the child a request; one that just ended has closed its end, and its result is in the pipe."""
    with contextlib.suppress(OSError):
        connection.send((request,))


def _child_main(
    connection: Connection, raw_run: bytes, data: TaskData, threads: int, time_limit: float | None
) -> None:
    """In the child: train, reporting to the parent through `connection`; stop if it says so or goes."""
    # The imported modules' objects out of the collector's full passes, as the server does after its
    # warm-up (ui.state.warm_up): each pass walked them all, and a training makes enough objects for
    # many passes (default sentiment LSTM, 2 epochs: 1.96 s against 1.48 s frozen). It also keeps the
    # collector from writing to the pages this child shares with the forkserver.
    gc.freeze()
    use_threads(threads)
    run = load_run(raw_run, restore=True)
    stopping = snapshot_wanted = False
    sent_rows = 0

    def listen() -> bool:
        nonlocal stopping, snapshot_wanted
        try:
            while connection.poll():
                (kind,) = connection.recv()
                stopping = stopping or kind == "stop"
                snapshot_wanted = snapshot_wanted or kind == "snapshot"
        except (EOFError, OSError):  # the parent is gone: nobody is waiting for this run
            stopping = True
        return stopping

    def progress(run: Run, event: TrainingProgress) -> None:
        """At each logged interval, after the trainer checked the weights are finite."""
        nonlocal sent_rows, snapshot_wanted
        state = {
            "new_rows": run.history_rows[sent_rows:],
            "steps": run.steps,
            "total_steps": run.total_steps,
            "status": run.status,
            "device": run.device,
            "seconds": time.perf_counter() - started,
            "threads": torch.get_num_threads(),
        }
        sent_rows = len(run.history_rows)
        try:
            if snapshot_wanted:
                connection.send(("snapshot", save_run(run)))
                snapshot_wanted = False
            connection.send(("progress", (state, event)))
        except OSError:
            pass  # the parent is gone; listen() stops the run at the next step

    started = time.perf_counter()
    try:
        train_run(run, data, "cpu", progress, should_stop=listen, time_limit=time_limit)
    finally:
        try:
            connection.send(("done", (save_run(run), run.status, run.message)))
        except OSError:
            pass
        connection.close()
