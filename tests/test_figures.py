"""Figure builders: the data drawn is the data given, and every axis is named."""

import base64
import json
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from playground.figures.concepts import TASK_SHAPES, task_shapes_figure
from playground.figures.prediction import next_word_bars, sentiment_trajectory_figure
from playground.figures.training import training_curve
from playground.text import escape_markdown


def history():
    return pd.DataFrame(
        {
            "step": [10, 20, 20, 30],
            "epoch": [0.5, 1, 1, 1.5],
            "split": ["train", "train", "validation", "train"],
            "loss": [2.0, 1.5, 1.6, 1.2],
            "accuracy": [0.3, 0.5, 0.45, 0.6],
        }
    )


def test_training_curve_draws_each_split_and_the_baseline():
    fig = training_curve(history(), "loss", baseline=2.5)
    by_name = {t.name: t for t in fig.data}
    assert list(by_name["train"].y) == [2.0, 1.5, 1.2] and list(by_name["validation"].x) == [20]
    assert fig.layout.xaxis.title.text == "training step" and fig.layout.yaxis.title.text
    assert fig.layout.shapes[0].y0 == 2.5
    assert training_curve(history(), "accuracy").layout.yaxis.tickformat == ".0%"


def test_next_word_bars_put_the_likeliest_on_top():
    top = pd.DataFrame({"word": ["park", "river", "farm"], "probability": [0.5, 0.3, 0.1]})
    fig = next_word_bars(top, "the dog runs to the")
    assert list(fig.data[0].y) == ["farm", "river", "park"]  # Plotly draws bottom-up
    assert list(fig.data[0].x) == [0.1, 0.3, 0.5]
    assert "the dog runs to the" in fig.layout.title.text
    coloured = next_word_bars(top.assign(**{"word class": ["place", "place", "animal"]}))
    assert {t.name for t in coloured.data} == {"place", "animal"}
    assert list(coloured.layout.yaxis.categoryarray) == ["farm", "river", "park"]


def test_trajectory_marks_unknown_words_and_shows_p_positive():
    trajectory = pd.DataFrame(
        {
            "position": [1, 2],
            "word": ["great", "zzz"],
            "known": [True, False],
            "negative": [0.2, 0.3],
            "positive": [0.8, 0.7],
        }
    )
    fig = sentiment_trajectory_figure(trajectory, ["negative", "positive"])
    assert len(fig.data) == 1 and fig.data[0].name == "P(positive)"
    assert list(fig.data[0].y) == [0.8, 0.7] and list(fig.data[0].x) == ["1. great", "2. zzz (?)"]
    three = trajectory.assign(neutral=[0.0, 0.0])
    assert len(sentiment_trajectory_figure(three, ["negative", "neutral", "positive"]).data) == 3


def test_task_shapes_has_four_labelled_panels():
    fig = task_shapes_figure()
    titles = [a.text for a in fig.layout.annotations if a.text.startswith("<b>") and " " in a.text]
    assert [t.strip("<b>/") for t in titles] == [name for name, *_ in TASK_SHAPES]


def test_user_text_cannot_become_markdown():
    escaped = escape_markdown("[x](javascript:alert(1)) <img src=x onerror=alert(1)> **bold**")
    assert re.search(r"(?<!\\)[\[\]()<>*]", escaped) is None  # every special character escaped
    assert len(escape_markdown("a" * 1000)) < 400


def test_one_hot_figure_has_a_single_one_per_row_at_the_index():
    from playground.figures.embeddings import one_hot_figure

    fig = one_hot_figure(["the", "dog", "the"], [4, 7, 4], [f"w{i}" for i in range(10)])
    z = np.array(fig.data[0].z)
    assert z.shape == (3, 10) and z.sum() == 3 and z[1, 7] == 1 and z[0, 4] == 1
    assert "10 numbers per word" in fig.layout.title.text
    assert list(fig.data[0].y) == ["1 the", "2 dog", "3 the"]  # repeated words keep their rows


def test_embedding_and_similarity_figures_show_the_given_numbers():
    from playground.figures.embeddings import embedding_figure, similarity_figure

    vectors = np.arange(6, dtype=float).reshape(2, 3) - 2
    fig = embedding_figure(["a", "b"], vectors)
    assert np.array_equal(np.array(fig.data[0].z), vectors) and fig.data[0].zmid == 0
    sim = similarity_figure(["a", "b"], np.array([[1.0, 0.5], [0.5, 1.0]]), "t")
    assert sim.data[0].zmin == -1 and sim.data[0].zmax == 1


