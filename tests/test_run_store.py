"""The run store and the model-file header schema: what comes back is what was kept, bad files are dropped."""

from __future__ import annotations

import json
import os
import struct
import time
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.file_header import ModelFileHeader
from playground.io import ModelFileError, load_run, save_run
from playground.run import create_run
from playground.run_store import RunStore, StoreSettings
from playground.train import train_run
from tests.conftest import with_training


@pytest.fixture(scope="module")
def trained(small_sentiment):
    config, data = small_sentiment
    return train_run(create_run(with_training(config, max_steps=20), data), data)


def store_at(tmp_path, **bounds) -> RunStore:
    return RunStore(StoreSettings(root=tmp_path / "store", **bounds))


def test_a_run_comes_back_whole(tmp_path, trained):
    store = store_at(tmp_path)
    store.save("browser-a", trained)
    (restored,), warnings = store.load("browser-a")
    assert not warnings
    assert restored.uid == trained.uid and restored.status == "finished"
    assert restored.history_rows == trained.history_rows and restored.metrics == trained.metrics
    assert [s.epoch for s in restored.snapshots] == [s.epoch for s in trained.snapshots]
    pairs = zip(restored.snapshots, trained.snapshots, strict=True)
    assert all((a.weights == b.weights).all() for a, b in pairs)
    assert [p.step for p in restored.gradient_probes] == [p.step for p in trained.gradient_probes]
    assert store.load("browser-b") == ([], [])  # another browser sees nothing


def test_a_run_comes_back_under_the_learners_own_number(tmp_path, trained):
    """A reload or a restart gives "#3" back as "#3" (the process-wide id starts again at 1)."""
    store = store_at(tmp_path)
    trained.number = 3
    try:
        store.save("browser-a", trained)
        (restored,), _ = store.load("browser-a")
        assert restored.number == 3 and restored.name.startswith("#3 ")
        assert restored.id != trained.id  # a new object in this process, the same name for the learner
        assert load_run(save_run(trained)).number == 0  # a file opened elsewhere gets its new owner's next
    finally:
        trained.number = 0


@pytest.mark.parametrize("status", ["finished", "stopped", "interrupted", "diverged", "failed"])
def test_a_run_comes_back_in_every_state_training_can_leave_it(tmp_path, trained, status):
    """A stopped run (the learner pressed Stop) was refused by the header's schema on the way back, so
    the store removed it: gone after a reload. Its download was refused the same way."""
    store = store_at(tmp_path)
    run = load_run(save_run(trained))
    run.status, run.message = status, f"ended: {status}"
    store.save("browser-a", run)
    (restored,), warnings = store.load("browser-a")
    assert not warnings and (restored.status, restored.message) == (status, f"ended: {status}")
    assert load_run(save_run(run)).status == "loaded"  # its download opens elsewhere as a loaded model


def test_runs_come_back_in_the_order_the_learner_got_them(tmp_path, trained):
    """By #number, not by when each was first trained: a loaded model file or a shared copy is often
    older than the learner's own runs, and came back among the oldest (first to be dropped)."""
    store = store_at(tmp_path)
    copies = [load_run(save_run(trained)) for _ in range(3)]
    for number, run, day in zip((1, 2, 3), copies, (2, 3, 1), strict=True):
        run.number, run.created = number, datetime(2026, 12, day)  # #3: a file trained before #1 and #2
        store.save("browser-a", run)
    restored, _ = store.load("browser-a")
    assert [run.number for run in restored] == [1, 2, 3]


def test_a_run_saved_while_training_comes_back_interrupted(tmp_path, trained):
    store = store_at(tmp_path)
    trained.status = "training"
    try:
        store.save("b", trained)
    finally:
        trained.status = "finished"
    (restored,), _ = store.load("b")
    assert restored.status == "interrupted" and "server stopped" in restored.message


