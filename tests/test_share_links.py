"""View options in share links: hostile values fall back, bounds follow the run, uploads get no link.

The options are the real table (`playground/view_options.py`): every page's options round-trip
through a link, and their defaults lie within their own bounds.
"""

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.share_links import (
    CONFIG_KEYS,
    choice_option,
    matches,
    read_view,
    real_option,
    switch_option,
    text_option,
    view_link,
    whole_list_option,
    whole_option,
)
from playground.view_options import VIEW_OPTIONS
from tests.conftest import model_run

OPTIONS = [
    text_option("sentence", "k_text", "The sentence", 20),
    whole_option("layer", "k_layer", "Layer", 0, lambda run: run.config.model.num_layers - 1, 0),
    real_option("rho", "k_rho", "ρ", 0.1, 10.0, 0.9, 0.05),
    choice_option("measure", "k_measure", "Measure", ["a", "b"]),
    choice_option("dims", "k_dims", "Dimensions", [2, 3]),
    switch_option("cell", "k_cell", "Cell"),
    whole_list_option("units", "k_units", "Units", 0, lambda run: run.config.model.hidden_dim - 1, 3),
]


@pytest.fixture(scope="module")
def run(small_sentiment):
    return model_run(small_sentiment, "lstm", num_layers=2, hidden_dim=16)


def test_good_values_are_read_with_the_runs_bounds(run):
    params = {
        "sentence": ["the film <b>"],
        "layer": ["1"],
        "rho": ["2.5"],
        "measure": ["b"],
        "dims": ["3"],
        "cell": ["1"],
        "units": ["3,0,3"],
    }
    values, warnings = read_view(params, OPTIONS, run)
    assert warnings == []
    assert values == {
        "k_text": "the film <b>",
        "k_layer": 1,
        "k_rho": 2.5,
        "k_measure": "b",
        "k_dims": 3,
        "k_cell": True,
        "k_units": [3, 0],
    }


@pytest.mark.parametrize(
    "name, raw",
    [
        ("sentence", "x" * 21),
        ("layer", "2"),
        ("layer", "-1"),
        ("layer", "1.5"),
        ("layer", "9" * 5000),
        ("rho", "1e309"),
        ("rho", "nan"),
        ("rho", "0"),
        ("measure", "<script>alert(1)</script>"),
        ("dims", "4"),
        ("cell", "yes"),
        ("units", "0,1,2,3"),
        ("units", "16"),
        ("units", "a,b"),
    ],
)
def test_bad_values_fall_back_with_a_warning_that_does_not_echo(run, name, raw):
    values, warnings = read_view({name: [raw]}, OPTIONS, run)
    assert values == {}
    assert len(warnings) == 1 and "using the default" in warnings[0]
    assert raw not in warnings[0] or len(raw) < 2


def test_repeated_keys_and_unknown_keys(run):
    values, warnings = read_view({"layer": ["0", "1"], "bogus": ["1"]}, OPTIONS, run)
    assert values == {} and warnings == ["“Layer” appears 2 times in the link; using the default."]


def test_a_link_carries_the_config_and_the_set_view_values(run):
    link = view_link(run, {"k_layer": 1, "k_cell": False, "k_units": [2, 5], "k_rho": None}, OPTIONS)
    assert link["arch"] == "lstm" and link["num_layers"] == "2" and link["seed"] == str(run.config.train.seed)
    assert link["layer"] == "1" and link["cell"] == "0" and link["units"] == "2,5" and "rho" not in link
    values, warnings = read_view({k: [v] for k, v in link.items()}, OPTIONS, run)
    assert warnings == [] and values == {"k_layer": 1, "k_cell": False, "k_units": [2, 5]}


def test_a_run_on_an_upload_gets_no_link(run):
    uploaded = copy.copy(run)
    uploaded.config = copy.deepcopy(run.config)
    uploaded.config.data.source = "upload"
    assert view_link(uploaded, {"k_layer": 1}, OPTIONS) == {}


def test_only_a_complete_training_matches_a_link(run):
    assert not matches(run, run.config)  # never trained
    for status, expected in [("finished", True), ("diverged", True), ("interrupted", False)]:
        other = copy.copy(run)
        other.status = status
        assert matches(other, copy.deepcopy(run.config)) is expected
    changed = copy.deepcopy(run.config)
    changed.train.seed += 1
    run.status = "finished"
    assert not matches(run, changed)
    run.status = "new"


@pytest.mark.parametrize("page", list(VIEW_OPTIONS))
def test_page_view_names_never_shadow_config_fields_and_keys_are_unique(page):
    names = [option.name for option in VIEW_OPTIONS[page]]
    assert names and len(names) == len(set(names))
    assert not set(names) & CONFIG_KEYS
    keys = [option.key for options in VIEW_OPTIONS.values() for option in options]
    assert len(keys) == len(set(keys))  # one widget key, one option, across every page


@pytest.mark.parametrize("page", list(VIEW_OPTIONS))
def test_every_default_lies_within_its_own_bounds(page, run):
    for option in VIEW_OPTIONS[page]:
        default = option.default_for(run)
        assert option.label_for(run)
        if option.kind in ("whole", "real"):
            lo, hi = option.bounds(run)
            assert lo <= default <= hi, option.name
        elif option.kind == "choice":
            assert default in option.options(run), option.name
        elif option.kind == "text":
            assert len(default) <= option.max_chars, option.name
        # and a link that carries the default reads it back
        assert read_view({option.name: [option.write(default)]}, [option], run) == ({option.key: default}, [])


def _values(option, run):
    """Values an option may take for `run`, for Hypothesis to draw from."""
    if option.kind == "text":
        return st.text(max_size=option.max_chars)
    if option.kind == "switch":
        return st.booleans()
    if option.kind == "choice":
        return st.sampled_from(option.options(run))
    lo, hi = option.bounds(run)
    if option.kind == "whole":
        return st.integers(int(lo), int(hi))
    if option.kind == "real":
        return st.floats(lo, hi, allow_nan=False).map(lambda x: float(f"{x:g}"))
    return st.lists(st.integers(int(lo), int(hi)), max_size=option.max_items, unique=True)


@pytest.mark.parametrize(
    "option", [o for options in VIEW_OPTIONS.values() for o in options], ids=lambda o: o.key
)
@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(data=st.data())
def test_every_real_option_round_trips_through_a_link(option, run, data):
    value = data.draw(_values(option, run))
    link = view_link(run, {option.key: value}, [option])
    expected = {} if value is None else {option.key: value}  # None (a default) is not written
    assert read_view({k: [v] for k, v in link.items()}, [option], run) == (expected, [])
    if value is None:
        assert option.default_for(run) is None


def test_text_options_are_written_cut_to_what_they_read(run):
    option = text_option("sentence", "k_text", "The sentence", 10)
    link = view_link(run, {"k_text": "good " * 1000}, [option])
    assert link["sentence"] == "good good "
    assert read_view({"sentence": [link["sentence"]]}, [option], run) == ({"k_text": "good good "}, [])
