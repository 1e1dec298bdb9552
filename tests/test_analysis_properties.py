"""Analysis functions on arbitrary input within their documented bounds: finite numbers or the
library's own ValueError with a message, never a TypeError, IndexError or KeyError."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.analysis.attention import attention_steps, trace_attention
from playground.analysis.embeddings import encode_sentence, nearest_neighbours
from playground.analysis.gradients import gradient_through_time, jacobian_norms
from playground.analysis.prediction import (
    class_probabilities,
    context_ids,
    input_limit,
    sentiment_trajectory,
    tokens_read,
    top_next_words,
    unread_tokens,
)
from playground.analysis.recurrence import first_word_influence, step_table, trace_sentence
from tests.conftest import model_run

TEXT = st.text(max_size=80) | st.sampled_from(
    [
        "",
        " ",
        "the",
        "the dogs near the cat are",
        "zzz qqq",
        "!!!",
        "😀😀😀",
        "the\u200b film\u202e",
        "good " * 70,
    ]
)
PROPERTY = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def finite(frame) -> bool:
    values = np.asarray(
        frame.select_dtypes("number") if hasattr(frame, "select_dtypes") else frame, dtype=float
    )
    return bool(np.isfinite(values).all())


@pytest.fixture(scope="module")
def runs(small_sentiment, small_next_word):
    return {
        (task, arch): model_run(fixture, arch, **({"num_layers": 2} if arch != "bow" else {}))
        for task, fixture in (("sentiment", small_sentiment), ("next-word", small_next_word))
        for arch in ("rnn", "lstm", "transformer", "bow")
    }


@PROPERTY
@given(
    text=TEXT,
    task=st.sampled_from(["sentiment", "next-word"]),
    arch=st.sampled_from(["rnn", "lstm", "transformer", "bow"]),
)
def test_prediction_and_gradients(runs, text, task, arch):
    run = runs[(task, arch)]
    try:
        if task == "sentiment":
            assert finite(class_probabilities(run, text).to_numpy())
            assert finite(sentiment_trajectory(run, text))
        else:
            assert finite(top_next_words(run, text, 5))
        assert finite(gradient_through_time(run, text))
        assert finite(encode_sentence(run, text).one_hot)
    except ValueError as error:
        assert str(error)


@PROPERTY
@given(
    text=TEXT,
    task=st.sampled_from(["sentiment", "next-word"]),
    arch=st.sampled_from(["rnn", "lstm"]),
    layer=st.integers(0, 1),
    step=st.integers(0, 80),
)
def test_recurrence(runs, text, task, arch, layer, step):
    run = runs[(task, arch)]
    try:
        view = trace_sentence(run, text)
        assert finite(step_table(view, run, layer, min(step, len(view.steps) - 1)))
        assert finite(first_word_influence(run, text))
    except ValueError as error:
        assert str(error)


@PROPERTY
@given(
    text=TEXT,
    task=st.sampled_from(["sentiment", "next-word"]),
    layer=st.integers(0, 1),
    head=st.integers(0, 1),
)
def test_attention(runs, text, task, layer, head):
    run = runs[(task, "transformer")]
    try:
        steps = attention_steps(trace_attention(run, text), layer, head)
        assert finite(steps.weights) and np.allclose(steps.weights.sum(-1), 1, atol=1e-5)
    except ValueError as error:
        assert str(error)


@PROPERTY
@given(word=TEXT, k=st.integers(1, 50))
def test_neighbours(runs, word, k):
    run = runs[("sentiment", "lstm")]
    try:
        assert finite(nearest_neighbours(run, word, k)["cosine similarity"])
    except (ValueError, KeyError) as error:  # KeyError only for a word outside the vocabulary
        assert word not in run.vocab, error


@settings(max_examples=40, deadline=None)
@given(
    rho=st.floats(0.1, 10.0),
    activation=st.sampled_from(["tanh", "relu", "linear"]),
    init=st.sampled_from(["random", "orthogonal", "identity"]),
    length=st.integers(5, 200),
    measure=st.sampled_from(["spectral radius", "largest singular value"]),
)
def test_gradient_sandbox(rho, activation, init, length, measure):
    frame = jacobian_norms(rho, activation, init, length, measure=measure)
    assert list(frame["distance"]) == list(range(length))  # every distance T - t, overflow marked, not raised


@PROPERTY
@given(
    words=st.integers(0, 260),
    task=st.sampled_from(["sentiment", "next-word"]),
    arch=st.sampled_from(["rnn", "lstm", "transformer", "bow"]),
)
def test_what_a_model_reads_and_what_the_page_says_it_did_not_add_up(runs, words, task, arch):
    """The words the model reads (its input, less <bos>) and those the page names as unread are the
    whole text, in order, whatever its length (the page once said 32 read and 94 unread of 125)."""
    run = runs[(task, arch)]
    tokens = [f"w{i}" for i in range(words)]
    text = " ".join(tokens)
    from_start = task != "next-word"
    unread = unread_tokens(run, text, from_start)
    read = tokens_read(run, from_start)
    assert len(unread) == max(0, words - read)
    assert unread == (tokens[read:] if from_start else tokens[: max(0, words - read)])
    if not from_start:
        ids = context_ids(run, text)
        assert len(ids) - run.reads_bos == min(words, read) or (words == 0 and ids)  # a stream: <eos>
        assert len(ids) <= input_limit(run)