@pytest.mark.parametrize("damage", ["truncated", "pickle", "nan"])
def test_a_corrupt_stored_file_is_dropped_and_the_others_kept(tmp_path, trained, damage):
    store = store_at(tmp_path)
    store.save("b", trained)
    raw = save_run(trained)
    bad = store.folder("b") / f"bad{damage}.safetensors"
    if damage == "truncated":
        bad.write_bytes(raw[: len(raw) // 2])
    elif damage == "pickle":
        bad.write_bytes(b"\x80\x04\x95" + b"\x00" * 64)
    else:
        size = struct.unpack("<Q", raw[:8])[0]
        body = bytearray(raw)
        body[8 + size : 8 + size + 4] = struct.pack("<f", float("nan"))  # the first float of the data
        bad.write_bytes(bytes(body))
    runs, warnings = store.load("b")
    assert [r.uid for r in runs] == [trained.uid]
    assert len(warnings) == 1 and not bad.exists()


def test_delete_removes_it_from_disk(tmp_path, trained):
    store = store_at(tmp_path)
    store.save("b", trained)
    store.delete("b", trained)
    assert store.load("b") == ([], [])


def test_a_deleted_run_is_marked_for_the_browsers_other_tabs_and_never_written_back(tmp_path, trained):
    """A tab kept showing (and could save again) a run another tab of the same browser deleted."""
    store = store_at(tmp_path)
    store.save("b", trained)
    assert store.deleted("b") == set() and store.deleted("nobody") == set()
    store.delete("b", trained)
    assert store.deleted("b") == {trained.uid}
    store.save("b", trained)  # a checkpoint or a late copy from the other tab
    assert store.load("b") == ([], [])
    assert store.deleted("other browser") == set()  # per browser


def test_prune_forgets_old_deletion_markers(tmp_path, trained):
    store = store_at(tmp_path, keep_days=7)
    store.touch("b")
    store.save("b", trained)
    store.delete("b", trained)
    marker = next(store.folder("b").glob("*.deleted"))
    store.prune()
    assert store.deleted("b") == {trained.uid}  # fresh: kept
    old = time.time() - 3 * 86_400
    os.utime(marker, (old, old))
    store.prune()
    assert store.deleted("b") == set()


def test_prune_drops_idle_browsers_then_the_oldest_runs_beyond_the_size(tmp_path, trained):
    store = store_at(tmp_path, keep_days=7, max_bytes=10**9)
    for browser in ("old", "recent"):
        store.touch(browser)
        store.save(browser, trained)
    (store.folder("old") / ".last-seen").write_text(str(time.time() - 8 * 86_400))
    store.prune()
    assert not store.folder("old").exists() and store.load("recent")[0]
    size = len(save_run(trained))
    small = store_at(tmp_path, max_bytes=int(size * 1.5))
    small.save("recent", trained)  # the same run under a second name, written later
    uid, trained.uid = trained.uid, "second"
    try:
        small.save("recent", trained)
    finally:
        trained.uid = uid
    os.utime(small.folder("recent") / "second.safetensors", (time.time() + 5, time.time() + 5))
    small.prune()
    left = sorted(p.name for p in small.folder("recent").glob("*.safetensors"))
    assert left == ["second.safetensors"]  # the older file went first


def test_an_unwritable_store_raises_oserror(tmp_path, trained):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    store = RunStore(StoreSettings(root=blocker))
    with pytest.raises(OSError):
        store.save("b", trained)


def test_experiment_results_come_back_and_bad_ones_are_dropped(tmp_path):
    from playground.experiments.registry import reference_result

    store = store_at(tmp_path)
    result, _ = reference_result("adding")
    store.save_experiment("b", result)
    (store.folder("b") / "experiments" / "bogus.json").write_text(
        json.dumps(
            {"experiment": "adding", "settings": {}, "complete": True, "seconds": 1.0, "rows": [{"x": 1}]}
        )
    )
    results, warnings = store.load_experiments("b")
    assert results["adding"].rows == result.rows and len(warnings) == 1


# --- the header schema, drawn by Hypothesis -------------------------------------------------------


def with_meta(raw: bytes, change) -> bytes:
    """The file `raw` with its playground header changed by `change(meta)` (weights kept)."""
    size = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + size])
    meta = json.loads(header["__metadata__"]["playground"])
    change(meta)
    header["__metadata__"]["playground"] = json.dumps(meta)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + raw[8 + size :]


