"""Predictions shown on the Predict page are the model's own outputs."""

import pytest
import torch

from playground.analysis.prediction import (
    MAX_INPUT_TOKENS,
    class_probabilities,
    context_ids,
    generate,
    input_limit,
    next_word_probabilities,
    sentiment_trajectory,
    tokens_read,
    top_next_words,
    unread_tokens,
)
from playground.data.tokenizer import BOS_ID
from playground.run import create_run
from playground.train import train_run
from tests.conftest import with_training


@pytest.fixture(scope="module")
def next_word_run(small_next_word):
    config, data = small_next_word
    return train_run(create_run(with_training(config, epochs=12), data), data)


@pytest.fixture(scope="module")
def sentiment_run(small_sentiment):
    config, data = small_sentiment
    return train_run(create_run(with_training(config, epochs=2), data), data)


def test_top_words_are_sorted_probabilities(next_word_run):
    top = top_next_words(next_word_run, "the dog runs to the", 8)
    assert len(top) == 8 and top["probability"].is_monotonic_decreasing
    assert top["probability"].sum() <= 1 + 1e-6
    full = next_word_probabilities(next_word_run, "the dog runs to the")
    assert full.sum().item() == pytest.approx(1, abs=1e-5)


def test_a_trained_model_puts_places_after_to_the(next_word_run):
    from playground.data.language import PLACES

    top = top_next_words(next_word_run, "the dog runs to the", 5)
    assert sum(w in PLACES for w in top["word"]) >= 4


def test_generation_is_seeded_and_stops(next_word_run):
    a = generate(next_word_run, "the cat", 15, temperature=1.0, top_k=10, seed=3)
    assert a == generate(next_word_run, "the cat", 15, temperature=1.0, top_k=10, seed=3)
    assert 0 < len(a.split()) <= 15
    assert "<" not in a  # no special tokens in the text


def test_long_input_is_cut_to_what_the_model_reads(next_word_run):
    ids = context_ids(next_word_run, "word " * 10_000)
    assert len(ids) == input_limit(next_word_run) == MAX_INPUT_TOKENS  # a recurrent model reads any length
    unread = unread_tokens(next_word_run, "word " * 10_000, from_start=False)
    assert len(unread) + len(ids) - next_word_run.reads_bos == 10_000  # read and unread add up
    assert next_word_run.reads_bos and ids[0] == BOS_ID  # it reads <bos> first, as in every training sentence


def test_a_next_word_transformer_reads_bos_and_the_words_the_page_says(small_next_word):
    """The page said "reads only the last 32 words" and "did not read 94" of 125: it read 31 after
    <bos>, or (the model's input) 32 words without the <bos> it was always trained with."""
    config, data = small_next_word
    config = with_training(config, epochs=1)
    config.model.arch, config.data.max_length = "transformer", 8
    run = create_run(config, data)
    text = " ".join(f"w{i}" for i in range(20))
    ids, unread = context_ids(run, text), unread_tokens(run, text, from_start=False)
    assert len(ids) == 8 and ids[0] == BOS_ID
    assert tokens_read(run, from_start=False) == 7 == len(ids) - 1
    assert unread == text.split()[:13] and len(unread) + 7 == 20
    short = " ".join(text.split()[:7])
    assert unread_tokens(run, short, from_start=False) == [] and len(context_ids(run, short)) == 8


def test_a_recurrent_classifier_reads_a_review_longer_than_its_training_sequences(sentiment_run):
    review = (
        "the film was good and the actors were great and the music was lovely and the story was "
        "fun and the ending was happy and the seats were fine but the hotel was dreadful"
    )
    words = review.split()
    assert len(words) > sentiment_run.config.data.max_length
    trajectory = sentiment_trajectory(sentiment_run, review)
    assert trajectory["word"].tolist() == words  # the last clause is read, not dropped silently
    assert unread_tokens(sentiment_run, review, from_start=True) == []


def test_a_transformer_names_the_words_past_its_positions(small_sentiment):
    config, data = small_sentiment
    config = with_training(config, epochs=1)
    config.model.arch, config.data.max_length = "transformer", 8
    run = create_run(config, data)
    text = "the film was good and the actors were great but the hotel was dreadful"
    assert len(sentiment_trajectory(run, text)) == 8
    assert unread_tokens(run, text, from_start=True) == text.split()[8:]


def test_trajectory_rows_are_the_model_on_each_prefix(sentiment_run):
    text = "the food was bad but the service was great"
    trajectory = sentiment_trajectory(sentiment_run, text)
    assert trajectory["word"].tolist() == text.split()
    for t in (0, 4, len(trajectory) - 1):
        ids = torch.tensor([sentiment_run.vocab.encode(" ".join(text.split()[: t + 1]))])
        with torch.no_grad():
            expected = torch.softmax(sentiment_run.model(ids).logits, -1)[0]
        got = torch.tensor(trajectory.iloc[t][sentiment_run.class_names].to_numpy(dtype=float))
        torch.testing.assert_close(got, expected.double(), atol=1e-5, rtol=0)
    assert class_probabilities(sentiment_run, text).sum() == pytest.approx(1)


def test_unknown_words_are_flagged(sentiment_run):
    trajectory = sentiment_trajectory(sentiment_run, "the zorblax was good")
    assert trajectory["known"].tolist() == [True, False, True, True]
    assert sentiment_trajectory(sentiment_run, "   ").empty


def test_bar_chart_numbers_are_the_models_softmax(next_word_run):
    text = "the cat sees the"
    ids = [2] + next_word_run.vocab.encode(text)  # <bos> then the words
    with torch.no_grad():
        expected = torch.softmax(next_word_run.model(torch.tensor([ids])).logits[0, -1], -1)
    top = top_next_words(next_word_run, text, 5)
    values, indices = expected.topk(5)
    assert top["word"].tolist() == next_word_run.vocab.decode(indices.tolist())
    torch.testing.assert_close(torch.tensor(top["probability"].tolist()), values, atol=1e-6, rtol=0)
