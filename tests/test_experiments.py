"""The lab's experiments at tiny sizes: data generation, shapes, tables, progress and stopping."""

import json
import random

import numpy as np
import pandas as pd
import pytest
import torch

from playground.__main__ import main
from playground.data.language import ANIMALS, PEOPLE, _Grammar
from playground.experiments.adding import BASELINE_MSE, AddingModel, adding_batch, adding_experiment
from playground.experiments.agreement import agreement_experiment, agreement_prefix
from playground.experiments.common import check_names, verdict
from playground.experiments.parallel import parallel_experiment
from playground.experiments.shapes import (
    classify_each_word,
    train_one_to_many,
    train_one_to_one,
    write_from_label,
)
from playground.experiments.summaries import adding_summary, agreement_summary, parallel_summary
from playground.experiments.translation import (
    EOS,
    PAD,
    Translator,
    bottleneck_experiment,
    foreign_lexicon,
    reorder_clause,
    token_accuracy,
    translate,
)

SINGULAR = {s for s, _ in ANIMALS + PEOPLE}
PLURAL = {p for _, p in ANIMALS + PEOPLE}


def test_the_adding_target_is_the_sum_of_the_two_marked_values():
    inputs, targets = adding_batch(500, 30, torch.Generator().manual_seed(0))
    assert inputs.shape == (500, 30, 2) and targets.shape == (500,)
    markers = inputs[..., 1]
    assert torch.equal(markers.sum(1), torch.full((500,), 2.0))
    assert torch.all(markers[:, :15].sum(1) == 1) and torch.all(markers[:, 15:].sum(1) == 1)
    torch.testing.assert_close((inputs[..., 0] * markers).sum(1), targets)


def test_predicting_the_mean_scores_the_analytic_baseline():
    _, targets = adding_batch(200_000, 10, torch.Generator().manual_seed(1))
    assert abs(float(((targets - 1.0) ** 2).mean()) - BASELINE_MSE) < 0.003
    assert abs(BASELINE_MSE - 1 / 6) < 1e-12


@pytest.mark.parametrize("arch", ["tanh", "irnn", "lstm", "transformer"])
def test_adding_models_give_one_number_per_sequence(arch):
    model = AddingModel(arch, 16)
    assert model(torch.rand(3, 12, 2)).shape == (3,)
    if arch == "irnn":
        assert torch.equal(model.body.weight_hh_l0, torch.eye(16))


def test_the_adding_experiment_reports_every_point_and_can_stop_midway():
    seen = []
    result = adding_experiment([4, 6], ["tanh", "lstm"], steps=3, hidden=8,
                               progress=lambda r, f: seen.append((len(r.rows), f)))
    assert result.complete and len(result.rows) == 4
    assert set(result.table.columns) >= {"architecture", "length", "test_mse", "baseline_mse", "verdict"}
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0

    class Stop(Exception):
        pass

    kept = {}

    def stop_after_two(result, fraction):
        kept["result"] = result
        if len(result.rows) == 2:
            raise Stop

    with pytest.raises(Stop):
        adding_experiment([4, 6], ["tanh", "lstm"], steps=3, hidden=8, progress=stop_after_two)
    assert len(kept["result"].rows) == 2 and not kept["result"].complete


def test_unknown_models_are_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="choose from tanh"):
        adding_experiment([4], ["gru"], steps=1)
    with pytest.raises(ValueError, match="none given"):
        check_names([], {"a": 1}, "model")


def test_verdicts_against_the_baseline():
    assert verdict(0.001, 1 / 6) == "solved"
    assert verdict(0.05, 1 / 6) == "partly"
    assert verdict(0.17, 1 / 6) == verdict(float("nan"), 1 / 6) == "at the baseline"


@pytest.mark.parametrize("attractors", [True, False])
def test_agreement_prefixes_put_nouns_of_the_right_number_between(attractors):
    grammar = _Grammar(random.Random(0))
    for phrases in range(5):
        text, plural, distance = agreement_prefix(grammar, phrases, attractors)
        nouns = [w for w in text.split() if w in SINGULAR | PLURAL]
        assert len(nouns) == phrases + 1
        assert (nouns[0] in PLURAL) == plural
        for noun in nouns[1:]:
            assert (noun in PLURAL) == (plural != attractors)
        assert distance == len(text.split()) - 1 - text.split().index(nouns[0])


def test_a_tiny_agreement_experiment_fills_its_table():
    result = agreement_experiment(["bow"], max_phrases=2, num_sentences=300, epochs=1, per_point=6)
    table = result.table
    assert len(table) == 2 * 3 and set(table["condition"]) == {"attractors", "same number"}
    assert table["accuracy"].between(0, 1).all()
    assert (table.loc[table["phrases"] == 0, "mean_distance"] == 0).all()
    assert agreement_summary(table)[0].startswith("**Bag of words**")