WRONG = st.one_of(
    st.none(),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.booleans(),
    st.floats(allow_nan=False) | st.just(1e300),
)
FIELDS = [
    "baseline",
    "metrics",
    "steps",
    "seconds",
    "history",
    "vocabulary",
    "class_names",
    "examples",
    "snapshots",
    "probes",
    "status",
    "total_steps",
    "device",
]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), value=WRONG)
def test_any_wrong_type_is_refused_by_name_or_loads_cleanly(trained, field, value):
    raw = with_meta(save_run(trained), lambda meta: meta.__setitem__(field, value))
    try:
        run = load_run(raw)
    except ModelFileError as error:
        assert str(error).startswith(("The file", "This")), error  # a sentence, never a traceback
        return
    # Whatever loaded is usable: the numbers a page reads are of the declared types.
    assert isinstance(run.steps, int) and 0 <= run.steps <= 10**7
    assert all(isinstance(v, float) for v in run.metrics.values())
    assert isinstance(run.baseline["accuracy"], float)
    run.history  # noqa: B018 - builds the DataFrame


@pytest.mark.parametrize(
    "field,value,words",
    [
        ("baseline", {"loss": 0.7}, "baseline.accuracy"),
        ("steps", "12", "steps"),
        ("steps", None, "steps"),
        ("steps", 1e300, "steps"),
        ("history", 3, "history"),
        ("class_names", ["pos", "pos"], "class_names"),
        ("class_names", [1, 2], "class_names"),
        (
            "vocabulary",
            {"tokens": ["<pad>", "<unk>", "<bos>", "<eos>", "a"], "level": "bogus"},
            "vocabulary.level",
        ),
        ("metrics", {"test_accuracy": [1]}, "metrics"),
    ],
)
def test_each_reported_header_case_names_its_field(trained, field, value, words):
    raw = with_meta(save_run(trained), lambda meta: meta.__setitem__(field, value))
    with pytest.raises(ModelFileError, match=words.replace(".", r"\.")):
        load_run(raw)


@pytest.mark.parametrize("where", ["outer", "playground"])
def test_deeply_nested_json_is_refused_not_a_recursion_error(trained, where):
    deep = "[" * 100_000 + "]" * 100_000
    raw = save_run(trained)
    size = struct.unpack("<Q", raw[:8])[0]
    if where == "outer":
        text = raw[8 : 8 + size].decode().replace('"__metadata__"', f'"deep": {deep}, "__metadata__"', 1)
    else:
        header = json.loads(raw[8 : 8 + size])
        inner = header["__metadata__"]["playground"]
        header["__metadata__"]["playground"] = '{"deep": ' + deep + ", " + inner[1:]
        text = json.dumps(header)
    nested = text.encode() + b" " * (-len(text.encode()) % 8)
    with pytest.raises(ModelFileError):
        load_run(struct.pack("<Q", len(nested)) + nested + raw[8 + size :])


def test_the_schema_accepts_what_the_app_writes(trained):
    size = struct.unpack("<Q", save_run(trained)[:8])[0]
    meta = json.loads(json.loads(save_run(trained)[8 : 8 + size])["__metadata__"]["playground"])
    ModelFileHeader.model_validate(meta)


def test_a_reloaded_tab_waits_for_a_leaving_trainings_last_write_and_not_for_a_live_one():
    import threading
    import time

    from playground.run_store import PendingWrites

    writes = PendingWrites()
    leaving, live = writes.start("browser"), writes.start("browser")
    order = []

    def old_tab() -> None:
        leaving.leave()
        time.sleep(0.3)  # taking the stopped copy and writing it
        order.append("written")
        writes.finish("browser", leaving)

    threading.Thread(target=old_tab).start()
    started = time.monotonic()
    writes.wait("browser", grace=0.2)
    order.append("restored")
    assert order == ["written", "restored"]  # the new tab read the store after the write
    assert time.monotonic() - started < 5  # and did not wait out the live tab's training
    writes.finish("browser", live)
    writes.wait("browser")  # nothing pending: returns at once
