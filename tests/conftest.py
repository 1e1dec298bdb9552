"""Shared fixtures: small, seeded data and models so the suite runs in minutes on a CPU."""

from __future__ import annotations

import copy
import os
import tempfile

import pytest
import torch

from playground.config import default_config
from playground.data.datasets import build_builtin

torch.set_num_threads(2)
# The run store of every app the tests start (AppTest in this process, servers it spawns): a fresh folder.
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
