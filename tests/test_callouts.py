"""Callouts: each sentence's claim about the learner's model is recomputed here by another path."""

import math

import numpy as np
import pytest
import torch

from playground.analysis import callouts
from playground.analysis.attention import (
    agreement_sentences,
    attention_steps,
    subject_attention,
    trace_attention,
)
from playground.analysis.callouts import (
    CLEAR_SHARE,
    SATURATION,
    agreement_callout,
    agreement_judgement,
    gate_callout,
    saturation_callout,
    subject_head_callout,
)
from playground.analysis.gradients import gradient_through_time, slopes_and_weights
from playground.analysis.prediction import next_word_probabilities
from playground.analysis.recurrence import step_table, trace_sentence
from playground.config import default_config
from playground.data.datasets import build_builtin
from playground.experiments.agreement import VERB_PAIRS, agreement_accuracy
from playground.run import create_run
from playground.train import train_run
from tests.conftest import model_run, with_training


@pytest.fixture(scope="module")
def transformer():
    """The default next-word Transformer (about 10 s): it learns agreement and a subject head."""
    config = default_config("next-word", "transformer")
    data = build_builtin(config.data)
    return train_run(create_run(config, data), data)


@pytest.fixture(scope="module")
def sentiment_lstm(small_sentiment):
    config, data = small_sentiment
    return train_run(create_run(with_training(config, epochs=3), data), data)


@pytest.fixture(scope="module")
def tanh_rnn(small_next_word):
    config, data = small_next_word
    config = with_training(config, epochs=2)
    config.model.arch, config.model.activation = "rnn", "tanh"
    return train_run(create_run(config, data), data)


def percent(value: float) -> str:
    return f"{value:.0%}"


def test_agreement_callout_states_the_verb_number_and_the_batch_share(transformer):
    callout = agreement_callout(transformer, "the dogs near the cat", count=100)
    probabilities = next_word_probabilities(transformer, "the dogs near the cat")
    index = transformer.vocab.index
    plural = sum(float(probabilities[index[p]]) for _, p in VERB_PAIRS)
    singular = sum(float(probabilities[index[s]]) for s, _ in VERB_PAIRS)
    assert percent(plural / (plural + singular)) in callout.text
    clear = plural / (plural + singular) >= CLEAR_SHARE
    assert ("it agrees with “dogs”" in callout.text) == clear
    top_plural = max((p for _, p in VERB_PAIRS), key=lambda p: float(probabilities[index[p]]))
    assert f"(“{top_plural}” first)" in callout.text  # the plural form it counts, not any verb
    correct, _, _ = agreement_accuracy(transformer, 1, True, 100, 11)
    assert f"in {percent(correct / 100)}" in callout.text
    assert callout.found == (clear and correct / 100 >= 0.8)
    assert callout.found  # the default Transformer learns agreement (measured 100% of 100)
    assert f"{percent(correct / 100)}: {agreement_judgement(correct / 100)} (a coin flip" in callout.text


@pytest.mark.parametrize(
    "share,judged",
    [
        (1.0, "right every time"),
        (0.85, "mostly right"),
        (0.7, "better than a coin flip, but often wrong"),
        (0.5, "no better than a coin flip"),
        (0.45, "no better than a coin flip"),
        (0.2, "mostly wrong: the verb follows the nearer noun"),
    ],
)
def test_agreement_judgement_reads_a_share_against_a_coin_flip(share, judged):
    assert agreement_judgement(share) == judged


def test_agreement_callout_is_honest_about_an_untrained_model(small_next_word):
    run = model_run(small_next_word, "lstm")
    callout = agreement_callout(run, count=40)
    correct, _, _ = agreement_accuracy(run, 1, True, 40, 11)
    assert f"in {percent(correct / 40)}" in callout.text
    assert not callout.found or correct / 40 >= 0.8
    assert callout.text.count("coin flip") == 1  # not "no better than a coin flip (a coin flip would…"
    singular, plural = callout.evidence["singular"], callout.evidence["plural"]
    share = plural / (plural + singular)
    if abs(share - 0.5) < 0.1:  # a near-even split is no agreement, whichever side has the extra point
        assert "no clear agreement" in callout.text and "agrees with" not in callout.text


