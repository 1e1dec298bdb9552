"""One long text in contiguous blocks, AdamW and the warm-up + cosine schedule (as small GPTs train)."""

from __future__ import annotations

import pytest
import torch

from playground.analysis.attention import trace_attention
from playground.analysis.prediction import context_ids, generate, top_next_words
from playground.analysis.recurrence import step_inputs as recurrence_steps
from playground.config import DataConfig, default_config
from playground.data.datasets import build_stream, stream_parts, stream_set
from playground.data.tokenizer import BOS_ID, UNK_ID
from playground.io import load_run, save_run
from playground.optim import FINAL_LEARNING_RATE, WEIGHT_DECAY, learning_rate_factor, make_optimizer
from playground.run import create_run
from playground.text import token_label
from playground.train import Trainer, train_run
from tests.conftest import with_training

VERSE = "Shall I compare thee to a summer's day?\nThou art more lovely and more temperate:\n" * 30


def test_stream_windows_are_contiguous_and_shifted_by_one():
    ids = torch.arange(100)
    windows = stream_set(ids, 8)
    assert windows.inputs.shape == (12, 8) and windows.targets.shape == (12, 8)
    assert torch.equal(windows.targets, windows.inputs + 1)  # every target is the next token
    assert torch.equal(windows.inputs.reshape(-1), ids[:96])  # no gaps, no overlap, no padding
    assert windows.lengths.eq(8).all()
    short = stream_set(torch.tensor([5, 6, 7]), 8)  # shorter than a window: one shorter example
    assert short.inputs.tolist() == [[5, 6]] and short.targets.tolist() == [[6, 7]]


def test_stream_split_keeps_order_and_builds_the_vocabulary_from_training_text():
    text = VERSE + "Zz"  # 'Z' and 'z' only in the last 5%: unknown to the model
    data = build_stream(text, DataConfig(tokenizer="char", max_length=16), "verse")
    train, val, test = stream_parts(len(text))
    assert (train.stop, val.stop, test.stop) == (int(len(text) * 0.9), int(len(text) * 0.95), len(text))
    assert "\n" in data.vocab and "Z" not in data.vocab  # line breaks are characters too
    first = data.train.inputs[0].tolist()
    assert data.vocab.decode(first) == list(text[:16])  # starts at the start, no <bos>
    assert data.vocab.decode(data.test.inputs[0].tolist()) == list(text[test.start : test.start + 16])
    assert data.vocab.encode("Zz") == [UNK_ID, UNK_ID]
    assert data.examples and all(example in text for example in data.examples)


def test_a_stream_model_reads_no_bos_and_shows_whitespace():
    config = default_config("next-word", "transformer")
    config.data.tokenizer, config.data.text_layout, config.data.max_length = "char", "stream", 32
    config.train.epochs, config.train.batch_size = 2, 8
    data = build_stream(VERSE, config.data, "verse")
    run = Trainer(create_run(config, data), data, record_gradients=False).train()
    assert run.status == "finished" and not run.reads_bos
    assert BOS_ID not in context_ids(run, "Thou art")
    assert context_ids(run, "Thou art") == run.vocab.encode("Thou art")
    assert trace_attention(run, "Thou art").steps[:5] == ["T", "h", "o", "u", "␣"]
    assert {"␣", "↵"} & set(top_next_words(run, "Shall I compare thee", 10)["word"])
    assert len(generate(run, "Thou", max_tokens=50)) == 50  # no sentence end: it writes all it is asked


def test_cosine_schedule_matches_pytorchs_schedulers():
    total, warmup = 200, 10  # 5% warm-up
    weight = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([weight], lr=0.5)
    reference = torch.optim.lr_scheduler.SequentialLR(
        optimizer,
        [
            torch.optim.lr_scheduler.LinearLR(optimizer, 1 / warmup, 1.0, total_iters=warmup - 1),
            torch.optim.lr_scheduler.CosineAnnealingLR(
                optimizer, total - 1 - warmup, 0.5 * FINAL_LEARNING_RATE
            ),
        ],
        milestones=[warmup],
    )
    for step in range(total):
        assert 0.5 * learning_rate_factor(step, total, "cosine") == pytest.approx(
            optimizer.param_groups[0]["lr"], rel=1e-6
        ), step
        optimizer.step()
        reference.step()
    assert learning_rate_factor(17, total, "constant") == 1.0


