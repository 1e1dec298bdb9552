"""View options in share links: hostile values fall back, bounds follow the run, uploads get no link."""

import re
from pathlib import Path

import pytest

from playground.share_links import (
    CONFIG_KEYS,
    ViewOption,
    free_text,
    matches,
    one_of,
    read_view,
    real,
    switch,
    view_link,
    whole,
    whole_list,
    write_list,
    write_switch,
)
from tests.conftest import model_run

PAGES = ["predict", "encoding", "embeddings", "recurrence", "gradients", "attention"]


def page_source(page: str) -> str:
    """A page's source, read without running Streamlit."""
    source = (Path(__file__).resolve().parents[1] / "app_pages" / f"{page}.py").read_text()
    assert "VIEW = [" in source and "linked_run(" in source and "share_view(" in source
    return source


OPTIONS = [
    ViewOption("sentence", "k_text", "The sentence", free_text(20)),
    ViewOption("layer", "k_layer", "Layer", whole(0, lambda run: run.config.model.num_layers - 1)),
    ViewOption("rho", "k_rho", "ρ", real(0.1, 10.0)),
    ViewOption("measure", "k_measure", "Measure", one_of(["a", "b"])),
    ViewOption("dims", "k_dims", "Dimensions", one_of([2, 3])),
    ViewOption("cell", "k_cell", "Cell", switch, write_switch),
    ViewOption(
        "units", "k_units", "Units", whole_list(0, lambda run: run.config.model.hidden_dim - 1, 3), write_list
    ),
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
    assert values == {} and warnings == ["Layer appears 2 times in the link; using the default."]


def test_a_link_carries_the_config_and_the_set_view_values(run):
    link = view_link(run, {"k_layer": 1, "k_cell": False, "k_units": [2, 5], "k_rho": None}, OPTIONS)
    assert link["arch"] == "lstm" and link["num_layers"] == "2" and link["seed"] == str(run.config.train.seed)
    assert link["layer"] == "1" and link["cell"] == "0" and link["units"] == "2,5" and "rho" not in link
    values, warnings = read_view({k: [v] for k, v in link.items()}, OPTIONS, run)
    assert warnings == [] and values == {"k_layer": 1, "k_cell": False, "k_units": [2, 5]}


def test_a_run_on_an_upload_gets_no_link(run):
    import copy

    uploaded = copy.copy(run)
    uploaded.config = copy.deepcopy(run.config)
    uploaded.config.data.source = "upload"
    assert view_link(uploaded, {"k_layer": 1}, OPTIONS) == {}


def test_only_a_complete_training_matches_a_link(run):
    import copy

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


@pytest.mark.parametrize("page", PAGES)
def test_page_view_names_never_shadow_config_fields(page):
    source = page_source(page)
    names = re.findall(r'(?:ViewOption|text_option)\(\s*f?"([^"]+)"', source)
    assert names and len(names) == len(set(names))
    assert not set(names) & CONFIG_KEYS


def test_text_options_are_written_cut_to_what_they_read(run):
    from playground.share_links import text_option

    option = text_option("sentence", "k_text", "The sentence", 10)
    link = view_link(run, {"k_text": "good " * 1000}, [option])
    assert link["sentence"] == "good good "
    assert read_view({"sentence": [link["sentence"]]}, [option], run) == ({"k_text": "good good "}, [])
