"""Shared fixtures: small, seeded data and models so the suite runs in minutes on a CPU."""

from __future__ import annotations

import copy
import os
import tempfile

import pytest
import torch

from playground.config import default_config
from playground.data.datasets import build_builtin

# Under pytest-xdist two workers share the 2 cores: one thread each (two OpenMP pools of two
# threads on two cores wait on each other), and each worker its own run store, so one worker's
# servers never find, or wait on, the other's shared trainings.
WORKER = os.environ.get("PYTEST_XDIST_WORKER")
torch.set_num_threads(1 if WORKER else 2)
if WORKER:  # and so do the processes it starts (the CLI, servers): PyTorch reads this when it loads
    os.environ["OMP_NUM_THREADS"] = "1"
# The run store of every app the tests start (AppTest in this process, servers it spawns): a fresh folder.
if WORKER:
    os.environ["PLAYGROUND_STORE_DIR"] = tempfile.mkdtemp(prefix=f"playground-store-{WORKER}-")
else:
    os.environ.setdefault("PLAYGROUND_STORE_DIR", tempfile.mkdtemp(prefix="playground-store-"))


@pytest.fixture(scope="session")
def small_sentiment():
    config = default_config("sentiment", "lstm")
    config.data.num_sentences = 1500
    return config, build_builtin(config.data)


@pytest.fixture(scope="session")
def small_next_word():
    config = default_config("next-word", "lstm")
    config.data.num_sentences = 1500
    return config, build_builtin(config.data)


def with_training(config, **train):
    """A copy of `config` with some training fields changed (fixtures stay untouched)."""
    config = copy.deepcopy(config)
    for key, value in train.items():
        setattr(config.train, key, value)
    return config


def model_run(fixture, arch: str, **model):
    """An untrained, seeded run of `arch` on a fixture's data, in eval mode."""
    from playground.run import create_run

    config, data = fixture
    config = with_training(config)
    config.model.arch = arch
    for key, value in model.items():
        setattr(config.model, key, value)
    run = create_run(config, data)
    run.model.eval()
    return run


def pytest_addoption(parser):
    parser.addoption(
        "--monkey-long",
        action="store_true",
        help="random browser interactions: thousands of actions instead of a CI-sized run",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`--dist loadgroup`): every browser test on one worker, one after another,
    and every other file kept whole on a worker. Two Chromiums and their servers at once on 2 cores
    made browser tests time out (Home's training had not shown its run after 30 s)."""
    for item in items:
        group = "browser" if item.get_closest_marker("e2e") else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))
