"""The trainer: learns, reproduces from the seed, survives divergence and interruption."""

import math

import pytest
import torch

from playground.recording import MAX_SNAPSHOTS
from playground.run import ConfigError, create_run
from playground.train import Trainer, train_run
from tests.conftest import with_training


def test_training_beats_the_baseline(small_sentiment):
    config, data = small_sentiment
    # 1,500 reviews of many structures: 20 epochs reach 69% validation accuracy, 30 reach 75%.
    run = train_run(create_run(with_training(config, epochs=30), data), data)
    assert run.status == "finished"
    assert run.metrics["val_accuracy"] > run.baseline["accuracy"] + 0.15
    history = run.history
    assert set(history["split"]) == {"train", "validation"}
    first, last = history[history.split == "train"]["loss"].iloc[[0, -1]]
    assert last < first


def test_same_seed_same_numbers(small_next_word):
    config, data = small_next_word
    short = with_training(config, epochs=1, max_steps=15)
    runs = [train_run(create_run(short, data), data) for _ in range(2)]
    assert runs[0].history["loss"].tolist() == runs[1].history["loss"].tolist()
    other = train_run(create_run(with_training(config, epochs=1, max_steps=15, seed=7), data), data)
    assert other.history["loss"].tolist() != runs[0].history["loss"].tolist()


@pytest.mark.parametrize("arch,optimizer", [("rnn", "sgd"), ("transformer", "sgd"), ("lstm", "adam")])
def test_divergence_stops_with_advice_and_keeps_finite_weights(small_sentiment, arch, optimizer):
    config, data = small_sentiment
    config = with_training(config, learning_rate=1e6, clip_grad=0.0, optimizer=optimizer, epochs=2)
    config.model.arch, config.model.activation = arch, "relu"
    run = train_run(create_run(config, data), data)
    assert run.status == "diverged"
    assert any(words in run.message for words in ("NaN", "infinite", "grew to"))
    assert "learning rate" in run.message and "clipping" in run.message
    assert all(torch.isfinite(p).all() for p in run.model.parameters())
    assert run.steps < run.total_steps
    if "grew to" in run.message:  # a finite blow-up: the curve ends on the loss the message names
        grew_to = float(run.message.split("grew to ")[1].split(" by")[0])
        logged = run.history[run.history["split"] == "train"]["loss"].iloc[-1]
        assert f"{logged:.3g}" == f"{grew_to:.3g}"


def test_interruption_keeps_the_finished_work(small_sentiment):
    config, data = small_sentiment

    class Rerun(BaseException):  # what Streamlit raises inside a script when the user clicks
        pass

    def interrupt(run, progress):
        if progress.step >= 30:
            raise Rerun

    run = create_run(with_training(config, epochs=3), data)
    with pytest.raises(Rerun):
        Trainer(run, data, on_progress=interrupt, log_every=10).train()
    assert run.status == "interrupted" and f"step {run.steps} of {run.total_steps}" in run.message
    assert 30 <= run.steps < run.total_steps and run.history["step"].max() == run.steps
    assert next(run.model.parameters()).device.type == "cpu"


def test_snapshots_are_bounded_and_keep_first_and_last(small_sentiment):
    config, data = small_sentiment
    run = train_run(create_run(with_training(config, epochs=30, max_steps=0, batch_size=512), data), data)
    epochs = [s.epoch for s in run.snapshots]
    assert len(epochs) <= MAX_SNAPSHOTS and epochs[0] == 0 and epochs[-1] == 30
    assert epochs == sorted(epochs)


def test_oversized_models_are_refused_before_building(small_next_word):
    config, data = small_next_word
    config = with_training(config)
    config.model.hidden_dim, config.model.num_layers = 1024, 6
    with pytest.raises(ConfigError, match="parameters"):
        create_run(config, data)


def test_grad_norms_and_clipping_are_recorded(small_sentiment):
    config, data = small_sentiment
    run = train_run(create_run(with_training(config, epochs=1, clip_grad=0.01), data), data)
    train_rows = run.history[run.history.split == "train"]
    assert (train_rows["grad_norm"] > 0.01).all() and train_rows["clipped"].sum() > 0
    assert math.isfinite(run.metrics["test_accuracy"])


def test_a_run_is_settled_unless_a_thread_trains_it(small_sentiment):
    config, data = small_sentiment
    run = create_run(with_training(config, epochs=1, max_steps=5), data)
    seen = []
    train_run(run, data, on_progress=lambda r, p: seen.append(r.settled.is_set()))
    assert seen and not any(seen)  # cleared while training
    assert run.wait_until_settled(0) and run.status == "finished"


