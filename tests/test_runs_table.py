"""The Train page's runs table: runs of two kinds side by side show a dash, never "None"."""

from __future__ import annotations

from tests.conftest import model_run
from ui.views.train import NOT_MEASURED, runs_frame, shown_cell


def test_mixed_runs_show_a_dash_where_a_figure_does_not_apply(small_sentiment, small_next_word):
    sentiment, next_word = model_run(small_sentiment, "lstm"), model_run(small_next_word, "bow")
    sentiment.metrics |= {"test_accuracy": 0.875, "order_subset_accuracy": 0.5, "val_loss": 0.41234}
    next_word.metrics |= {"test_accuracy": 0.42, "val_loss": 2.5}
    table, partial = runs_frame([sentiment.summary(), next_word.summary()])
    assert partial
    assert not table.isin(["None", "nan", None]).any().any()
    assert list(table["order-sensitive accuracy"]) == ["50.0%", NOT_MEASURED]  # a sentiment probe only
    assert list(table["test accuracy"]) == ["87.5%", "42.0%"]
    assert list(table["hidden"]) == [str(sentiment.config.model.hidden_dim), NOT_MEASURED]  # a bag of words
    assert list(table["val loss"]) == ["0.412", "2.500"]
    assert table["params"][0] == f"{sentiment.num_parameters:,}"  # as Train writes it


def test_runs_of_one_kind_keep_numbers():
    rows = [{"run": "a", "test accuracy": 0.5, "x": None}, {"run": "b", "test accuracy": 0.25}]
    table, partial = runs_frame(rows)
    assert not partial and "x" not in table  # a column no run has is dropped
    assert table["test accuracy"].tolist() == [50.0, 25.0]  # points, drawn with one decimal as text is


def test_shown_cell():
    assert shown_cell("lr", 0.003) == "0.003" and shown_cell("embedding", 32.0) == "32"
    assert shown_cell("test ECE", float("nan")) == NOT_MEASURED and shown_cell("seconds", 3.0) == "3.0"
