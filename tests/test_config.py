"""Configs: bounds on every field; untrusted values fall back to defaults with a warning."""

import dataclasses

import pytest

from playground.config import (
    DataConfig,
    ExperimentConfig,
    ModelConfig,
    TrainConfig,
    default_config,
    parse_number,
)


def test_round_trip():
    config = default_config("sentiment", "transformer")
    again, warnings = ExperimentConfig.from_dict(config.to_dict())
    assert again == config and warnings == []


HOSTILE = ["1e309", "-1", "9" * 5000, "<script>alert(1)</script>", "nan", "", True, 3.5]


@pytest.mark.parametrize("raw", HOSTILE)
def test_bad_values_fall_back_with_a_warning(raw):
    config, warnings = ExperimentConfig.from_dict({"model": {"hidden_dim": raw}})
    assert config.model.hidden_dim == ModelConfig().hidden_dim
    assert len(warnings) == 1 and "Hidden size" in warnings[0]
    assert "<script>" not in warnings[0]


def test_unknown_keys_and_sections_are_ignored():
    config, warnings = ExperimentConfig.from_dict({"model": {"bogus": 1}, "other": {}, "train": "x"})
    assert config == ExperimentConfig() and warnings == []


def test_choices_are_checked():
    config, warnings = ExperimentConfig.from_dict({"model": {"arch": "gru"}, "data": {"task": "sentiment"}})
    assert config.model.arch == "lstm" and config.data.task == "sentiment" and len(warnings) == 1


def test_every_field_has_a_label_help_and_bounds_or_choices():
    for cls in (DataConfig, ModelConfig, TrainConfig):
        for f in dataclasses.fields(cls):
            meta = f.metadata
            assert meta["label"] and meta["help"], f.name
            assert meta["choices"] is not None or (meta["lo"] is not None and meta["hi"] is not None), f.name


def test_heads_must_divide_the_embedding_size():
    config, warnings = ExperimentConfig.from_dict(
        {"model": {"arch": "transformer", "embedding_dim": 30, "num_heads": 4}}
    )
    assert config.model.num_heads == 3 and "heads" in warnings[0]


def test_query_params_round_trip():
    from playground.config import from_query_params, to_query_params

    config = default_config("sentiment", "rnn")
    config.model.hidden_dim, config.train.learning_rate, config.train.seed = 48, 0.0005, 123
    again, warnings = from_query_params(to_query_params(config))
    assert again == config and warnings == []
    assert from_query_params({"utm_source": "mail"}) == (None, [])


@pytest.mark.parametrize(
    "params,fragment",
    [
        ({"hidden_dim": "1e309"}, "Hidden size"),
        ({"hidden_dim": "-1"}, "Hidden size"),
        ({"hidden_dim": "9" * 5000}, "too long"),
        ({"arch": "<script>alert(1)</script>"}, "Architecture"),
        ({"seed": ["1", "2"]}, "2 times"),
        ({"source": "upload"}, "uploaded file"),
    ],
)
def test_hostile_links_fall_back_with_a_warning(params, fragment):
    from playground.config import from_query_params

    config, warnings = from_query_params(params)
    assert config is not None and any(fragment in w for w in warnings)
    assert not any("<script>" in w or "9999" in w for w in warnings)
    assert config.model.hidden_dim == default_config(config.data.task, config.model.arch).model.hidden_dim


def test_only_the_sentiment_transformer_pools_by_max():
    assert default_config("sentiment", "transformer").model.pooling == "max"
    assert default_config("next-word", "transformer").model.pooling == "mean"
    assert default_config("sentiment", "lstm").model.pooling == "mean"  # not read by recurrent models


@pytest.mark.parametrize(
    ("raw", "lo", "hi", "message"),
    [
        ("2147483648", 0, 2_147_483_647, "must be at most 2,147,483,647"),  # was "2.14748e+09"
        ("2000", 1, 1024, "must be at most 1024"),
        ("0", 0.0001, 1.0, "must be at least 0.0001"),
    ],
)
def test_a_bound_is_written_as_a_learner_reads_it(raw, lo, hi, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        parse_number(raw, lo, hi, whole=isinstance(hi, int))


@pytest.mark.parametrize("text", ["１２", "1_0", "0x10", "1 0", "12\u200b"])
def test_numbers_in_a_link_are_written_with_the_digits_0_to_9(text):
    """Python's float() reads full-width digits and underscores: a link's "seed=１２" trained seed 12
    without a word, though the address bar then showed another value than the one typed."""
    from playground.config import parse_number

    with pytest.raises(ValueError, match="digits 0-9"):
        parse_number(text, 0, 100, whole=True)


def test_minus_zero_is_zero():
    from playground.config import parse_number

    assert str(parse_number("-0", -1, 1, whole=False)) == "0.0"
