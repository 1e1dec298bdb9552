"""The train command's flags come from the config field table: every field round-trips, bad values
get the app's own words."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playground.__main__ import build_parser, main
from playground.cli.flags import config_from_flags, flag, normalize_flags, to_flags
from playground.config import (
    FIELDS,
    SECTIONS,
    ExperimentConfig,
    bound_text,
    check_consistency,
    from_query_params,
)


def field_values(f: dataclasses.Field) -> st.SearchStrategy:
    meta = f.metadata
    if meta["choices"] is not None:
        return st.sampled_from(meta["choices"])
    if f.type in (int, "int"):
        return st.integers(int(meta["lo"]), int(meta["hi"]))
    return st.floats(meta["lo"], meta["hi"], allow_nan=False, allow_infinity=False)


@st.composite
def configs(draw) -> ExperimentConfig:
    parts = {
        section: cls(**{f.name: draw(field_values(f)) for f in dataclasses.fields(cls)})
        for section, cls in SECTIONS.items()
    }
    config = ExperimentConfig(**parts)
    check_consistency(config)  # the one fix-up the form makes too (heads that divide the width)
    return config


def parse(flags: list[str], base: ExperimentConfig | None = None) -> ExperimentConfig:
    args = build_parser().parse_args(normalize_flags(["train", *flags]))
    config, changed = config_from_flags(args, base)
    assert changed == []
    return config


@settings(max_examples=150, deadline=None)
@given(configs(), st.booleans())
def test_every_field_round_trips_through_the_flags(config, changed_only):
    assert parse(to_flags(config, changed_only=changed_only)) == config


def test_every_field_of_the_form_is_a_flag_with_its_label_and_bounds():
    actions = {a.dest: a for a in build_parser()._subparsers._group_actions[0].choices["train"]._actions}
    for name, (_, f) in FIELDS.items():
        action = actions[name]
        assert action.option_strings == [flag(name)]
        assert action.help.startswith(f.metadata["label"])
        if f.metadata["lo"] is not None:
            assert f"{bound_text(f.metadata['lo'])} to {bound_text(f.metadata['hi'])}" in action.help


def test_flags_start_from_the_defaults_of_their_task_and_architecture_and_override_a_link():
    config = parse(["--task", "sentiment", "--arch", "bow"])
    assert (config.data.num_sentences, config.train.epochs, config.train.learning_rate) == (12_000, 6, 0.01)
    linked, _ = from_query_params(
        {"task": ["sentiment"], "arch": ["rnn"], "hidden_dim": ["40"], "seed": ["7"]}
    )
    config = parse(["--seed", "8", "--hidden_dim=48"], base=linked)  # underscores, as a link spells them
    assert (config.model.arch, config.model.hidden_dim, config.train.seed) == ("rnn", 48, 8)


def app_words(name: str, raw: str) -> str:
    """What the app says about this value in a share link, without the link-specific words."""
    _, warnings = from_query_params({name: [raw]})
    assert len(warnings) == 1
    words = warnings[0].replace(" in the link", "").removesuffix("; using the default.")
    return re.sub(r"^“(.+?)”", r"\1", words)  # the app quotes the setting's label


@pytest.mark.parametrize(
    "name,raw",
    [
        ("hidden_dim", "5000"),
        ("embedding_dim", "-1"),
        ("learning_rate", "nan"),
        ("epochs", "2.5"),
        ("dropout", "0.9"),
        ("seed", "9" * 40),
        ("arch", "gru"),
        ("optimizer", "<script>"),
        ("clip_grad", "inf"),
        ("num_sentences", "lots"),
        ("max_length", "1"),
    ],
)
def test_bad_values_get_the_apps_message(capsys, name, raw):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", flag(name), raw])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.endswith(f"argument {flag(name)}: {app_words(name, raw)}")


def test_contradicting_flags_are_refused_before_training(capsys, tmp_path):
    assert main(["train", "--task", "sentiment", "--stream"]) == 2
    assert main(["train", "--source", "upload"]) == 2
    assert main(["train", "--stream", "--text-layout", "lines"]) == 2
    assert main(["train", "--save", str(tmp_path / "model.pt")]) == 2
    assert main(["train", "--save", str(tmp_path / "missing" / "model.safetensors")]) == 2
    err = capsys.readouterr().err
    assert "next-word prediction only" in err and "add --data FILE" in err and "contradict" in err
    assert "ends in .safetensors" in err and "does not exist" in err


def test_a_link_without_settings_and_an_unknown_flag_are_refused(capsys):
    assert main(["train", "--link", "http://localhost:8501/train?prefix=the+dog"]) == 2
    assert "no training settings" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "--hiden-size", "4"])
    assert "unrecognized arguments" in capsys.readouterr().err


def test_version(capsys):
    import playground

    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"sequence-playground {playground.__version__}"