def test_the_trainer_follows_the_schedule_and_logs_it(small_next_word):
    config, data = small_next_word
    config = with_training(config, schedule="cosine", max_steps=60, learning_rate=0.01, epochs=10)
    run = Trainer(create_run(config, data), data, log_every=1, record_gradients=False).train()
    rates = run.history.query("split == 'train'")["learning_rate"].tolist()
    assert len(rates) == 60
    expected = [0.01 * learning_rate_factor(step, 60, "cosine") for step in range(60)]
    assert rates == pytest.approx(expected)
    assert max(rates) == pytest.approx(0.01) and rates[-1] == pytest.approx(0.001)


def test_adamw_decays_weight_matrices_not_biases_or_norms():
    config = default_config("next-word", "transformer")
    config.train.optimizer = "adamw"
    data = build_stream(VERSE, DataConfig(tokenizer="char", max_length=16), "verse")
    run = create_run(config, data)
    optimizer = make_optimizer(run.model, config.train)
    assert isinstance(optimizer, torch.optim.AdamW)
    decayed, kept = optimizer.param_groups
    assert decayed["weight_decay"] == WEIGHT_DECAY and kept["weight_decay"] == 0.0
    names = {id(p): n for n, p in run.model.named_parameters()}
    assert all(p.dim() >= 2 for p in decayed["params"])
    assert any("norm" in names[id(p)] for p in kept["params"])
    assert any(names[id(p)].endswith("bias") for p in kept["params"])
    assert len(decayed["params"]) + len(kept["params"]) == len(list(run.model.parameters()))
    assert optimizer.defaults["betas"] == (0.9, 0.99)


def test_whitespace_tokens_are_drawn_visibly_and_a_saved_stream_run_still_reads_no_bos():
    shown = [token_label(t) for t in (" ", "\n", "\t", "a", "\u200b", "<eos>")]
    assert shown == ["␣", "↵", "⇥", "a", "U+200B", "<eos>"]
    config = default_config("next-word", "lstm")
    config.data.tokenizer, config.data.text_layout, config.train.max_steps = "char", "stream", 3
    data = build_stream(VERSE, config.data, "verse")
    loaded = load_run(save_run(train_run(create_run(config, data), data)))
    assert not loaded.reads_bos and loaded.config.train.schedule == "constant"
    assert recurrence_steps(loaded, "Thou art", 10)[0][:2] == ["T", "h"]


@pytest.mark.parametrize("name", ["adam", "adamw"])
def test_the_fused_optimizers_update_as_pytorchs_reference_loop_does(name):
    config = default_config("next-word", "transformer")
    config.train.optimizer = name
    data = build_stream(VERSE, DataConfig(tokenizer="char", max_length=16), "verse")
    inputs, _, targets = data.train.batch(torch.arange(8))
    losses = {}
    for fused_kernels in (True, False):
        run = create_run(config, data)  # seeded: the same start both times
        optimizer = make_optimizer(run.model, config.train)
        assert optimizer.defaults.get("fused") is True
        if not fused_kernels:  # PyTorch's per-tensor reference implementation, same settings
            settings = optimizer.defaults
            groups = [
                {"params": g["params"], "weight_decay": g["weight_decay"]} for g in optimizer.param_groups
            ]
            optimizer = type(optimizer)(groups, lr=settings["lr"], betas=settings["betas"], foreach=False)
            assert not optimizer.defaults["fused"]
        for _ in range(20):
            logits = run.model(inputs).logits.reshape(-1, len(data.vocab))
            loss = torch.nn.functional.cross_entropy(logits, targets.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        losses[fused_kernels] = loss.item()
    assert losses[True] == pytest.approx(losses[False], rel=1e-5)


def test_a_text_shorter_than_its_held_out_parts_still_builds():
    from playground.config import DataConfig
    from playground.data.datasets import build_stream

    config = DataConfig(task="next-word", text_layout="stream")
    data = build_stream("the cat sat on the mat\n", config, "one line")
    assert len(data.train) == len(data.validation) == len(data.test) == 1  # placeholders where empty