def test_agreement_callout_calls_an_even_split_no_preference(small_next_word, monkeypatch):
    """Review 19: 51% to plural forms read "it agrees with “dogs”", naming the singular "carries" first."""
    run = model_run(small_next_word, "lstm")
    monkeypatch.setattr(
        callouts, "_verb_mass", lambda *_: (0.49, 0.51, {"singular": "carries", "plural": "carry"})
    )
    text = callouts.agreement_callout(run, count=10).text
    assert "almost evenly, 51% to plural forms and 49% to singular ones" in text
    assert "agrees with" not in text and "carries" not in text
    monkeypatch.setattr(
        callouts, "_verb_mass", lambda *_: (0.8, 0.2, {"singular": "carries", "plural": "carry"})
    )
    text = callouts.agreement_callout(run, count=10).text
    assert (
        "only 20% of its verb probability to plural forms and the rest to singular ones (“carries” first)"
        in text
    )


def test_agreement_callout_needs_a_next_word_model_of_the_toy_language(sentiment_lstm):
    assert agreement_callout(sentiment_lstm) is None


def test_subject_head_callout_names_the_head_with_most_weight_on_the_subject(transformer):
    callout = subject_head_callout(transformer, count=60)
    sentences = agreement_sentences(60)
    layers, heads = transformer.config.model.num_layers, transformer.config.model.num_heads
    weight = np.zeros((layers, heads))
    peaks = np.zeros((layers, heads))
    for text, subject in sentences:  # recomputed from Q and K, not from the model's stored weights
        view = trace_attention(transformer, text)
        for layer in range(layers):
            for head in range(heads):
                row = attention_steps(view, layer, head).weights[-1]
                weight[layer, head] += row[subject] / len(sentences)
                peaks[layer, head] += (row.argmax() == subject) / len(sentences)
    layer, head = np.unravel_index(weight.argmax(), weight.shape)
    assert (callout.evidence["layer"], callout.evidence["head"]) == (layer + 1, head + 1)
    assert f"layer {layer + 1}, head {head + 1}" in callout.text
    assert percent(weight[layer, head]) in callout.text and percent(peaks[layer, head]) in callout.text
    fractions = subject_attention(transformer, 60).set_index(["layer", "head"])["fraction"]
    assert math.isclose(fractions[(layer + 1, head + 1)], peaks[layer, head], abs_tol=1e-9)
    assert callout.found == (peaks[layer, head] >= 0.5)
    assert callout.found
    assert "carries the verb's number" not in callout.text  # weights show where it looks, not what it uses
    assert "Weights show where a head looks" in callout.text


def test_subject_head_callout_says_so_when_no_head_finds_the_subject(small_next_word):
    run = model_run(small_next_word, "transformer", num_layers=2)
    callout = subject_head_callout(run, count=40)
    if not callout.found:
        assert callout.text.startswith("No head of your model singles out the subject")
    assert callout.evidence["share"] < 0.5 or callout.found


def test_gate_callout_names_the_gate_unit_that_moved_most_at_the_cue(sentiment_lstm):
    text = "the film was not good but the music was great"
    callout = gate_callout(sentiment_lstm, text)
    view = trace_sentence(sentiment_lstm, text)
    cue = callout.evidence["step"]
    assert view.steps[cue] in ("not", "but")
    now, before = step_table(view, sentiment_lstm, 0, cue), step_table(view, sentiment_lstm, 0, cue - 1)
    gates = ["forget f_t", "input i_t", "output o_t"]
    moves = {g: (now[g] - before[g]).abs() for g in gates}
    gate = max(gates, key=lambda g: moves[g].max())
    unit = int(moves[gate].idxmax())
    assert gate.startswith(callout.evidence["source"]) and unit == callout.evidence["unit"]
    assert f"unit {unit}: from {before[gate][unit]:.2f} to {now[gate][unit]:.2f}" in callout.text
    cues = {i for i, w in enumerate(view.steps) if w in ("not", "but")}
    others = [t for t in range(1, len(view.steps)) if t not in cues and t - 1 not in cues]
    largest = max(
        abs(
            step_table(view, sentiment_lstm, 0, t)[gate][unit]
            - step_table(view, sentiment_lstm, 0, t - 1)[gate][unit]
        )
        for t in others
    )
    assert math.isclose(callout.evidence["largest_other_move"], largest, rel_tol=1e-5)
    assert callout.found == (moves[gate][unit] >= 1.5 * largest)
    assert ("does not single out" in callout.text) == (not callout.found)


