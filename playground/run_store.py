"""The server-side run store: each browser's runs on disk, as model files, so a reload loses nothing.

Layout: `<root>/<browser folder>/<run uid>.safetensors` (the same file format as a download from
the Runs page) and `<root>/<browser folder>/experiments/<name>.json`. The folder name is a hash of
the browser's secret identifier, so a listing of the store reveals no identifier. Every file read
back goes through the same validation as an upload; a file that fails is deleted and reported.
Writes go to a temporary file first and are renamed into place, so a crash never leaves half a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from playground.experiments.common import ExperimentResult
from playground.experiments.registry import EXPERIMENTS, reference_result
from playground.io import ModelFileError, load_run, save_run
from playground.run import Run

RUN_SUFFIX = ".safetensors"
SEEN_FILE = ".last-seen"
NUMBER_FILE = ".last-number"  # the highest #number given in this browser, by any of its tabs
ACTIVE_FILE = ".active-run"  # the uid of the run the browser's last tab had active
CHECKPOINT_SECONDS = 15.0  # a training writes its run to the store at most this often
DELETED_SUFFIX = ".deleted"  # a marker per deleted run (its #number): the browser's other tabs drop it too
DELETED_MARKER_DAYS = 2  # pruned after this: a tab left open longer keeps showing the run, unsaved
MAX_EXPERIMENT_BYTES = 4 * 2**20


def default_root() -> Path:
    """A folder under the user's cache directory (XDG_CACHE_HOME, else ~/.cache)."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "sequence-playground" / "runs"


@dataclass(frozen=True)
class StoreSettings:
    """Bounds for a shared server, read from PLAYGROUND_STORE_* settings."""

    root: Path
    keep_days: float = 7.0
    max_bytes: int = 2 * 2**30
    max_runs: int = 12

    @classmethod
    def from_environment(cls, max_runs: int) -> StoreSettings:
        root = os.environ.get("PLAYGROUND_STORE_DIR")
        return cls(
            root=Path(root) if root else default_root(),
            keep_days=float(os.environ.get("PLAYGROUND_STORE_KEEP_DAYS", 7)),
            max_bytes=int(float(os.environ.get("PLAYGROUND_STORE_MAX_MB", 2048)) * 2**20),
            max_runs=max_runs,
        )


