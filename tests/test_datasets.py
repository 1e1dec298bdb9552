"""Task datasets: next-word targets are the inputs shifted by one; padding never counts."""

import torch

from playground.config import DataConfig
from playground.data.datasets import (
    NO_EVIDENCE_SHARE,
    NO_EVIDENCE_TARGET,
    build_builtin,
    build_classification,
    build_next_word,
    majority_baseline,
    next_word_set,
)
from playground.data.tokenizer import BOS_ID, EOS_ID, PAD_ID, Vocabulary
from playground.evaluation import mean_cross_entropy


def test_next_word_targets_are_inputs_shifted_by_one():
    vocab = Vocabulary.build(["a b c d e"])
    data = next_word_set(["a b c", "a b c d e"], vocab, max_length=32)
    assert data.inputs[0, 0] == BOS_ID
    assert torch.equal(data.inputs[0, 1:4], data.targets[0, :3])
    assert data.targets[0, 3] == EOS_ID and data.targets[0, 4] == PAD_ID
    assert data.lengths.tolist() == [4, 6]


def test_long_texts_are_split_into_windows_that_continue():
    vocab = Vocabulary.build(["a b c d e f g"])
    data = next_word_set(["a b c d e f g"], vocab, max_length=3)
    # <bos> a b c d e f g <eos> -> windows of 3 predictions each, no prediction lost
    assert (data.targets != PAD_ID).sum() == 8
    assert data.inputs[1, 0] == data.targets[0, 2]


def test_batches_are_trimmed_to_their_longest_row():
    vocab = Vocabulary.build(["a b c d e f g"])
    data = next_word_set(["a", "a b c d e f g"], vocab, max_length=32)
    inputs, lengths, targets = data.batch(torch.tensor([0]))
    assert inputs.shape == (1, 2) and targets.shape == (1, 2)


def test_uploaded_text_and_labels_build_task_data():
    texts = [f"text number {i}" for i in range(30)]
    labels = ["odd" if i % 2 else "even" for i in range(30)]
    data = build_classification(texts, labels, DataConfig(task="sentiment"), "upload")
    assert data.class_names == ["even", "odd"] and data.num_outputs == 2
    assert len(data.train) + len(data.validation) + len(data.test) == 30
    nw = build_next_word(texts, DataConfig(tokenizer="char"), "upload")
    assert nw.vocab.level == "char" and nw.num_outputs == len(nw.vocab)


def test_baselines_are_what_ignoring_the_input_scores():
    texts = ["yes"] * 20 + ["no"] * 10
    labels = ["pos"] * 20 + ["neg"] * 10
    data = build_classification(texts, labels, DataConfig(task="sentiment"), "upload")
    assert 0 <= data.baseline()["accuracy"] <= 1


def test_rows_with_no_known_word_are_taught_as_no_verdict():
    data = build_builtin(DataConfig(task="sentiment", num_sentences=600))
    no_verdict = data.train.targets == NO_EVIDENCE_TARGET
    labelled = len(data.train) - int(no_verdict.sum())
    assert int(no_verdict.sum()) == labelled // NO_EVIDENCE_SHARE > 0  # a minority: one row per 6 sentences
    for row, length in zip(data.train.inputs[no_verdict], data.train.lengths[no_verdict], strict=True):
        tokens = data.vocab.decode(row[:length].tolist())
        assert all(t == "<unk>" or not t.isalnum() for t in tokens)
    assert majority_baseline(data.train, data.validation)["accuracy"] > 0.4  # the sentinel is no class


def test_a_no_verdict_target_is_the_cross_entropy_against_every_class_alike():
    logits = torch.tensor([[2.0, -1.0, 0.5], [0.3, 0.1, -0.2]])
    targets = torch.tensor([1, NO_EVIDENCE_TARGET])
    log_p = torch.log_softmax(logits, -1)
    expected = -(log_p[0, 1] + log_p[1].mean()) / 2
    assert torch.allclose(mean_cross_entropy(logits, targets, per_step=False), expected)
    labelled = torch.tensor([0, 2])
    assert torch.allclose(
        mean_cross_entropy(logits, labelled, per_step=False),
        torch.nn.functional.cross_entropy(logits, labelled),
    )
