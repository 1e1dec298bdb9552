"""Calibration error, word dropout and the no-evidence inputs."""

import torch
from hypothesis import given
from hypothesis import strategies as st

from playground.analysis.calibration import (
    NO_EVIDENCE_INPUTS,
    expected_calibration_error,
    known_words,
    no_evidence_probabilities,
)
from playground.data.tokenizer import BOS_ID, EOS_ID, PAD_ID, UNK_ID, Vocabulary
from playground.train import drop_words
from tests.conftest import model_run


def test_a_calibrated_model_scores_zero_and_an_overconfident_one_its_gap():
    # 80% sure of ten answers, eight right: calibrated.
    probabilities = torch.tensor([[0.2, 0.8]] * 10)
    labels = torch.tensor([1] * 8 + [0] * 2)
    assert expected_calibration_error(probabilities, labels) < 1e-6
    # 100% sure, half right: off by 50 points.
    sure = torch.tensor([[0.0, 1.0]] * 10)
    assert abs(expected_calibration_error(sure, torch.tensor([1, 0] * 5)) - 0.5) < 1e-6


@given(st.lists(st.tuples(st.floats(0, 1), st.integers(0, 1)), min_size=1, max_size=50))
def test_calibration_error_is_between_zero_and_one(pairs):
    p = torch.tensor([x for x, _ in pairs])
    probabilities = torch.stack([1 - p, p], 1)
    error = expected_calibration_error(probabilities, torch.tensor([y for _, y in pairs]))
    assert 0 <= error <= 1 + 1e-6


def test_word_dropout_replaces_only_words():
    inputs = torch.tensor([[BOS_ID, 7, 8, 9, EOS_ID, PAD_ID, PAD_ID]] * 200)
    generator = torch.Generator().manual_seed(0)
    assert torch.equal(drop_words(inputs, 0.0, generator), inputs)
    dropped = drop_words(inputs, 0.3, generator)
    assert torch.equal(dropped[:, [0, 4, 5, 6]], inputs[:, [0, 4, 5, 6]])
    share = (dropped[:, 1:4] == UNK_ID).float().mean()
    assert 0.2 < share < 0.4


def test_no_evidence_inputs_have_no_known_word(small_sentiment):
    run = model_run(small_sentiment, "lstm")
    assert known_words(run.vocab, "The film, zzz!") == ["the", "film"]
    assert known_words(run.vocab, "!!! 😀") == []
    probabilities = no_evidence_probabilities(run.model, run.vocab)
    assert probabilities.shape[1] == 2 and 8 <= probabilities.shape[0] <= len(NO_EVIDENCE_INPUTS)
    assert torch.allclose(probabilities.sum(-1), torch.ones(len(probabilities)))
    only_known = Vocabulary.build(["zzz qqq asdf"])
    assert known_words(only_known, "zzz") == ["zzz"]