class _StoredExperiment(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")
    experiment: str = Field(max_length=100)
    settings: dict
    complete: bool
    seconds: float = Field(ge=0, allow_inf_nan=False)
    rows: list[dict[str, str | int | float | bool | None]] = Field(max_length=10_000)


class RunStore:
    """Runs and experiment results per browser, on disk, within the settings' bounds."""

    def __init__(self, settings: StoreSettings):
        self.settings = settings

    def folder(self, browser: str) -> Path:
        digest = hashlib.sha256(browser.encode()).hexdigest()[:32]
        return self.settings.root / digest

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            temporary.write_bytes(data)
            os.replace(temporary, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()

    def save(self, browser: str, run: Run) -> None:
        """Write `run` (raises OSError when the disk is full or the folder is not writable).

        A run deleted (in another tab of the browser) stays deleted: a checkpoint or a late copy of it
        is not written back.
        """
        folder = self.folder(browser)
        if (folder / f"{run.uid}{DELETED_SUFFIX}").exists():
            return
        self._write(folder / f"{run.uid}{RUN_SUFFIX}", save_run(run))

    def delete(self, browser: str, run: Run) -> None:
        """Remove `run`, leaving a marker so the browser's other tabs drop it too (`deleted`)."""
        folder = self.folder(browser)
        with contextlib.suppress(FileNotFoundError):
            (folder / f"{run.uid}{RUN_SUFFIX}").unlink()
        self._write(folder / f"{run.uid}{DELETED_SUFFIX}", str(run.number or "").encode())

    def last_number(self, browser: str) -> int:
        """The highest #number any tab of the browser has given a run (0 if none, or unreadable)."""
        with contextlib.suppress(OSError, ValueError):
            return int((self.folder(browser) / NUMBER_FILE).read_text())
        return 0

    def note_number(self, browser: str, number: int) -> None:
        """Record that a run of the browser got `number`, so no tab of it gives that number again."""
        if number > self.last_number(browser):
            self._write(self.folder(browser) / NUMBER_FILE, str(number).encode())

    def note_active(self, browser: str, uid: str) -> None:
        """Record the run the learner has active, so a reload or a new tab opens on it again."""
        self._write(self.folder(browser) / ACTIVE_FILE, uid.encode())

    def active(self, browser: str) -> str | None:
        """The uid of the run the browser last had active, or None (none noted, or unreadable)."""
        with contextlib.suppress(OSError, UnicodeDecodeError):
            return (self.folder(browser) / ACTIVE_FILE).read_text() or None
        return None

    def highest_deleted_number(self, browser: str) -> int:
        """The highest #number among the browser's deleted runs (their markers hold it): not given again."""
        folder = self.folder(browser)
        numbers = [0]
        for path in folder.glob(f"*{DELETED_SUFFIX}") if folder.is_dir() else []:
            with contextlib.suppress(OSError, ValueError):
                numbers.append(int(path.read_text() or 0))
        return max(numbers)

    def deleted(self, browser: str) -> set[str]:
        """The uids of the browser's runs deleted since its folder was last pruned."""
        folder = self.folder(browser)
        if not folder.is_dir():
            return set()
        return {path.name[: -len(DELETED_SUFFIX)] for path in folder.glob(f"*{DELETED_SUFFIX}")}

    def touch(self, browser: str) -> None:
        """Mark the browser as seen now: its runs are kept for `keep_days` from here."""
        self._write(self.folder(browser) / SEEN_FILE, str(time.time()).encode())

    def stored(self, browser: str) -> dict[str, float]:
        """The uids of the browser's stored runs not marked deleted, each with the time its file was last
        written (one listing of the folder)."""
        folder = self.folder(browser)
        paths = list(folder.iterdir()) if folder.is_dir() else []
        gone = {path.name[: -len(DELETED_SUFFIX)] for path in paths if path.name.endswith(DELETED_SUFFIX)}
        found = {}
        for path in paths:
            uid = path.name[: -len(RUN_SUFFIX)]
            if path.name.endswith(RUN_SUFFIX) and uid not in gone:
                with contextlib.suppress(FileNotFoundError):  # deleted by another tab in between
                    found[uid] = path.stat().st_mtime
        return found

    def load_one(self, browser: str, uid: str) -> Run:
        """One stored run (raises OSError, or ModelFileError for a file that cannot be restored)."""
        run = load_run((self.folder(browser) / f"{_safe_name(uid)}{RUN_SUFFIX}").read_bytes(), restore=True)
        run.uid = uid
        return run

    def load(self, browser: str) -> tuple[list[Run], list[str]]:
        """This browser's runs, oldest first, and a warning for each file that was dropped."""
        folder = self.folder(browser)
        runs, warnings = [], []
        paths = sorted(folder.glob(f"*{RUN_SUFFIX}")) if folder.is_dir() else []
        for path in paths:
            uid = path.name[: -len(RUN_SUFFIX)]
            try:
                run = self.load_one(browser, uid)
            except ModelFileError as error:
                warnings.append(f"A stored run could not be restored and was removed: {error}")
                path.unlink(missing_ok=True)
                continue
            except OSError as error:
                warnings.append(f"A stored run could not be read ({error.strerror}).")
                continue
            runs.append(run)
        # In the order this browser got them (its #numbers): a loaded file or a shared copy keeps the
        # time it was first trained, which put it among the oldest. Runs from before numbers first.
        runs.sort(key=lambda run: (run.number or 0, run.created))
        for extra in runs[: max(0, len(runs) - self.settings.max_runs)]:
            self.delete(browser, extra)
        return runs[-self.settings.max_runs :], warnings

    def save_experiment(self, browser: str, result: ExperimentResult) -> None:
        data = json.dumps(result.to_dict()).encode()
        if len(data) <= MAX_EXPERIMENT_BYTES:
            self._write(self.folder(browser) / "experiments" / f"{_safe_name(result.name)}.json", data)

    def load_experiments(self, browser: str) -> tuple[dict[str, ExperimentResult], list[str]]:
        folder = self.folder(browser) / "experiments"
        results, warnings = {}, []
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            try:
                if path.stat().st_size > MAX_EXPERIMENT_BYTES:
                    raise ValueError("too large")
                checked = _StoredExperiment.model_validate(json.loads(path.read_bytes()))
                _check_columns(checked)
            except (OSError, ValueError, RecursionError, ValidationError):
                warnings.append(
                    f"A stored experiment result ({path.stem[:40]}) could not be restored and was removed."
                )
                path.unlink(missing_ok=True)
                continue
            results[checked.experiment] = ExperimentResult(
                checked.experiment, checked.settings, list(checked.rows), checked.seconds, checked.complete
            )
        return results, warnings

    def prune(self, now: float | None = None) -> int:
        """Drop browsers idle longer than `keep_days`, then the oldest runs of the least recently
        seen browsers until the store fits `max_bytes`. Returns the number of bytes freed."""
        now = time.time() if now is None else now
        root = self.settings.root
        if not root.is_dir():
            return 0
        freed = 0
        browsers = []
        for folder in root.iterdir():
            if not folder.is_dir():
                continue
            seen = _last_seen(folder)
            files = [p for p in folder.rglob("*") if p.is_file()]
            if now - seen > self.settings.keep_days * 86_400:
                freed += sum(p.stat().st_size for p in files if p.exists())
                shutil.rmtree(folder, ignore_errors=True)
                continue
            for marker in (p for p in files if p.suffix == DELETED_SUFFIX):  # other tabs have long seen it
                if now - marker.stat().st_mtime > DELETED_MARKER_DAYS * 86_400:
                    marker.unlink(missing_ok=True)
            browsers.append((seen, files))
        total = sum(p.stat().st_size for _, files in browsers for p in files if p.exists())
        for _, files in sorted(browsers, key=lambda b: b[0]):
            runs = sorted((p for p in files if p.suffix == RUN_SUFFIX), key=lambda p: p.stat().st_mtime)
            for path in runs:
                if total <= self.settings.max_bytes:
                    return freed
                size = path.stat().st_size
                path.unlink(missing_ok=True)
                total -= size
                freed += size
        return freed


def _check_columns(result: _StoredExperiment) -> None:
    """A result is drawn by its experiment's figure: it must be a known experiment with its own columns."""
    if result.experiment not in EXPERIMENTS:
        raise ValueError("unknown experiment")
    reference = reference_result(result.experiment)
    if reference is not None and reference[0].rows:
        # "seed" is added by the multi-seed runs the shipped results come from; a live run has one seed
        columns = set(reference[0].rows[0]) - {"seed"}
        if any(set(row) - {"seed"} != columns for row in result.rows):
            raise ValueError("other columns than the experiment writes")


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)[:60] or "experiment"


def _last_seen(folder: Path) -> float:
    try:
        return float((folder / SEEN_FILE).read_text())
    except (OSError, ValueError):
        try:
            return folder.stat().st_mtime
        except OSError:
            return 0.0


class PendingWrite:
    """One training a browser's session is running, whose last state has not reached the store yet."""

    def __init__(self) -> None:
        self.leaving = threading.Event()  # its session was stopped (a click, a reload): the write comes
        self.written = threading.Event()

    def leave(self) -> None:
        self.leaving.set()

    def done(self) -> None:
        self.leaving.set()
        self.written.set()


class PendingWrites:
    """Trainings whose last state is on its way to a browser's store, for a reloaded tab to wait for.

    A reload stops the old tab's script run, which then saves the stopped run; the new tab's first
    script run reads the store at once, and read it before that write (a learner's run missing
    until the next reload). The new tab waits for writes that are leaving, and a moment (`grace`)
    for trainings not yet told to stop: another tab of the same browser, still training, is not
    waited for beyond it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[str, list[PendingWrite]] = {}

    def start(self, browser: str) -> PendingWrite:
        write = PendingWrite()
        with self._lock:
            self._pending.setdefault(browser, []).append(write)
        return write

    def finish(self, browser: str, write: PendingWrite) -> None:
        write.done()
        with self._lock:
            writes = self._pending.get(browser, [])
            if write in writes:
                writes.remove(write)
            if not writes:
                self._pending.pop(browser, None)

    def wait(self, browser: str, grace: float = 1.0, timeout: float = 15.0) -> None:
        """Wait until this browser's leaving trainings have written their last state."""
        with self._lock:
            writes = list(self._pending.get(browser, []))
        deadline = time.monotonic() + timeout
        for write in writes:
            if write.leaving.wait(grace):
                write.written.wait(max(0.0, deadline - time.monotonic()))
