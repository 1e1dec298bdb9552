"""The run's cost estimate: within a factor of 2 of measurements, and refusals that say what to lower."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playground.budget import FIXED_MB, MAX_MEMORY_MB, MAX_MINUTES, batch_shapes, estimate_run, over_budget
from playground.config import ARCHITECTURES, TASKS, DataConfig, ExperimentConfig, default_config
from playground.data.datasets import SequenceSet, build_builtin
from playground.run import create_run
from playground.train import Trainer

MEASURED = json.loads((Path(__file__).parents[1] / "bench" / "estimate.json").read_text())
# The link from issue 22, measured by its filer on the hosted server: 7.7-8.0 GB, ~37 s a step.
ISSUE_LINK = {
    "data": {
        "task": "next-word",
        "tokenizer": "char",
        "text_layout": "stream",
        "max_length": 256,
        "num_sentences": 50000,
    },
    "model": {
        "arch": "transformer",
        "embedding_dim": 512,
        "hidden_dim": 1024,
        "num_layers": 2,
        "num_heads": 8,
    },
    "train": {"batch_size": 512, "epochs": 50},
}
REFERENCE = [*MEASURED, {"config": ISSUE_LINK, "peak_mb": 7900, "step_seconds": 37.0}]


@cache
def data_for(fields: tuple):
    return build_builtin(DataConfig(*fields))


def config_and_data(spec: dict):
    config, warnings = ExperimentConfig.from_dict(spec)
    assert warnings == []
    return config, data_for(dataclasses.astuple(config.data))


@pytest.mark.parametrize(
    "row",
    REFERENCE,
    ids=lambda r: "{arch}-{task}-B{batch}".format(
        arch=r["config"]["model"]["arch"],
        task=r["config"]["data"]["task"],
        batch=r["config"]["train"]["batch_size"],
    ),
)
def test_the_estimate_is_within_a_factor_of_two_of_what_was_measured(row):
    config, data = config_and_data(row["config"])
    estimate = estimate_run(config, data)
    # A tiny model's peak (16 MB for the default bag of words) is mostly the fixed allocator slack.
    close = abs(estimate.peak_mb - row["peak_mb"]) <= FIXED_MB
    assert close or 0.5 <= estimate.peak_mb / row["peak_mb"] <= 2, (estimate.peak_mb, row["peak_mb"])
    seconds = estimate.step_seconds
    assert 0.5 <= seconds / row["step_seconds"] <= 2, (seconds, row["step_seconds"])


def test_the_link_from_the_issue_is_refused_naming_what_to_lower():
    config, data = config_and_data(ISSUE_LINK)
    estimate = estimate_run(config, data)
    assert estimate.steps == 650
    message = over_budget(estimate)
    assert message is not None and "GB of memory" in message and f"{MAX_MEMORY_MB:,.0f} MB" in message
    assert "Lower the batch size or the sequence length" in message
    config.train.batch_size, config.data.max_length, config.model.num_heads = 32, 64, 2
    smaller = estimate_run(config, data)
    assert smaller.peak_mb < MAX_MEMORY_MB and smaller.minutes > MAX_MINUTES  # memory fits; time does not
    assert "Lower the epochs or the step limit" in over_budget(smaller)


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_every_default_configuration_fits_the_default_budget(task, arch):
    config = default_config(task, arch)
    estimate = estimate_run(config, data_for(dataclasses.astuple(config.data)))
    assert over_budget(estimate) is None
    assert estimate.seconds < 120 and estimate.peak_mb < 200  # the defaults train in seconds


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(ARCHITECTURES), st.integers(1, 256), st.integers(2, 64))
def test_more_batch_or_length_never_costs_less(arch, batch, length):
    config = default_config("next-word", arch)
    config.data.num_sentences = 1000
    data = data_for(dataclasses.astuple(config.data))
    config.train.batch_size, config.data.max_length = batch, length
    base = estimate_run(config, data)
    config.train.batch_size = batch * 2
    bigger = estimate_run(config, data)
    assert bigger.peak_mb >= base.peak_mb and bigger.step_seconds >= base.step_seconds
    config.train.batch_size, config.data.max_length = batch, length * 2
    longer = estimate_run(config, data)
    assert longer.peak_mb >= base.peak_mb


@pytest.mark.parametrize("task", TASKS)
def test_the_time_estimate_prices_the_batches_the_trainer_draws(task, monkeypatch):
    """Classifiers batch reviews of like length, so an epoch's mean width is well below the longest."""
    config = default_config(task, "lstm")
    config.data.num_sentences = 600
    config.train.epochs = 1
    data = build_builtin(config.data)
    drawn = Counter()
    original = SequenceSet.batch

    def recording_batch(self, index):
        inputs, lengths, targets = original(self, index)
        if self is data.train:
            drawn[(inputs.shape[0], inputs.shape[1])] += 1
        return inputs, lengths, targets

    run = create_run(config, data)
    monkeypatch.setattr(SequenceSet, "batch", recording_batch)
    Trainer(run, data, record_gradients=False, log_every=10**6).train()
    expected = batch_shapes(config, data)
    assert drawn == expected
    mean_width = sum(width * n for (_, width), n in expected.items()) / sum(expected.values())
    longest = int(data.train.lengths.max())
    if task == "sentiment":
        assert mean_width < 0.7 * longest
