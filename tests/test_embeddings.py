"""Words as vectors: the numbers shown equal PyTorch's, and training makes word classes cohere."""

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.nn import functional as F

from playground.analysis.embeddings import (
    aligned,
    class_cohesion,
    cosine_similarities,
    encode_sentence,
    euclidean_distances,
    nearest_neighbours,
    perplexity_for,
    project,
    projection_frame,
    snapshot_frames,
    vocabulary_words,
    word_classes,
)
from playground.config import default_config
from playground.data.datasets import build_builtin
from playground.figures.embeddings import landmark_words, projection_figure
from playground.run import create_run
from playground.train import train_run
from tests.conftest import with_training

# Stated margin: after the default training, words of one class are on average this much closer
# (mean cosine) than words of different classes; at initialisation the gap is within +-0.02.
COHESION_MARGIN = 0.2


@pytest.fixture(scope="module")
def trained():
    config = default_config("next-word", "lstm")
    data = build_builtin(config.data)
    return train_run(create_run(config, data), data)


def cohesion(run, weights):
    words = vocabulary_words(run)
    return class_cohesion(weights[[i for i, _ in words]], word_classes(run, [t for _, t in words]))


def test_same_class_words_cohere_after_training_and_not_before(trained):
    before = cohesion(trained, trained.snapshots[0].weights.numpy())
    after = cohesion(trained, trained.model.embedding.weight.detach().numpy())
    assert abs(before["margin"]) < 0.02
    assert after["margin"] > COHESION_MARGIN


def test_sentence_codes_are_the_models_own(trained):
    encoded = encode_sentence(trained, "the happy girl is glad")
    ids = torch.tensor(encoded.ids)
    assert np.array_equal(encoded.one_hot, F.one_hot(ids, len(trained.vocab)).numpy())
    assert np.array_equal(encoded.embeddings, trained.model.embedding(ids).detach().numpy())
    assert encoded.one_hot.shape == (5, len(trained.vocab)) and encoded.embeddings.shape == (5, 32)


def test_one_hot_says_every_pair_of_words_is_equally_unlike(trained):
    encoded = encode_sentence(trained, "happy glad park")
    assert np.allclose(cosine_similarities(encoded.one_hot), np.eye(3))
    distances = euclidean_distances(encoded.one_hot)
    assert np.allclose(distances[~np.eye(3, dtype=bool)], np.sqrt(2))


def test_embeddings_say_happy_is_closer_to_glad_than_to_park(trained):
    similarity = cosine_similarities(encode_sentence(trained, "happy glad park").embeddings)
    assert similarity[0, 1] > similarity[0, 2]


def test_cosine_similarities_equal_pytorch():
    x = np.random.default_rng(0).normal(size=(6, 5)).astype(np.float32)
    expected = F.cosine_similarity(torch.tensor(x)[:, None], torch.tensor(x)[None], dim=-1).numpy()
    assert np.allclose(cosine_similarities(x), expected, atol=1e-6)


def test_neighbours_are_the_highest_cosines_in_the_full_space(trained):
    table = nearest_neighbours(trained, "happy", 5)
    weights = trained.model.embedding.weight.detach()
    sims = F.cosine_similarity(weights, weights[trained.vocab.index["happy"]][None], dim=-1)
    order = [trained.vocab.tokens[i] for i in sims.argsort(descending=True).tolist()]
    expected = [w for w in order if w != "happy" and not w.startswith("<")][:5]
    assert table["word"].tolist() == expected
    assert table["cosine similarity"].is_monotonic_decreasing
    with pytest.raises(KeyError, match="not in this model's vocabulary"):
        nearest_neighbours(trained, "zebra")


@pytest.mark.parametrize("n", [1, 2, 3, 5, 40])
@pytest.mark.parametrize("method,dims", [("pca", 2), ("pca", 3), ("tsne", 2), ("tsne", 3)])
def test_projection_handles_any_vocabulary_size(n, method, dims):
    matrix = np.random.default_rng(0).normal(size=(n, 8))
    coordinates = project(matrix, method, dims)
    assert coordinates.shape == (n, dims) and np.isfinite(coordinates).all()
    assert perplexity_for(n) < max(n, 2)


