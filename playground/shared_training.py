"""Train once per key: learners who ask for the same training share one, and later ones get it at once.

Training is deterministic for a configuration, its seed, its data, the device type and the thread
count (with model dropout at 0, see `shareable`), so a finished run can be looked up by those keys
plus the library versions (`training_key`). The store keeps it as `<store>/shared/<key>.safetensors`.

One training per key, across the processes sharing the store:
- in a process, the first caller starts a `Flight` (a background thread that trains the run, in a
  child process with PLAYGROUND_TRAINING_PROCESSES=1: `playground.training_process`) and later
  callers join it as watchers;
  the training stops early only when every watcher has left;
- across processes (replicas behind a load balancer), an exclusive `flock` on
  `<key>.lock` says which process trains it; others poll the store for the finished run and read
  the live curve from `<key>.progress.json`. The lock goes with the process if it dies, so a
  waiter elsewhere takes the training over.

Every caller gets its own copy of the run, parsed from the run's file (`load_run`): nothing one
learner does to their copy touches another's. Uploaded data is keyed by the SHA-256 of its bytes,
so a run trained on an upload is found only by a browser that uploaded the same bytes.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import torch

import playground
from playground import train as training
from playground.budget import estimate_run
from playground.config import ExperimentConfig
from playground.data.datasets import TaskData
from playground.io import ModelFileError, load_run, save_run
from playground.memory import release_memory
from playground.run import Run
from playground.threads import use_threads
from playground.train import TrainingProgress, train_run
from playground.training_process import ChildTraining, available, enabled

RUN_SUFFIX = ".safetensors"
PROGRESS_SUFFIX = ".progress.json"
LOCK_SUFFIX = ".lock"
PROGRESS_SECONDS = 1.0  # how often a training writes its curve for watchers in other processes
logger = logging.getLogger(__name__)


def shareable(config: ExperimentConfig) -> bool:
    """Whether `config` trains to the same bits whatever else this process trains at the same time.

    Model dropout draws its masks from PyTorch's process-wide generator, which concurrent trainings
    share, so such runs are trained per learner. (Word dropout has the run's own generator.)
    """
    return config.model.dropout == 0


def data_digest(raw: bytes, *choices: str) -> str:
    """The identity of uploaded data: SHA-256 of its bytes, and the columns read from it."""
    return "upload:" + hashlib.sha256(raw).hexdigest() + "".join(f":{c}" for c in choices)


def training_key(config: ExperimentConfig, data_identity: str, device: torch.device, threads: int) -> str:
    """The key a training's result is found by: everything that decides its numbers, hashed."""
    payload = {
        "config": config.to_dict(),
        "data": data_identity,
        "device": device.type,
        "threads": threads if device.type == "cpu" else None,
        "max_steps": training.MAX_TRAINING_STEPS,  # the server's cap on steps changes what is trained
        "playground": playground.__version__,
        "torch": torch.__version__,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


@dataclass
class Flight:
    """One training in this process that any number of watchers follow."""

    key: str
    run: Run  # trained in place by the flight's thread; watchers only read it
    watchers: int = 1
    closing: bool = False  # every watcher left: the training stops, no one may join
    result: bytes | None = None  # the run's model file once training ended
    done: threading.Event = field(default_factory=threading.Event)
    snapshot: bytes | None = None
    shown: dict = field(default_factory=dict)  # what a UI derived from the run (figures), shared by watchers
    _snapshot_wanted: threading.Event = field(default_factory=threading.Event)
    _snapshot_ready: threading.Event = field(default_factory=threading.Event)


class SharedTrainings:
    """The finished shared runs in a folder, and the trainings of this process that others may join."""

    def __init__(self, folder: Path, threads: int, time_limit: float | None = None):
        self.folder, self.threads, self.time_limit = folder, threads, time_limit
        self._flights: dict[str, Flight] = {}
        self._lock = threading.Lock()

    def _path(self, key: str, suffix: str) -> Path:
        return self.folder / f"{key}{suffix}"

    def finished(self, key: str) -> Run | None:
        """A fresh copy of the finished run stored for `key`, or None."""
        path = self._path(key, RUN_SUFFIX)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            run = load_run(raw, restore=True)
        except ModelFileError:
            logger.warning("shared run %s failed validation and was removed", key[:12])
            path.unlink(missing_ok=True)
            return None
        with contextlib.suppress(OSError):  # kept by the store's pruning while in use
            (self.folder / ".last-seen").write_text(str(time.time()))
        return run

    def join(self, key: str) -> Flight | None:
        """This process's training of `key` with the caller counted as a watcher, or None."""
        with self._lock:
            flight = self._flights.get(key)
            if flight is None or flight.closing:
                return None
            flight.watchers += 1
            return flight

    def leave(self, flight: Flight) -> None:
        """The caller stops watching; the training stops at its next step when no one watches."""
        with self._lock:
            flight.watchers -= 1

    def training_elsewhere(self, key: str) -> bool:
        """Whether some process (another replica, or a closing flight here) holds the key's lock."""
        handle = self._try_lock(key)
        if handle is None:
            return True
        handle.close()
        return False

    def progress_elsewhere(self, key: str) -> dict | None:
        """The curve another process last wrote for `key`: steps, total_steps, history rows."""
        try:
            return json.loads(self._path(key, PROGRESS_SUFFIX).read_text())
        except (OSError, ValueError):
            return None

    def start(
        self, key: str, run: Run, data: TaskData, device: torch.device, release: Callable[[], None]
    ) -> Flight | None:
        """Train `run` for `key` in a background thread; None (and `release()`) if another holds the key
        or its run is stored already.

        `release` is called once the training ended (it frees the caller's training slot).
        """
        with self._lock:
            handle = None if key in self._flights else self._try_lock(key)
            if handle is not None and self._path(key, RUN_SUFFIX).exists():
                # Stored between the caller's look and this lock (a training writes its run before it
                # lets go of the lock): the caller finds it when it looks again.
                handle.close()
                handle = None
            if handle is None:
                release()
                return None
            flight = Flight(key, run)
            self._flights[key] = flight
        thread = threading.Thread(
            target=self._fly,
            args=(flight, data, device, release, handle),
            name=f"shared-training-{key[:8]}",
            daemon=True,
        )
        thread.start()
        return flight

    def snapshot(self, flight: Flight, timeout: float = 10.0) -> bytes | None:
        """The flight's run as a model file, taken between two steps (or its result if it ended)."""
        if flight.done.is_set():
            return flight.result
        flight._snapshot_ready.clear()
        flight._snapshot_wanted.set()
        flight._snapshot_ready.wait(timeout)
        return flight.result if flight.done.is_set() else flight.snapshot

    def _try_lock(self, key: str) -> IO | None:
        self.folder.mkdir(parents=True, exist_ok=True)
        handle = open(self._path(key, LOCK_SUFFIX), "a+b")  # noqa: SIM115 (held while training)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
        return handle

    def _abandoned(self, flight: Flight) -> bool:
        with self._lock:
            flight.closing = flight.closing or flight.watchers <= 0
            return flight.closing

    def _fly(
        self, flight: Flight, data: TaskData, device: torch.device, release: Callable[[], None], handle: IO
    ) -> None:
        use_threads(self.threads)
        last_write = 0.0
        child = None  # the estimate only where child processes are on (PLAYGROUND_TRAINING_PROCESSES)
        if available(device) and enabled(device, estimate_run(flight.run.config, data).seconds):
            child = ChildTraining(flight.run, data, self.threads, self.time_limit)

        def take_snapshot(raw: bytes) -> None:
            flight.snapshot = raw
            flight._snapshot_ready.set()

        def progress(run: Run, _: TrainingProgress) -> None:
            nonlocal last_write
            if flight._snapshot_wanted.is_set():
                flight._snapshot_wanted.clear()
                if child is None:
                    take_snapshot(save_run(run))
                else:
                    child.request_snapshot()  # the weights are the child's; they come back through
            if time.monotonic() - last_write > PROGRESS_SECONDS:
                self._write_progress(flight.key, run)
                last_write = time.monotonic()

        result = None
        try:
            if child is None:
                train_run(
                    flight.run,
                    data,
                    device,
                    progress,
                    should_stop=lambda: self._abandoned(flight),
                    time_limit=self.time_limit,
                )
            else:
                child.on_snapshot = take_snapshot
                result = child.train(progress, should_stop=lambda: self._abandoned(flight))
        except Exception:  # the run says what failed
            logger.exception("shared training %s failed", flight.key[:12])
        finally:
            try:
                flight.result = result or save_run(flight.run)
                if flight.run.complete:
                    self._write(self._path(flight.key, RUN_SUFFIX), flight.result)
            except OSError:
                logger.exception("shared training %s could not be stored", flight.key[:12])
            finally:
                with self._lock:
                    del self._flights[flight.key]
                self._path(flight.key, PROGRESS_SUFFIX).unlink(missing_ok=True)
                handle.close()  # releases the lock for every process
                release()
                flight.done.set()
                flight._snapshot_ready.set()
                release_memory()

    def _write_progress(self, key: str, run: Run) -> None:
        body = {"steps": run.steps, "total_steps": run.total_steps, "history": run.history_rows}
        with contextlib.suppress(OSError):
            self._write(self._path(key, PROGRESS_SUFFIX), json.dumps(body).encode())

    def _write(self, path: Path, data: bytes) -> None:
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            temporary.write_bytes(data)
            os.replace(temporary, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