def test_projection_figure_one_trace_per_class_and_a_highlight():
    from playground.figures.embeddings import projection_figure

    frame = pd.DataFrame(
        {
            "word": ["dog", "cat", "park"],
            "class": ["animal", "animal", "place"],
            "count": [5, 4, 3],
            "x": [0.0, 1.0, 2.0],
            "y": [0.0, 1.0, 0.5],
            "z": [0.0, 0, 1],
        }
    )
    fig = projection_figure(frame, 2, "pca", "dog", ["cat"])
    assert [t.name for t in fig.data] == ["animal", "place", "searched word and neighbours"]
    assert list(fig.data[-1].text) == ["dog", "cat"]
    assert fig.layout.xaxis.title.text == "PC 1"
    fig3 = projection_figure(frame, 3, "tsne")
    assert fig3.data[0].type == "scatter3d" and fig3.layout.scene.zaxis.title.text == "t-SNE 3"


def test_learning_animation_has_a_frame_per_epoch():
    from playground.figures.embeddings import learning_animation

    frames = pd.DataFrame(
        {
            "epoch": [0, 0, 1, 1],
            "word": ["a", "b", "a", "b"],
            "class": ["x", "y", "x", "y"],
            "x": [0.0, 1, 2, 3],
            "y": [0.0, 1, 0, 1],
        }
    )
    fig = learning_animation(frames)
    assert [f.name for f in fig.frames] == ["0", "1"] and fig.layout.sliders


HOSTILE_LABELS = ['<a href="https://evil.example">x</a>', "<b>bold</b>", "$x^2$", "%{y} {x}", "a & b <br>"]