def test_an_unexpected_error_is_reported_and_the_run_kept(small_sentiment, monkeypatch):
    config, data = small_sentiment
    run = create_run(with_training(config, epochs=1), data)

    def broken(*args, **kwargs):
        raise RuntimeError("CUDA out of memory. Tried to allocate 2 GiB")

    monkeypatch.setattr("playground.train.step_loss", broken)
    with pytest.raises(RuntimeError):
        train_run(run, data)
    assert run.status == "failed" and "batch size" in run.message
    assert run.wait_until_settled(0)


def test_oversized_models_and_empty_vocabularies_are_refused_before_building(small_sentiment, monkeypatch):
    import playground.run as run_module
    from playground.config import default_config
    from playground.data.datasets import build_next_word

    config, data = small_sentiment
    monkeypatch.setattr(run_module, "MAX_PARAMETERS", 1000)
    with pytest.raises(ConfigError, match="the limit is 1,000"):
        create_run(config, data)
    monkeypatch.undo()
    words = default_config("next-word", "lstm")
    words.data.source, words.data.min_count = "upload", 5
    rare = build_next_word(["every word here appears once"] * 4, words.data, "rare words")
    with pytest.raises(ConfigError, match="no words besides the special tokens"):
        create_run(words, rare)


def test_sequences_longer_than_every_sentence_train(small_sentiment):
    from playground.config import default_config
    from playground.data.datasets import build_next_word

    config = default_config("next-word", "lstm")
    config.data.source, config.data.max_length, config.train.epochs = "upload", 256, 1
    data = build_next_word(["the cat sat on the mat"] * 50, config.data, "short lines")
    run = train_run(create_run(config, data), data)
    assert run.status == "finished" and math.isfinite(run.metrics["val_loss"])


def test_a_vocabulary_of_one_word_trains():
    from playground.config import default_config
    from playground.data.datasets import build_next_word

    config = default_config("next-word", "lstm")
    config.data.source, config.train.epochs = "upload", 1
    data = build_next_word(["cat cat cat"] * 30, config.data, "one word")
    assert len(data.vocab) == 5  # the four special tokens and "cat"
    run = train_run(create_run(config, data), data)
    assert run.status == "finished" and math.isfinite(run.metrics["val_loss"])


def test_validation_runs_twice_an_epoch_even_when_log_points_miss_the_half(small_sentiment):
    config, data = small_sentiment
    config = with_training(config, epochs=2)
    trainer = Trainer(create_run(config, data), data, log_every=4, record_gradients=False)
    assert trainer.eval_every % trainer.log_every  # half an epoch is not a log point
    run = trainer.train()
    steps = run.history.query("split == 'validation'")["step"].tolist()
    per_epoch = trainer.steps_per_epoch
    assert any(0 < step < per_epoch for step in steps)  # mid-epoch, not only at the epoch's end
    assert any(per_epoch < step < 2 * per_epoch for step in steps)
    assert steps == sorted(set(steps)) and steps[-1] == run.steps


def test_a_stop_takes_effect_before_the_next_step_not_at_the_next_report(small_sentiment):
    config, data = small_sentiment
    run = create_run(with_training(config, epochs=3), data)
    checks = []

    def stop_after_seven_steps() -> bool:
        checks.append(run.steps)
        return run.steps >= 7

    Trainer(run, data, log_every=50, should_stop=stop_after_seven_steps).train()
    assert run.status == "stopped" and run.steps == 7 < run.total_steps  # no report came before it
    assert f"Stopped at step 7 of {run.total_steps}" in run.message and "no test score" in run.message
    assert "test_accuracy" not in run.metrics
    assert checks[:8] == list(range(8))  # checked before every step
    assert run.settled.is_set() and next(run.model.parameters()).device.type == "cpu"


def test_a_stop_during_a_long_evaluation_ends_it_part_way(small_sentiment):
    config, data = small_sentiment
    run = create_run(with_training(config, epochs=1, max_steps=3), data)
    trainer = Trainer(run, data, should_stop=lambda: run.steps >= 3)  # the steps are done: evaluating
    trainer.train()
    assert run.status == "stopped" and run.steps == 3 and "test_accuracy" not in run.metrics


def test_a_run_over_the_time_limit_stops_and_says_the_limit(small_sentiment):
    config, data = small_sentiment
    run = train_run(create_run(with_training(config, epochs=3), data), data, time_limit=0.0)
    assert run.status == "stopped" and run.steps == 0
    assert "this server allows 0 minutes per training" in run.message