def test_gate_callout_names_the_words_it_left_out_and_none_when_the_cue_ends_the_sentence(sentiment_lstm):
    """ "the film was good but" said "apart from the one right after" though no word comes after "but"."""
    for text, left_out in (
        (
            "the film was not good but the music was great",
            "(leaving out the words right after “not” and “but”)",
        ),
        ("the film was not good", "(leaving out the word right after “not”)"),
        ("the film was good but", None),
    ):
        callout = gate_callout(sentiment_lstm, text)
        assert callout.found  # (the sentence for "does not single out" has no such clause)
        if left_out is None:
            assert "leaving out" not in callout.text and "right after" not in callout.text
        else:
            assert left_out in callout.text


def test_gate_callout_without_a_cue_word_asks_for_one(sentiment_lstm):
    callout = gate_callout(sentiment_lstm, "the film was good")
    assert not callout.found and "“not”" in callout.text


def test_gate_callout_on_a_language_without_cue_words_points_to_a_sentiment_model(tanh_rnn):
    assert not any(word in tanh_rnn.vocab for word in ("not", "never", "but"))  # the toy language
    callout = gate_callout(tanh_rnn, "the dogs near the cat are happy")
    assert not callout.found and "language has no" in callout.text and "sentiment model" in callout.text


def test_saturation_callout_of_an_empty_sentence_has_no_gradient_to_report(tanh_rnn):
    """A next-word model reads "<bos>" alone: a state to describe, but no word to predict, so no loss."""
    callout = saturation_callout(tanh_rnn, "")
    assert callout.text.startswith(f"{callout.evidence['share']:.0%} of the values of h_t")
    assert "first_to_last" not in callout.evidence and "reaching the first word" not in callout.text


def test_saturation_callout_share_and_gradient_reach(tanh_rnn):
    text = "the dogs near the cat are happy"
    callout = saturation_callout(tanh_rnn, text, page="backprop")
    hidden = trace_sentence(tanh_rnn, text).trace.hidden_states
    share = float((hidden.abs() > SATURATION).float().mean())
    slope = float((1 - hidden**2).mean())
    assert callout.text.startswith(f"{share:.0%} of the values of h_t")
    assert f"{slope:.2f}" in callout.text and "diag(1 − h_t²) W_hh" in callout.text
    gradient = gradient_through_time(tanh_rnn, text)
    ratio = gradient["hidden"].iloc[0] / gradient["hidden"].iloc[-1]
    assert f"{ratio:.2g}×" in callout.text
    assert callout.found == (share >= 0.2)
    # what the line does and why, from the same numbers (it blamed saturation at 0% saturated, then
    # W_hh where W_hh alone would have made the gradient grow)
    through_model, through_weights = slopes_and_weights(tanh_rnn, text)
    assert math.isclose(through_model, ratio, rel_tol=1e-3)  # the chain by hand is autograd's
    assert f"it would be {through_weights:.2g}×" in callout.text
    if ratio >= 1:
        assert "does not fall" in callout.text
    elif through_weights >= 1:
        assert "the slopes 1 − h_t², not W_hh, make it fall" in callout.text
    elif ratio < through_weights / 2:
        assert "W_hh shrinks it, and the slopes" in callout.text
    else:
        assert "comes mostly from W_hh" in callout.text
    assert "bars" not in callout.text  # the chart is a line


