"""When a finished model counts as not having learned its task: the words Train, Predict and the CLI use."""

import copy

import pytest

from playground.outcomes import not_learned, trust_note
from playground.run import create_run


@pytest.mark.parametrize(
    "task,baseline,accuracy,verdict",
    [
        ("sentiment", 0.486, 0.480, "no better"),
        ("sentiment", 0.486, 0.491, "barely better"),
        ("sentiment", 0.486, 0.509, "barely better"),  # review 19: a coin's score passed the 2 points
        ("sentiment", 0.486, 0.560, None),
        ("sentiment", 0.95, 0.965, "barely better"),  # 2 points is the least asked
        ("sentiment", 0.95, 0.975, None),
        ("next-word", 0.223, 0.240, "barely better"),
        ("next-word", 0.223, 0.260, None),  # next words: 2 points, their ceiling is far below 100%
    ],
)
def test_a_model_must_clearly_beat_the_one_that_ignores_its_input(
    small_sentiment, small_next_word, task, baseline, accuracy, verdict
):
    config, data = small_sentiment if task == "sentiment" else small_next_word
    run = create_run(copy.deepcopy(config), data)
    run.status = "finished"
    run.baseline = {"accuracy": baseline, "loss": 0.69}
    run.metrics = {"test_accuracy": accuracy}
    assert not_learned(run) == verdict
    note = trust_note(run)
    assert (note is None) == (verdict is None)
    if verdict:
        assert note.startswith(f"this model scored {verdict} than one that ignores its input ({accuracy:.1%}")
