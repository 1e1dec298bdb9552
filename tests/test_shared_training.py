"""Train once per key: determinism, one training under concurrent requests, a copy per learner, threads."""

from __future__ import annotations

import threading
import time

import pytest
import torch

from playground import shared_training
from playground.data.datasets import build_builtin
from playground.io import save_run
from playground.run import create_run
from playground.shared_training import SharedTrainings, data_digest, shareable, training_key
from playground.threads import threads_per_training
from playground.train import train_run
from tests.conftest import with_training

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def tiny():
    """A sentiment LSTM that trains in about a second."""
    from playground.config import default_config

    config = default_config("sentiment", "lstm")
    config.data.num_sentences = 300
    config.train.epochs = 1
    config.model.hidden_dim = 16
    return config, build_builtin(config.data)


def weights(run) -> dict[str, torch.Tensor]:
    return {name: value.detach().clone() for name, value in run.model.state_dict().items()}


def test_training_on_the_cpu_is_bitwise_deterministic_even_beside_another_training(tiny):
    config, data = tiny
    alone = train_run(create_run(config, data), data)
    pair = [create_run(config, data), create_run(with_training(config, seed=7), data)]
    threads = [threading.Thread(target=train_run, args=(run, data)) for run in pair]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for run in (alone, pair[0]):
        assert run.status == "finished"
    first, second = weights(alone), weights(pair[0])
    assert first.keys() == second.keys()
    assert all(torch.equal(first[name], second[name]) for name in first)
    losses = [[(r["step"], r["loss"], r["accuracy"]) for r in run.history_rows] for run in (alone, pair[0])]
    assert losses[0] == losses[1]
    assert alone.metrics["test_accuracy"] == pair[0].metrics["test_accuracy"]


def test_the_key_names_everything_that_decides_the_numbers(tiny):
    config, _ = tiny
    key = training_key(config, "built-in", CPU, 1)
    assert key == training_key(config, "built-in", CPU, 1)
    assert key != training_key(with_training(config, seed=1), "built-in", CPU, 1)
    assert key != training_key(config, "built-in", CPU, 2)
    assert key != training_key(config, data_digest(b"some text"), CPU, 1)
    assert data_digest(b"some text") == data_digest(b"some text")
    assert data_digest(b"some text") != data_digest(b"some text!")
    assert data_digest(b"a,b", "a", "b") != data_digest(b"a,b", "b", "a")
    dropout = with_training(config)
    dropout.model.dropout = 0.2
    assert shareable(config) and not shareable(dropout)


