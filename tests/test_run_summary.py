"""The table of runs carries issue 23's checks: unseen structures, edits, calibration, no-evidence inputs."""

import pytest

from playground.run import create_run, edit_changes, largest_edit_change, no_evidence_range
from playground.train import train_run
from tests.conftest import with_training

SENTIMENT = {
    "test_accuracy": 0.9,
    "test_full_stop_accuracy": 0.905,
    "test_comma_accuracy": 0.88,
    "test_capitals_accuracy": 0.9,
    "test_no_punctuation_accuracy": 0.91,
    "unseen_structure_accuracy": 0.7,
    "test_ece": 0.04,
    "unknown_p_positive_min": 0.371,
    "unknown_p_positive_max": 0.624,
}


def test_edit_changes_are_each_edit_minus_the_plain_test_split():
    changes = edit_changes(SENTIMENT)
    assert changes == pytest.approx(
        {"full_stop": 0.005, "comma": -0.02, "capitals": 0.0, "no_punctuation": 0.01}
    )
    assert largest_edit_change(SENTIMENT) == pytest.approx(-0.02)  # the largest in size, sign kept


def test_runs_without_the_checks_show_none():
    next_word = {"test_accuracy": 0.42, "val_loss": 2.1}
    assert edit_changes(next_word) == {}
    assert largest_edit_change(next_word) is None
    assert no_evidence_range(next_word) is None
    assert edit_changes({}) == {}


def test_no_evidence_range_is_lowest_to_highest():
    assert no_evidence_range(SENTIMENT) == "0.37–0.62"


def test_a_trained_sentiment_run_summarises_its_checks(small_sentiment):
    config, data = small_sentiment
    run = train_run(create_run(with_training(config, epochs=1), data), data)
    row, metrics = run.summary(), run.metrics
    assert row["unseen-structure accuracy"] == metrics["unseen_structure_accuracy"]
    assert row["test ECE"] == metrics["test_ece"]
    assert row["largest edit change"] == largest_edit_change(metrics) is not None
    assert row["P(positive), no known word"] == no_evidence_range(metrics) is not None
