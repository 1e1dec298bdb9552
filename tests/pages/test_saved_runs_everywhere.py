"""Every kind of run, saved to a model file and loaded back, works on every page (or the page says why)."""

from __future__ import annotations

import copy

import pytest

from playground.config import default_config
from playground.data.datasets import build_builtin, build_classification, build_stream
from playground.io import load_run, save_run
from playground.run import create_run
from playground.train import train_run
from tests.pages.test_pages import app, no_errors, open_page

PAGES = ["predict", "runs", "encoding", "embeddings", "recurrence", "gradients", "attention", "train", "home"]


def tiny(task: str, arch: str, **train):
    config = default_config(task, arch)
    config.data.num_sentences = 300
    config.train.epochs = 1
    for key, value in train.items():
        setattr(config.train, key, value)
    return config


def kinds():
    """(name, run factory): each architecture and task, stopped early, an upload, a stream, the Lab's."""
    for task in ("sentiment", "next-word"):
        for arch in ("rnn", "lstm", "transformer", "bow"):
            yield f"{task}-{arch}", lambda task=task, arch=arch: trained(tiny(task, arch, max_steps=8))
    yield "stopped-at-step-0", lambda: stopped(tiny("next-word", "lstm"))
    yield "upload-csv", upload_csv
    yield "upload-stream", upload_stream


def trained(config, data=None):
    data = data or build_builtin(config.data)
    return train_run(create_run(config, data), data)


def stopped(config):
    data = build_builtin(config.data)
    run = create_run(config, data)
    run.status, run.message = "interrupted", "Training stopped at step 0."
    return run


def upload_csv():
    config = tiny("sentiment", "lstm", max_steps=8)
    config.data.source = "upload"
    texts = [f"this {w} was {'great' if i % 2 else 'awful'}" for i, w in enumerate(["show", "meal"] * 40)]
    labels = ["<b>good</b>" if i % 2 else "[bad](https://evil.example)" for i in range(80)]
    return trained(config, build_classification(texts, labels, config.data, "an uploaded table"))


def upload_stream():
    config = tiny("next-word", "transformer", max_steps=8)
    config.data.source, config.data.tokenizer, config.data.text_layout = "upload", "char", "stream"
    config.data.max_length = 32
    text = "to be or not to be, that is the question.\n" * 60
    return trained(config, build_stream(text, config.data, "an uploaded text"))


@pytest.mark.parametrize("name,make", list(kinds()), ids=[name for name, _ in kinds()])
def test_a_run_saved_and_loaded_back_works_on_every_page(name, make):
    run = make()
    loaded = load_run(save_run(run))
    assert loaded.status == "loaded" and loaded.steps == run.steps
    at = app()
    at.session_state["runs"] = [copy.copy(loaded)]
    at.session_state["active_run_id"] = loaded.id
    for page in PAGES:
        at = open_page(at, page)
        no_errors(at)
