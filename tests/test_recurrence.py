"""Inside the recurrence: every per-step number shown is the model's own."""

import numpy as np
import pytest
import torch

from playground.analysis.recurrence import (
    MAX_UNROLLED_STEPS,
    after_connective_feature,
    first_word_influence,
    negation_feature,
    plural_subject_feature,
    recurrence_equations,
    shared_parameter_counts,
    step_input_vector,
    step_table,
    top_outputs,
    trace_sentence,
    unit_feature_correlation,
    unit_order,
)
from tests.conftest import model_run


@pytest.mark.parametrize(
    "arch,model",
    [
        ("rnn", {}),
        ("rnn", {"activation": "relu", "num_layers": 2}),
        ("lstm", {}),
        ("lstm", {"num_layers": 3}),
    ],
)
def test_outputs_at_each_step_are_the_fast_paths(small_next_word, arch, model):
    run = model_run(small_next_word, arch, **model)
    view = trace_sentence(run, "the dog runs to the park")
    with torch.no_grad():
        fast = torch.softmax(run.model(torch.tensor([view.ids])).logits[0], -1).numpy()
    assert view.steps[0] == "<bos>" and len(view.steps) == 7
    np.testing.assert_allclose(view.probabilities, fast, atol=1e-5)


@pytest.mark.parametrize("arch", ["rnn", "lstm"])
def test_a_sentiment_step_output_is_the_verdict_on_that_prefix(small_sentiment, arch):
    run = model_run(small_sentiment, arch)
    view = trace_sentence(run, "the film was not good")
    for t in (1, 4):
        with torch.no_grad():
            prefix = torch.softmax(run.model(torch.tensor([view.ids[: t + 1]])).logits[0], -1).numpy()
        np.testing.assert_allclose(view.probabilities[t], prefix, atol=1e-5)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_rnn_step_table_adds_up(small_next_word, activation):
    run = model_run(small_next_word, "rnn", activation=activation, num_layers=2)
    view = trace_sentence(run, "the cat is happy")
    act = np.tanh if activation == "tanh" else (lambda v: np.maximum(v, 0))
    for layer in (0, 1):
        previous = None
        for step in range(len(view.steps)):
            table = step_table(view, run, layer, step)
            x_t = step_input_vector(view, layer, step)
            w_ih = getattr(run.model.rnn, f"weight_ih_l{layer}").detach().numpy()
            b_ih = getattr(run.model.rnn, f"bias_ih_l{layer}").detach().numpy()
            np.testing.assert_allclose(table["W_xh x_t + b"], w_ih @ x_t + b_ih, atol=1e-5)
            np.testing.assert_allclose(
                table["pre-activation"], table["W_xh x_t + b"] + table["W_hh h_{t-1} + b"], atol=1e-5
            )
            np.testing.assert_allclose(table["h_t"], act(table["pre-activation"]), atol=1e-5)
            expected_previous = np.zeros(len(table)) if previous is None else previous
            np.testing.assert_allclose(table["h_{t-1}"], expected_previous, atol=1e-6)
            previous = table["h_t"].to_numpy()


def test_lstm_step_table_follows_the_cell_equations(small_sentiment):
    run = model_run(small_sentiment, "lstm", num_layers=2)
    view = trace_sentence(run, "the food was bad but the service was great")
    for layer in (0, 1):
        for step in range(len(view.steps)):
            t = step_table(view, run, layer, step)
            for gate in ("forget f_t", "input i_t", "output o_t"):
                assert t[gate].between(0, 1).all()
            cell = t["forget f_t"] * t["c_{t-1}"] + t["input i_t"] * t["candidate g_t"]
            np.testing.assert_allclose(t["c_t"], cell, atol=1e-5)
            np.testing.assert_allclose(t["h_t"], t["output o_t"] * np.tanh(t["c_t"]), atol=1e-5)
    _, (h_n, c_n) = run.model.lstm(run.model.embedding(torch.tensor([view.ids])))
    last = step_table(view, run, 1, len(view.steps) - 1)
    np.testing.assert_allclose(last["c_t"], c_n[1, 0].detach(), atol=1e-5)
    np.testing.assert_allclose(last["h_t"], h_n[1, 0].detach(), atol=1e-5)


def test_only_unknown_words_and_long_inputs(small_sentiment):
    run = model_run(small_sentiment, "rnn")
    view = trace_sentence(run, "qqq zzz www")
    assert view.ids == [1, 1, 1] and len(top_outputs(view, run, 2)) == 2
    long = trace_sentence(run, "good " * 500)
    assert long.truncated and len(long.steps) == MAX_UNROLLED_STEPS - 1
    with pytest.raises(ValueError, match="at least one word"):
        trace_sentence(run, "   ")


def test_unit_order_is_a_permutation():
    states = np.random.default_rng(0).normal(size=(16, 7))
    states[3] = 0.0  # a constant unit
    order = unit_order(states)
    assert sorted(order.tolist()) == list(range(16)) and order[-1] == 3


def test_features():
    tokens = "the film was not good but the music was great".split()
    assert negation_feature(tokens) == [0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    assert after_connective_feature(tokens) == [0] * 5 + [1] * 5
    assert plural_subject_feature("the dogs near the cat run".split()) == [0, 1, 1, 1, 1, 1]


def test_unit_correlation_matches_numpy(small_sentiment):
    run = model_run(small_sentiment, "lstm")
    texts = ["the film was not good", "the food was great but the room was bad", "i did not like the song"]
    table = unit_feature_correlation(run, texts, "inside a negation (after 'not' or 'never')")
    states = np.concatenate([trace_sentence(run, t).trace.hidden_states[-1, 0].numpy() for t in texts])
    values = np.concatenate([negation_feature(t.split()) for t in texts])
    unit = int(table["unit"].iloc[0])
    assert table["correlation"].iloc[0] == pytest.approx(np.corrcoef(states[:, unit], values)[0, 1], abs=1e-5)
    assert table["correlation"].abs().is_monotonic_decreasing


def test_memory_and_parameter_sharing(small_next_word):
    run = model_run(small_next_word, "rnn")
    influence = first_word_influence(run, "the dog runs to the park")
    assert influence["word"].iloc[0] == "the" and (influence["change"] > 0).all()
    short, long = shared_parameter_counts(run, 3), shared_parameter_counts(run, 30)
    shared = "shared (what the model has)"
    assert short[shared] == long[shared] and long["unshared over 30 steps"] == 30 * long[shared]


@pytest.mark.parametrize(
    ("arch", "activation", "task"),
    [
        ("rnn", "tanh", "next-word"),
        ("rnn", "relu", "next-word"),
        ("lstm", "tanh", "next-word"),
        ("rnn", "relu", "sentiment"),
    ],
)
def test_each_run_is_shown_its_own_equations(arch, activation, task):
    """A ReLU RNN never sees tanh, an LSTM sees its gates, a classifier reads out h_T once."""
    text = " ".join(recurrence_equations(arch, activation, task))
    if arch == "lstm":
        assert all(gate in text for gate in ("i_t", "f_t", "o_t", "g_t", r"c_t = f_t \odot c_{t-1}"))
    else:
        assert ("ReLU" in text) == (activation == "relu") and (r"\tanh" in text) == (activation == "tanh")
    assert ("h_T" in text) == (task != "next-word") and ("y_t" in text) == (task == "next-word")
    with pytest.raises(ValueError):
        recurrence_equations("transformer", activation, task)