@pytest.mark.parametrize(
    ("ratio", "weights", "says"),
    [
        (0.2, 15.0, "the slopes 1 − h_t², not W_hh, make it fall"),
        (0.01, 0.5, "W_hh shrinks it, and the slopes 1 − h_t² shrink it further"),
        (0.4, 0.5, "the fall comes mostly from W_hh"),
        (3.0, 2.0, "does not fall"),
        (0.0, 0.5, "0 in float32"),
    ],
)
def test_the_backprop_callout_says_what_its_own_numbers_show(tanh_rnn, monkeypatch, ratio, weights, says):
    import pandas as pd

    from playground.analysis import callouts

    gradient = pd.DataFrame({"hidden": [ratio, 1.0]})
    monkeypatch.setattr(callouts, "gradient_through_time", lambda run, text: gradient)
    monkeypatch.setattr(callouts, "slopes_and_weights", lambda run, text: (ratio, weights))
    callout = saturation_callout(tanh_rnn, "the dog", page="backprop")
    assert says in callout.text and "0×" not in callout.text


def test_the_decomposition_is_the_chain_rule_on_a_sentence_where_w_hh_alone_would_grow(tanh_rnn):
    """With W_hh scaled up, W_hh alone makes the gradient grow; the model's own chain is still
    autograd's, whatever the slopes do to it."""
    from playground.io import load_run, save_run

    text = "the dogs near the cat are happy"
    bigger = load_run(save_run(tanh_rnn), restore=True)
    with torch.no_grad():
        bigger.model.rnn.weight_hh_l0.mul_(4.0)
    through_model, through_weights = slopes_and_weights(bigger, text)
    gradient = gradient_through_time(bigger, text)
    assert math.isclose(through_model, gradient["hidden"].iloc[0] / gradient["hidden"].iloc[-1], rel_tol=1e-3)
    assert through_weights > 1 > through_model
    assert "not W_hh, make it fall" in saturation_callout(bigger, text, page="backprop").text


def test_saturation_callout_for_an_lstm_reads_the_cell(sentiment_lstm):
    text = "the film was not good"
    callout = saturation_callout(sentiment_lstm, text)
    cells = torch.tanh(trace_sentence(sentiment_lstm, text).trace.cell_states)
    assert callout.text.startswith(
        f"{float((cells.abs() > SATURATION).float().mean()):.0%} of the values of tanh(c_t)"
    )
    assert "forget gate" in callout.text


def test_the_lstm_callout_says_what_the_forget_gates_leave_of_the_gradient_on_the_cell_path(
    sentiment_lstm, small_next_word
):
    """∏ f_t over steps 2..T of the top layer, recomputed from the page's own trace of the sentence."""
    text = "the film was not good but the music was great"
    callout = saturation_callout(sentiment_lstm, text, page="backprop")
    gates = trace_sentence(sentiment_lstm, text).trace.forget_gates[-1, 0, 1:].double()
    products = gates.prod(dim=0)
    assert f"forget gates average {float(gates.mean()):.2f}" in callout.text
    assert f"∏ fₜ = {float(products.mean()):.2g}×" in callout.text
    assert f"({float(products.max()):.2g}× in the unit that forgets least)" in callout.text
    assert "cₜ = fₜ ⊙ cₜ₋₁ + iₜ ⊙ gₜ" in callout.text
    # a next-word model's last word is only a target: the chart's steps, and the product's, stop before it
    lstm = model_run(small_next_word, "lstm", num_layers=2)
    sentence = "the dogs near the cat are happy"
    gates = trace_sentence(lstm, sentence).trace.forget_gates[-1, 0, 1:-1].double()
    assert saturation_callout(lstm, sentence).evidence["cell_path"] == pytest.approx(
        float(gates.prod(dim=0).mean())
    )
    # one step has no step before it to carry a gradient to
    assert "forget gates average" not in saturation_callout(sentiment_lstm, "good").text


def test_callouts_that_do_not_apply_return_none(small_next_word, small_sentiment):
    transformer = model_run(small_next_word, "transformer")
    assert gate_callout(transformer, "the dog is not happy") is None
    assert saturation_callout(transformer, "the dog") is None
    relu = model_run(small_next_word, "rnn", activation="relu")
    assert saturation_callout(relu, "the dog") is None
    assert subject_head_callout(model_run(small_sentiment, "transformer")) is None
