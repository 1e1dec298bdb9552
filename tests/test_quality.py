"""The promises of the README, with default settings on the built-in data (seeded, CPU)."""

import pytest

from playground.config import default_config
from playground.data.datasets import build_builtin
from playground.train import create_run, train_run


@pytest.fixture(scope="module")
def sentiment_results():
    results = {}
    for arch in ("lstm", "transformer", "bow"):
        config = default_config("sentiment", arch)
        data = build_builtin(config.data)
        results[arch] = train_run(create_run(config, data), data).metrics
    return results


@pytest.mark.parametrize("arch", ["lstm", "transformer"])
def test_order_aware_models_solve_sentiment(sentiment_results, arch):
    assert sentiment_results[arch]["test_accuracy"] >= 0.90
    assert sentiment_results[arch]["order_subset_accuracy"] >= 0.85


def test_bag_of_words_fails_where_order_matters(sentiment_results):
    bow = sentiment_results["bow"]["order_subset_accuracy"]
    assert bow < 0.65
    assert bow < min(sentiment_results[a]["order_subset_accuracy"] for a in ("lstm", "transformer")) - 0.25


def test_next_word_model_beats_the_unigram_baseline():
    config = default_config("next-word", "lstm")
    data = build_builtin(config.data)
    run = train_run(create_run(config, data), data)
    assert run.metrics["val_accuracy"] > run.baseline["accuracy"] + 0.1
    assert run.metrics["val_loss"] < run.baseline["loss"] - 1.5