def test_translation_moves_the_verb_to_the_end_of_each_clause():
    assert reorder_clause("the dog runs to the park".split()) == "the dog to the park runs".split()
    assert reorder_clause("the dogs near the cat are happy".split()) == (
        "the dogs near the cat happy are".split())
    lexicon = foreign_lexicon(["the", "dog", "runs", "and", "cats", "are", "happy"])
    assert len(set(lexicon.values())) == len(lexicon)
    expected = "the dog runs and the cats happy are".split()
    assert translate("the dog runs and the cats are happy", lexicon).split() == [lexicon[w] for w in expected]


@pytest.mark.parametrize("attention", [False, True])
def test_translator_shapes_and_attention_weights(attention):
    torch.manual_seed(0)
    model = Translator(20, 15, 8, 12, attention)
    source = torch.tensor([[5, 6, 7, EOS], [5, 6, EOS, PAD]])
    target_in = torch.tensor([[1, 4, 5], [1, 4, 5]])
    assert model(source, target_in).shape == (2, 3, 15)
    memory, state, mask = model.encode(source)
    decoded, _ = model.decoder(model.target_embedding(target_in), state)
    _, weights = model.read_out(decoded, memory, mask)
    if attention:
        torch.testing.assert_close(weights.sum(-1), torch.ones(2, 3))
        assert torch.all(weights[1, :, 3] == 0)  # never attends to padding
    else:
        assert weights is None
    assert model.greedy(source, 6).shape[0] == 2


def test_token_accuracy_counts_words_in_place_and_exact_sentences():
    reference = torch.tensor([[4, 5, 6, EOS], [4, 5, EOS, PAD]])
    predicted = torch.tensor([[4, 9, 6, EOS, 7], [4, 5, EOS, 3, 3]])
    accuracy, exact = token_accuracy(predicted, reference)
    torch.testing.assert_close(accuracy, torch.tensor([0.75, 1.0]))
    assert exact.tolist() == [False, True]


def test_a_tiny_bottleneck_experiment_fills_its_table():
    result = bottleneck_experiment(["plain", "attention"], max_clauses=2, train_size=200, steps=3, hidden=16,
                                   test_size=60)
    assert set(result.table["model"]) == {"encoder-decoder (one vector)", "encoder-decoder with attention"}
    assert result.table["word_accuracy"].between(0, 1).all() and result.complete


def test_timing_rows_for_each_model_and_length():
    result = parallel_experiment([4, 8], ["rnn", "lstm", "transformer"], hidden=8, batch=2, repeats=1)
    table = result.table
    assert len(table) == 6 and (table["forward_backward_ms"] > 0).all()
    assert table.loc[table["model"] == "RNN", "sequential_steps"].tolist() == [4, 8]
    assert (table.loc[table["model"] == "Transformer", "sequential_steps"] == 1).all()
    assert "Transformer" in parallel_summary(table)[-1]


def test_one_to_one_reads_each_word_alone():
    trained = train_one_to_one(steps=200)
    assert trained.accuracy == 1.0
    words = classify_each_word(trained, "the film was not good qwerty").set_index("word")["class"]
    assert words["good"] == "positive" and words["not"] == "neutral" and words["qwerty"] == "never seen"


def test_one_to_many_writes_from_a_label():
    writer = train_one_to_many(num_sentences=300, steps=5)
    sentences = write_from_label(writer, "positive", count=3, max_words=8)
    assert len(sentences) == 3
    assert all(w in writer.vocab.index for s in sentences for w in s.split())


def test_adding_summary_names_solved_and_stuck_lengths():
    table = pd.DataFrame([
        {"architecture": "LSTM", "length": 10, "verdict": "solved"},
        {"architecture": "LSTM", "length": 50, "verdict": "partly"},
        {"architecture": "tanh RNN", "length": 50, "verdict": "at the baseline"}])
    lines = adding_summary(table)
    assert lines == ["**LSTM**: solved T = 10; partly learned T = 50.",
                     "**tanh RNN**: stayed at the baseline at T = 50."]


def test_the_experiment_command_writes_json(tmp_path, capsys):
    out = tmp_path / "parallel.json"
    assert main(["experiment", "parallel", "--lengths", "4,8", "--models", "rnn,transformer",
                 "--hidden", "8", "--device", "cpu", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["experiment"] == "parallel" and report["complete"] and len(report["rows"]) == 4
    assert "Vaswani" in report["published"]
    assert main(["experiment", "agreement", "--steps", "5"]) == 2
    assert "does not apply" in capsys.readouterr().err
    assert main(["experiment", "adding", "--models", "gru", "--steps", "1", "--lengths", "4"]) == 2


def test_a_small_translator_translates_a_typed_sentence_and_shows_its_attention():
    from playground.experiments.translation import train_translator, translate_sentence

    trained = train_translator(steps=5, train_size=300)
    result = translate_sentence(trained, "The dogs near the cat are happy")
    assert result.source[-1] == "<end>" and len(result.source) == 8
    assert result.reference == [trained.lexicon[w] for w in "the dogs near the cat happy are".split()]
    assert result.attention.shape == (len(result.output), len(result.source))
    if len(result.output):
        np.testing.assert_allclose(result.attention.sum(1), 1.0, atol=1e-5)
    with pytest.raises(ValueError, match="zebra"):
        translate_sentence(trained, "the zebra runs")