def obtain(hub: SharedTrainings, key: str, config, data, slots: threading.Semaphore):
    """What a learner's page does on Train: the stored run, else the training in progress, else start it."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        stored = hub.finished(key)
        if stored is not None:
            return stored
        flight = hub.join(key)
        if flight is None and not hub.training_elsewhere(key):
            slots.acquire()
            flight = hub.start(key, create_run(config, data), data, CPU, slots.release)
        if flight is not None:
            flight.done.wait(120)
            hub.leave(flight)
            return shared_training.load_run(flight.result, restore=True)
        threading.Event().wait(0.05)  # another hub (process) trains it: look again
    raise AssertionError("no run within 120 s")


@pytest.mark.parametrize("processes", ["1", "0"], ids=["in a child process", "in a thread"])
def test_many_learners_on_one_link_get_one_training_each_their_own_copy(
    tiny, tmp_path, monkeypatch, processes
):
    config, data = tiny
    trained, children = [], []
    monkeypatch.setenv("PLAYGROUND_TRAINING_PROCESSES", processes)
    monkeypatch.setattr("playground.training_process.CHILD_MIN_SECONDS", 0.0)  # this short run too
    real_train = shared_training.train_run

    def counting(run, *args, **kwargs):
        trained.append(run)
        return real_train(run, *args, **kwargs)

    class CountedChild(shared_training.ChildTraining):
        def __init__(self, run, *args, **kwargs):
            trained.append(run)
            children.append(run)
            super().__init__(run, *args, **kwargs)

    monkeypatch.setattr(shared_training, "train_run", counting)
    monkeypatch.setattr(shared_training, "ChildTraining", CountedChild)
    # two processes' worth of hubs on one store folder, as two replicas behind a load balancer
    hubs = [SharedTrainings(tmp_path, threads=1), SharedTrainings(tmp_path, threads=1)]
    key = training_key(config, "built-in", CPU, 1)
    slots = threading.Semaphore(2)
    results = [None] * 12

    def learner(i: int) -> None:
        results[i] = obtain(hubs[i % 2], key, config, data, slots)

    threads = [threading.Thread(target=learner, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    assert len(trained) == 1 and len(children) == (processes == "1")
    assert all(run is not None and run.status == "finished" for run in results)
    assert len({id(run) for run in results}) == 12 and len({run.uid for run in results}) == 12
    reference = weights(results[0])
    for run in results[1:]:
        assert all(torch.equal(reference[name], value) for name, value in weights(run).items())
        assert run.config == config and run.history_rows == results[0].history_rows
    late = hubs[0].finished(key)  # a later arrival: at once, from the store, without training
    assert late is not None and len(trained) == 1

    # Copy per learner: training one copy further, renaming or dropping another changes no other.
    before = save_run(hubs[1].finished(key))
    results[0].config.train.epochs = 2
    train_run(results[0], data)
    results[1].history_rows.clear()
    results[2].model.embedding.weight.data.zero_()
    assert all(torch.equal(reference[name], value) for name, value in weights(results[3]).items())
    assert results[3].history_rows and results[3].config.train.epochs == 1
    assert save_run(hubs[1].finished(key)) == before


def test_everyone_leaving_stops_the_training_and_nothing_is_stored(tiny, tmp_path):
    config, data = tiny
    long = with_training(config, epochs=50)
    hub = SharedTrainings(tmp_path, threads=1)
    key = training_key(long, "built-in", CPU, 1)
    flight = hub.start(key, create_run(long, data), data, CPU, lambda: None)
    assert flight is not None and hub.training_elsewhere(key)  # the lock is held while it trains
    snapshot = hub.snapshot(flight, timeout=60)  # what a learner pressing Stop keeps
    assert snapshot is not None
    hub.leave(flight)
    assert flight.done.wait(60)
    assert flight.run.status == "stopped" and flight.run.steps < flight.run.total_steps
    assert hub.finished(key) is None and not hub.training_elsewhere(key)
    assert hub.join(key) is None


def test_threads_per_training_share_the_cores():
    assert threads_per_training(1, cores=2) == 2  # alone (the CLI, a benchmark): every core
    assert threads_per_training(2, cores=2) == 1
    assert threads_per_training(4, cores=2) == 1  # never 0
    assert threads_per_training(3, cores=16) == 5


def test_two_trainings_at_once_each_run_on_their_share_of_threads(tiny, tmp_path, monkeypatch):
    """OpenMP's thread count is per thread: each training thread sets its own, and it holds.
    (Trainings in child processes: tests/test_training_process.py.)"""
    config, data = tiny
    monkeypatch.setenv("PLAYGROUND_TRAINING_PROCESSES", "0")
    seen: dict[str, set[int]] = {"a": set(), "b": set()}
    both_running = threading.Barrier(2, timeout=60)
    real_train = shared_training.train_run

    def recording(run, data, device, on_progress, **kwargs):
        name = "a" if run.config.train.seed == 0 else "b"
        both_running.wait()  # prove they overlap: neither trains until both have started

        def progress(run, p):
            seen[name].add(torch.get_num_threads())
            on_progress(run, p)

        return real_train(run, data, device, progress, **kwargs)

    monkeypatch.setattr(shared_training, "train_run", recording)
    torch.set_num_threads(2)  # the process default stays as it was
    hub = SharedTrainings(tmp_path, threads=threads_per_training(2, cores=2))
    flights = [
        hub.start(training_key(c, "built-in", CPU, 1), create_run(c, data), data, CPU, lambda: None)
        for c in (config, with_training(config, seed=1))
    ]
    for flight in flights:
        assert flight.done.wait(120)
    assert seen == {"a": {1}, "b": {1}}
    assert torch.get_num_threads() == 2


def test_a_run_stored_between_a_look_and_the_lock_is_not_trained_again(tiny, tmp_path):
    """A training writes its run, then lets go of its lock: a learner who looked for the run just
    before it was written, and for the lock just after it was let go, must not start another."""
    config, data = tiny
    hub = SharedTrainings(tmp_path, threads=1)
    key = training_key(config, "built-in", CPU, 1)
    (tmp_path / f"{key}{shared_training.RUN_SUFFIX}").write_bytes(
        save_run(train_run(create_run(config, data), data))
    )
    released = []
    assert hub.start(key, create_run(config, data), data, CPU, lambda: released.append(True)) is None
    assert released == [True] and not hub.training_elsewhere(key)  # the slot and the lock are free
    assert hub.finished(key) is not None
