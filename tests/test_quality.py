"""The promises of the README, with default settings on the built-in data (seeded, CPU).

Issue 23's targets are measured over three seeds in the README (`python -m bench.sentences`); a
single seed can fall below 90% on unseen structures (87-100% over seeds 0-5), so these thresholds
leave room for it. P(positive) with no known word is held to the issue's 0.35-0.65 (seed 0).
"""

from pathlib import Path

import pytest
import torch

from playground.analysis.prediction import classify_texts, read_labelled_texts
from playground.config import default_config
from playground.data.datasets import build_builtin
from playground.run import create_run
from playground.train import train_run

TYPED = str(Path(__file__).parent / "fixtures" / "typed_reviews.tsv")


@pytest.fixture(scope="module")
def sentiment_runs():
    runs = {}
    for arch in ("lstm", "transformer", "bow"):
        config = default_config("sentiment", arch)
        data = build_builtin(config.data)
        runs[arch] = train_run(create_run(config, data), data)
    return runs


@pytest.fixture(scope="module")
def sentiment_results(sentiment_runs):
    return {arch: run.metrics for arch, run in sentiment_runs.items()}


@pytest.mark.parametrize(("arch", "test", "unseen"), [("lstm", 0.95, 0.85), ("transformer", 0.9, 0.8)])
def test_order_aware_models_solve_sentiment(sentiment_results, arch, test, unseen):
    assert sentiment_results[arch]["test_accuracy"] >= test
    assert sentiment_results[arch]["unseen_structure_accuracy"] >= unseen


def test_bag_of_words_fails_where_order_matters(sentiment_results):
    bow = sentiment_results["bow"]
    assert bow["order_subset_accuracy"] < 0.55
    unseen = [sentiment_results[a]["unseen_structure_accuracy"] for a in ("lstm", "transformer")]
    assert bow["unseen_order_sensitive_accuracy"] < min(unseen) - 0.2


# Issue 23: a full stop, commas or capitals move the test split by at most a point. Taking away
# every mark, a question's "?" included, costs the Transformer up to 2 points (README).
@pytest.mark.parametrize(("arch", "no_punctuation"), [("lstm", 0.01), ("transformer", 0.025)])
def test_full_stops_commas_and_capitals_barely_move_accuracy(sentiment_results, arch, no_punctuation):
    m = sentiment_results[arch]
    for edit in ("full_stop", "comma", "capitals"):
        assert abs(m[f"test_{edit}_accuracy"] - m["test_accuracy"]) <= 0.01, edit
    assert abs(m["test_no_punctuation_accuracy"] - m["test_accuracy"]) <= no_punctuation
    assert m["test_capitals_accuracy"] == m["test_accuracy"]  # words are lower-cased


# A bag of words cannot tell "good" from "not good", so its confidence on such sentences is off.
@pytest.mark.parametrize(("arch", "most_ece"), [("lstm", 0.05), ("transformer", 0.05), ("bow", 0.15)])
def test_no_known_word_means_no_verdict(sentiment_results, arch, most_ece):
    m = sentiment_results[arch]
    assert 0.35 <= m["unknown_p_positive_min"] <= m["unknown_p_positive_max"] <= 0.65
    assert m["test_ece"] < most_ece


@pytest.mark.parametrize(("arch", "least"), [("lstm", 0.9), ("transformer", 0.9)])
def test_reviews_written_by_hand(sentiment_runs, arch, least):
    texts, labels = read_labelled_texts(TYPED)
    assert len(texts) >= 60
    predicted = classify_texts(sentiment_runs[arch], texts).argmax(-1)
    accuracy = (predicted == torch.tensor(labels)).float().mean()
    assert accuracy >= least
    bow = classify_texts(sentiment_runs["bow"], texts).argmax(-1)
    assert (bow == torch.tensor(labels)).float().mean() < accuracy - 0.15


def test_next_word_model_beats_the_unigram_baseline():
    config = default_config("next-word", "lstm")
    data = build_builtin(config.data)
    run = train_run(create_run(config, data), data)
    assert run.metrics["val_accuracy"] > run.baseline["accuracy"] + 0.1
    assert run.metrics["val_loss"] < run.baseline["loss"] - 1.5
