"""What moved out of the pages into the library (issue 19), tested where it now lives."""

import dataclasses

import pytest

from playground.analysis.embeddings import shared_vocabulary, vocabulary_words
from playground.analysis.prediction import verdict_text
from playground.analysis.recurrence import reordered
from playground.config import (
    ARCHITECTURES,
    MODEL_FORM_FIELDS,
    TRAIN_FORM_FIELDS,
    ModelConfig,
    TrainConfig,
    data_form_fields,
)
from playground.data.examples import LOOK_INSIDE, example_inputs, first_sentence, fresh_sentences
from playground.train import Trainer
from tests.conftest import model_run, with_training


def test_reordering_swaps_the_clauses_around_but_else_reverses():
    assert reordered("the film was bad but the music was great") == "the music was great but the film was bad"
    assert reordered("the film was good") == "good was film the"
    assert reordered("but the film") == "film the but"  # a leading "but" is no clause boundary


def test_fresh_sentences_are_new_draws_of_the_generator():
    sentences = fresh_sentences("next-word", seed=0, count=50)
    assert len(sentences) == 50 and sentences != fresh_sentences("next-word", seed=1, count=50)
    reviews = fresh_sentences("sentiment", seed=0, count=20)
    assert len(reviews) == 20 and all(isinstance(r, str) and r for r in reviews)


def test_pages_start_from_chosen_sentences_only_on_the_built_in_words(small_sentiment):
    run = model_run(small_sentiment, "lstm")
    assert first_sentence(run, LOOK_INSIDE) == LOOK_INSIDE["sentiment"]
    assert example_inputs(run)[0] == "the food was bad but the service was great"
    run.config = dataclasses.replace(run.config, data=dataclasses.replace(run.config.data, source="upload"))
    run.examples = ["held out one"]
    assert first_sentence(run, LOOK_INSIDE) == "held out one" and example_inputs(run) == ["held out one"]


def test_a_verdict_names_the_likeliest_class_or_word(small_sentiment, small_next_word):
    sentiment = verdict_text(model_run(small_sentiment, "lstm"), "the film was good")
    assert sentiment.split(" (")[0] in ("positive", "negative") and sentiment.endswith("%)")
    assert verdict_text(model_run(small_next_word, "lstm"), "the dog").startswith("next: “")


def test_two_runs_share_the_words_both_know(small_sentiment, small_next_word):
    reviews, language = model_run(small_sentiment, "lstm"), model_run(small_next_word, "lstm")
    words = vocabulary_words(reviews)
    shared, rows = shared_vocabulary(reviews, language, words)
    assert shared and all(token in language.vocab for _, token in shared)
    assert rows.shape == (len(shared), language.config.model.embedding_dim)
    assert {t for _, t in shared} == {t for _, t in words if t in language.vocab}


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_the_train_forms_field_lists_name_real_fields(arch):
    model_fields = {f.name for f in dataclasses.fields(ModelConfig)}
    assert set(MODEL_FORM_FIELDS[arch]) <= model_fields
    assert set(TRAIN_FORM_FIELDS) <= {f.name for f in dataclasses.fields(TrainConfig)}
    assert "text_layout" in data_form_fields("next-word", "upload")
    assert "text_layout" not in data_form_fields("sentiment", "built-in")
    assert "data_seed" in data_form_fields("sentiment", "built-in")
    assert "data_seed" not in data_form_fields("sentiment", "upload")


def test_the_trainer_calls_its_callbacks_and_refuses_unknown_events(small_sentiment):
    config, data = small_sentiment
    from playground.run import create_run

    trainer = Trainer(create_run(with_training(config, epochs=2, max_steps=30), data), data)
    seen = []
    trainer.add_callback("on_epoch_end", lambda t: seen.append(("epoch", t.epoch, t.step)))
    trainer.add_callback("on_log", lambda t: seen.append(("log", t.progress.step)))
    with pytest.raises(ValueError, match="unknown event"):
        trainer.add_callback("on_lunch", print)
    run = trainer.train()
    logs = [s for s in seen if s[0] == "log"]
    assert logs and logs[-1][1] == run.steps == 30
    per_epoch = trainer.steps_per_epoch  # 20 batches: the second epoch ends at the step limit, 30
    assert [s[1:] for s in seen if s[0] == "epoch"] == [(1, per_epoch), (2, 30)]
    assert [snap.epoch for snap in run.snapshots] == [0, 1, 2]  # the built-in snapshot callbacks ran too
    assert run.gradient_probes  # and the gradient recorder