def strings(value) -> list[str]:
    """Every string inside a figure's JSON."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list | tuple | np.ndarray):
        return [s for v in list(value) for s in strings(v)]
    return []


def assert_no_raw_markup(fig) -> None:
    found = [s for s in strings(fig.to_plotly_json()) if re.search(r"<a |<b>bold|\$x|%\{y\} |& b", s)]
    assert found == []


def test_text_from_users_reaches_every_chart_as_plain_text():
    from playground.figures.attention import head_view, matrix_figure
    from playground.figures.embeddings import (
        comparison_figure,
        learning_animation,
        one_hot_figure,
        projection_figure,
    )
    from playground.figures.experiments import translation_attention_figure
    from playground.figures.recurrence import influence_figure, output_bars, state_heatmap, unrolled_figure

    words = HOSTILE_LABELS
    n = len(words)
    frame = pd.DataFrame(
        {
            "x": np.arange(n, dtype=float),
            "y": np.arange(n, dtype=float),
            "word": words,
            "class": words,
            "count": [1] * n,
            "epoch": [0] * n,
        }
    )
    figures = [
        next_word_bars(pd.DataFrame({"word": words, "probability": np.linspace(0.1, 0.5, n)}), words[0]),
        sentiment_trajectory_figure(
            pd.DataFrame(
                {
                    "position": range(1, n + 1),
                    "word": words,
                    "known": [True] * n,
                    words[0]: [0.5] * n,
                    words[1]: [0.5] * n,
                }
            ),
            words[:2],
        ),
        sentiment_trajectory_figure(
            pd.DataFrame({"position": [1], "word": ["a"], "known": [True], **{w: [0.2] for w in words}}),
            words,
        ),
        matrix_figure(np.eye(n), words, "scores"),
        head_view(np.full((1, n, n), 0.5), words),
        one_hot_figure(words, list(range(n)), words),
        projection_figure(frame, 2, "pca", words[0], words[1:]),
        learning_animation(frame),
        comparison_figure(frame, frame, ("a", "b")),
        translation_attention_figure(np.eye(n), words, words),
        unrolled_figure(words, 0, "LSTM", words),
        state_heatmap(np.ones((3, n)), words, "states", np.arange(3)),
        output_bars(pd.DataFrame({"output": words, "probability": [0.2] * n}), "out"),
        influence_figure(pd.DataFrame({"step": range(n), "word": words, "change": [0.1] * n})),
    ]
    for fig in figures:
        assert_no_raw_markup(fig)
    assert any("&lt;a href" in s for s in strings(figures[0].to_plotly_json()))  # shown, as text


def test_hovering_a_word_reaches_every_panel_on_its_axis():
    """Plotly links hover only across subplots that share one y axis object: each row of panels does."""
    from playground.figures.attention import all_heads_figure, side_by_side

    steps = ["the", "film", "was", "not", "good"]
    rng = np.random.default_rng(0)
    qkv = side_by_side([rng.normal(size=(5, 8)) for _ in range(3)], ["Q", "K", "V"], steps)
    assert (qkv.layout.hovermode, qkv.layout.hoversubplots) == ("y unified", "axis")
    assert {t.yaxis for t in qkv.data} == {"y"} and [t.name for t in qkv.data] == ["Q", "K", "V"]

    weights = rng.random((2, 3, 5, 5))
    grid = all_heads_figure(weights, steps)
    assert grid.layout.hoversubplots == "axis"
    rows = [{t.yaxis for t in grid.data[layer * 3 : layer * 3 + 3]} for layer in range(2)]
    assert rows == [{"y"}, {"y4"}]  # one y axis per layer, so a query is marked in each head
    for trace in grid.data:  # every panel's x axis sits on its row's y axis, where its traces are
        x_axis = "xaxis" if trace.xaxis == "x" else f"xaxis{trace.xaxis[1:]}"
        assert grid.layout[x_axis].anchor == trace.yaxis


def test_figures_built_as_specs_pass_plotlys_validation(small_next_word):
    """`playground.figures.spec` wraps these without plotly.py's checks: here every one is checked."""
    from playground.analysis.attention import attention_steps, trace_attention
    from playground.analysis.recurrence import step_table, top_outputs, trace_sentence
    from playground.figures.attention import matrix_figure, score_matrices_figure, side_by_side
    from playground.figures.stepping import recurrence_stepper
    from tests.conftest import model_run

    transformer = model_run(small_next_word, "transformer")
    view = trace_attention(transformer, "the dogs near the cat are")
    steps = attention_steps(view, 0, 0)
    panels = [
        (steps.raw_scores, "Q Kᵀ", None, False),
        (steps.scaled_scores, "scaled", None, False),
        (steps.masked_scores, "masked", steps.mask, False),
        (steps.weights, "softmax", steps.mask, True),
        (steps.unscaled_weights, "without scaling", steps.mask, True),
    ]
    figures = [
        side_by_side([steps.queries, steps.keys, steps.values], ["Q", "K", "V"], view.steps),
        matrix_figure(steps.weights, view.steps, "weights", steps.mask, True),
        score_matrices_figure(panels, view.steps),  # an odd count: the last row half empty
        score_matrices_figure(panels[:4], view.steps),
    ]
    for arch, text in [("lstm", "the dogs near the cat are happy"), ("rnn", " ".join(["the dog runs"] * 4))]:
        run = model_run(small_next_word, arch)
        trace = trace_sentence(run, text)  # 12 steps: longer than the diagram's window, which then moves
        count = len(trace.steps)
        tables = [step_table(trace, run, 0, t) for t in range(count)]
        figures.append(
            recurrence_stepper(
                trace.steps, tables, [top_outputs(trace, run, t, 5) for t in range(count)], arch
            )
        )
    for fig in figures:
        checked = go.Figure(
            fig.to_plotly_json()
        )  # raises on any property plotly does not know, or a bad value
        # and what validation would have rewritten (a colour scale's name, say) is already written so
        assert plain(json.loads(pio.to_json(fig, validate=False))) == plain(json.loads(checked.to_json()))
        axes = [
            value
            for key, value in fig.to_plotly_json()["layout"].items()
            if key.startswith(("xaxis", "yaxis"))
        ]
        assert axes and all(axis["ticklabeloverflow"] == "allow" for axis in axes)  # no label measured


def plain(value):
    """A figure's JSON with numeric arrays as lists (plotly writes them as binary or as lists), rounded."""
    if isinstance(value, dict) and set(value) >= {"dtype", "bdata"}:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = [int(size) for size in str(value.get("shape", len(array))).split(",")]
        return plain(array.reshape(shape).tolist())
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, float):
        return "nan" if np.isnan(value) else round(value, 5)
    return value


def test_a_very_long_word_is_cut_in_the_encoding_charts_labels():
    from playground.figures.embeddings import MAX_LABEL_CHARS, one_hot_figure, row_labels

    tokens = ["the", "z" * 290, "the"]
    labels = row_labels(tokens)
    assert len(set(labels)) == 3 and all(len(label) <= MAX_LABEL_CHARS + 4 for label in labels)
    fig = one_hot_figure(tokens, [4, 1, 4], ["<pad>", "<unk>", "<bos>", "<eos>", "the"])
    assert max(len(str(y)) for y in fig.data[0].y) <= MAX_LABEL_CHARS + 4
