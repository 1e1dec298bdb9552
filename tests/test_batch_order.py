"""Length-bucketed batches: every row once an epoch, the same steps, less padding, replayable."""

import math

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from playground.evaluation import evaluate
from playground.run import create_run
from playground.train import BUCKET_BATCHES, Trainer, batch_order

lengths_lists = st.lists(st.integers(1, 40), min_size=0, max_size=700)


@settings(max_examples=60, deadline=None)
@given(lengths=lengths_lists, batch_size=st.integers(1, 70), seed=st.integers(0, 2**31 - 1))
def test_every_row_once_in_as_many_batches_as_before(lengths, batch_size, seed):
    table = torch.tensor(lengths, dtype=torch.long)
    batches = batch_order(table, batch_size, torch.Generator().manual_seed(seed))
    assert len(batches) == math.ceil(len(lengths) / batch_size)
    assert all(0 < len(b) <= batch_size for b in batches)
    rows = torch.cat(batches).tolist() if batches else []
    assert sorted(rows) == list(range(len(lengths)))


@settings(max_examples=30, deadline=None)
@given(lengths=lengths_lists, seed=st.integers(0, 2**31 - 1))
def test_the_same_seed_gives_the_same_batches(lengths, seed):
    table = torch.tensor(lengths, dtype=torch.long)
    first = batch_order(table, 16, torch.Generator().manual_seed(seed))
    again = batch_order(table, 16, torch.Generator().manual_seed(seed))
    assert [b.tolist() for b in first] == [b.tolist() for b in again]


def test_rows_of_one_length_are_a_plain_shuffle():
    table = torch.full((300,), 12)
    batches = batch_order(table, 64, torch.Generator().manual_seed(3))
    expected = torch.randperm(300, generator=torch.Generator().manual_seed(3)).split(64)
    assert [b.tolist() for b in batches] == [b.tolist() for b in expected]


def test_mixed_lengths_need_less_padding_than_random_batches():
    lengths = torch.randint(1, 30, (6400,), generator=torch.Generator().manual_seed(0))
    padded = lambda batches: sum(int(lengths[b].max()) * len(b) for b in batches)  # noqa: E731
    shuffled = torch.randperm(6400, generator=torch.Generator().manual_seed(1)).split(64)
    bucketed = batch_order(lengths, 64, torch.Generator().manual_seed(1))
    assert padded(bucketed) < 0.8 * padded(shuffled)


def test_batches_still_mix_long_and_short_rows(small_sentiment):
    """Pools are small, so a batch is not all one length: gradients see several kinds of sentence."""
    _, data = small_sentiment
    table = data.train.lengths
    batches = batch_order(table, 32, torch.Generator().manual_seed(0))
    spread = [int(table[b].max() - table[b].min()) for b in batches if len(b) == 32]
    assert sum(s > 2 for s in spread) > len(spread) / 2


def test_evaluation_in_length_order_gives_the_same_accuracy(small_sentiment):
    config, data = small_sentiment
    run = create_run(config, data)
    result = evaluate(run.model, data.test, batch_size=7)
    with torch.no_grad():
        logits = run.model(data.test.inputs, data.test.lengths).logits
    accuracy = (logits.argmax(-1) == data.test.targets).float().mean().item()
    assert math.isclose(result["accuracy"], accuracy, abs_tol=1e-6)


def test_only_classification_is_bucketed(small_next_word, small_sentiment):
    """Next-word runs see the shuffled rows in turn, as before; sentiment runs get like-length batches."""
    assert Trainer(create_run(*small_next_word), small_next_word[1]).pool is None
    assert Trainer(create_run(*small_sentiment), small_sentiment[1]).pool == BUCKET_BATCHES