def test_pca_puts_the_largest_spread_first(trained):
    frame = projection_frame(trained, "pca", 3)
    assert frame["x"].var() >= frame["y"].var() >= frame["z"].var()
    assert len(frame) == len(trained.vocab) - 4 and set(frame["class"]) >= {"animal", "place", "feeling"}


def test_snapshot_frames_share_one_space(trained):
    frames = snapshot_frames(trained, 50)
    assert sorted(frames["epoch"].unique()) == [s.epoch for s in trained.snapshots]
    assert (frames.groupby("epoch").size() == 50).all()
    rms = frames.groupby("epoch").apply(lambda f: np.sqrt((f["x"] ** 2 + f["y"] ** 2).mean()))
    assert rms.min() > 0.2 * rms.max()  # each frame has a visible shape, none is a dot


def test_alignment_undoes_a_rotation():
    reference = np.random.default_rng(1).normal(size=(20, 2))
    angle = 0.7
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    assert np.allclose(aligned(reference, reference @ rotation), reference, atol=1e-8)


def test_uploads_are_coloured_by_frequency(small_sentiment):
    config, data = small_sentiment
    run = create_run(with_training(config), data)  # a copy: the fixture's config stays built-in
    run.config.data.source = "upload"
    classes = word_classes(run, [t for _, t in vocabulary_words(run)])
    assert classes[0] == "top 10% most frequent" and classes[-1] == "least frequent 50%"


def test_an_empty_sentence_has_empty_codes(trained):
    encoded = encode_sentence(trained, "   ")
    assert encoded.one_hot.shape == (0, len(trained.vocab)) and encoded.embeddings.shape == (0, 32)


def test_the_projecting_ahead_thread_leaves_no_warning_in_the_servers_log():
    """Review 19: "Thread 'playground-project-ahead': missing ScriptRunContext!" three times in the log
    of a server that served Embedding space: the thread fills Streamlit's cache outside a script run."""
    import logging
    import threading

    from ui.views.embeddings import AHEAD_THREAD, CONTEXT_LOGGER, QuietOutsideScripts

    logger = logging.getLogger(CONTEXT_LOGGER)
    assert sum(isinstance(f, QuietOutsideScripts) for f in logger.filters) == 1
    record = logger.makeRecord(
        CONTEXT_LOGGER, logging.WARNING, __file__, 1, "missing ScriptRunContext!", (), None
    )
    kept = {}

    def log_from(name: str) -> None:
        kept[name] = logger.filter(record)

    for name in (AHEAD_THREAD, "any other thread"):
        thread = threading.Thread(target=log_from, args=(name,), name=name)
        thread.start()
        thread.join()
    assert kept == {AHEAD_THREAD: False, "any other thread": True}


@given(st.lists(st.tuples(st.floats(-5, 5), st.floats(-5, 5), st.integers(1, 1000)), min_size=1, max_size=80))
def test_landmarks_are_the_most_frequent_words_whose_labels_do_not_overlap(points):
    """Review 21: no dot on the projection was named; every word had to be found by hovering."""
    frame = pd.DataFrame(
        [{"word": f"w{i}", "x": x, "y": y, "count": c} for i, (x, y, c) in enumerate(points)]
    )
    marks = landmark_words(frame, limit=10, spacing=0.06)
    assert 1 <= len(marks) <= 10
    assert marks["count"].iloc[0] == frame["count"].max()  # the commonest word is always named
    span = np.array([max(frame[a].max() - frame[a].min(), 1e-9) for a in ("x", "y")])
    scaled = marks[["x", "y"]].to_numpy() / span
    for i in range(len(scaled)):
        for j in range(i):
            assert np.abs(scaled[i] - scaled[j]).max() >= 0.06  # labels kept apart on screen
    assert list(marks["count"]) == sorted(marks["count"], reverse=True)


def test_a_projection_names_words_only_when_nothing_is_searched():
    frame = pd.DataFrame(
        [{"word": f"w{i}", "x": i, "y": i % 7, "class": "noun", "count": 100 - i} for i in range(60)]
    )
    plain = projection_figure(frame, 2, "pca")
    named = [t for t in plain.data if t.mode == "text"]
    assert len(named) == 1 and "w0" in named[0].text
    assert "most frequent words named" in plain.layout.title.text
    searched = projection_figure(frame, 2, "pca", highlight="w5", neighbours=["w6"])
    assert not [t for t in searched.data if t.mode == "text"]  # the search's own labels instead
