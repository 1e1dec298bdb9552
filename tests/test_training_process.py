"""Training in a child process: the same bits as in a thread, progress relayed, Stop and snapshots
honoured, a child that dies leaves a failed run with a message instead of a hang."""

from __future__ import annotations

import os
import signal

import pytest
import torch

from playground.config import default_config
from playground.data.datasets import build_builtin
from playground.io import load_run
from playground.run import create_run
from playground.train import train_run
from playground.training_process import CHILD_MIN_SECONDS, ChildTraining, enabled
from tests.test_shared_training import weights


@pytest.fixture(scope="module")
def tiny():
    """A sentiment LSTM of a few dozen steps."""
    config = default_config("sentiment", "lstm")
    config.data.num_sentences = 600
    config.train.epochs = 2
    config.model.hidden_dim = 16
    return config, build_builtin(config.data)


def test_a_child_trains_the_same_bits_as_a_thread_and_relays_its_progress(tiny):
    config, data = tiny
    here = train_run(create_run(config, data), data)
    run = create_run(config, data)
    identity = (run.id, run.uid, run.number)
    seen: list[tuple[int, int]] = []
    child = ChildTraining(run, data, threads=torch.get_num_threads())
    raw = child.train(lambda r, p: seen.append((r.steps, len(r.history_rows))))
    assert run.status == here.status == "finished"
    assert (run.id, run.uid, run.number) == identity  # the parent's run object, its identity kept
    assert weights(run).keys() == weights(here).keys()
    assert all(torch.equal(weights(run)[k], weights(here)[k]) for k in weights(here))

    def numbers(rows):
        return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]

    assert numbers(run.history_rows) == numbers(here.history_rows) and run.metrics == here.metrics
    assert len(run.snapshots) == len(here.snapshots) and len(run.gradient_probes) == len(here.gradient_probes)
    assert seen and seen == sorted(seen) and seen[-1][0] == here.steps  # live, in order, to the end
    assert child.threads_used == torch.get_num_threads()
    assert load_run(raw, restore=True).metrics == here.metrics


def test_stop_and_snapshots_reach_the_child_between_steps(tiny):
    config, data = tiny
    config = default_config("sentiment", "lstm")
    config.data.num_sentences, config.train.epochs, config.model.hidden_dim = 600, 40, 16
    run = create_run(config, data)
    child = ChildTraining(run, data, threads=1)
    snapshots: list[bytes] = []
    child.on_snapshot = snapshots.append
    asked = []

    def progress(r, p):
        if not asked:
            child.request_snapshot()
            asked.append(r.steps)

    child.train(progress, should_stop=lambda: bool(snapshots))
    assert snapshots, "the snapshot asked for at the first logged interval never came"
    snapshot = load_run(snapshots[0], restore=True)
    assert snapshot.steps >= asked[0] and snapshot.status == "interrupted"  # as a file mid-training loads
    assert run.status == "stopped" and 0 < run.steps < run.total_steps  # what it learned is kept
    assert run.message.startswith("Stopped at step")
    assert run.history_rows


class PageRerun(BaseException):
    """What Streamlit raises in a script thread at its next call after a click (not an Exception)."""


def test_a_caller_interrupted_mid_training_still_gets_what_the_child_learned(tiny):
    config, data = tiny
    config = default_config("sentiment", "lstm")
    config.data.num_sentences, config.train.epochs, config.model.hidden_dim = 600, 40, 16
    run = create_run(config, data)
    initial = weights(run)

    def rerun(r, p):
        if r.steps >= 10:
            raise PageRerun

    with pytest.raises(PageRerun):
        ChildTraining(run, data, threads=1).train(rerun)
    assert run.status == "stopped" and 10 <= run.steps < run.total_steps
    assert any(not torch.equal(initial[k], v) for k, v in weights(run).items())  # the child's weights


def test_a_child_that_dies_leaves_a_failed_run_that_says_so(tiny):
    config, data = tiny
    run = create_run(config, data)
    child = ChildTraining(run, data, threads=1)

    def kill(r, p):
        os.kill(child.process.pid, signal.SIGKILL)

    child.train(kill)
    assert run.status == "failed"
    assert "ended without a result" in run.message and "press Train to try again" in run.message


def test_a_child_trains_on_the_threads_it_is_given(tiny):
    config, data = tiny
    for threads in (1, 2):
        child = ChildTraining(create_run(config, data), data, threads=threads)
        child.train()
        assert child.threads_used == threads


def test_processes_are_for_trainings_on_the_cpu_long_enough_to_repay_their_start(monkeypatch):
    cpu = torch.device("cpu")
    monkeypatch.delenv("PLAYGROUND_TRAINING_PROCESSES", raising=False)
    assert not enabled(cpu, 60.0)  # off unless the server asks for them
    monkeypatch.setenv("PLAYGROUND_TRAINING_PROCESSES", "1")
    assert enabled(cpu, CHILD_MIN_SECONDS) and enabled(cpu, 60.0)
    assert not enabled(cpu, CHILD_MIN_SECONDS / 2)  # a child's start would cost more than it saves
    assert not enabled(torch.device("cuda"), 60.0)
    monkeypatch.setenv("PLAYGROUND_TRAINING_PROCESSES", "0")
    assert not enabled(cpu, 60.0)
