"""Charts stepped in the browser: a frame per step, each holding that step's analysis values."""

import itertools
import math
import re

import numpy as np
import pandas as pd
import pytest
from plotly.colors import sample_colorscale

from playground.analysis.attention import attention_steps, trace_attention
from playground.analysis.prediction import sentiment_trajectory, top_next_words
from playground.analysis.reading import reading_steps
from playground.analysis.recurrence import step_table, top_outputs, trace_sentence
from playground.figures.attention import WRITTEN_UP_TO, all_heads_figure
from playground.figures.embeddings import fanned_labels, projection_figure
from playground.figures.experiments import adding_figure, bottleneck_figure
from playground.figures.recurrence import arrow_labels, diagram_rows, step_heatmap, unrolled_figure
from playground.figures.stepping import (
    MASKED_COLOR,
    SHADES,
    attention_rows_figure,
    reading_figure,
    recurrence_stepper,
    subscripted,
)
from playground.figures.training import runs_comparison
from playground.text import escape_plotly
from tests.conftest import model_run


def player_ok(fig, count: int) -> None:
    """A slider with one step per frame, each step naming its frame, and a play button."""
    assert len(fig.frames) == count
    slider = fig.layout.sliders[0]
    assert [s.args[0][0] for s in slider.steps] == [f.name for f in fig.frames]
    buttons = fig.layout.updatemenus[0].buttons
    assert buttons[0].label == "▶" and buttons[0].args[0] is None  # None plays every frame from the current


@pytest.mark.parametrize("arch", ["lstm", "rnn"])
def test_recurrence_stepper_frames_hold_each_steps_table_and_outputs(small_next_word, arch):
    run = model_run(small_next_word, arch)
    view = trace_sentence(run, "the dogs near the cat are happy")
    count = len(view.steps)
    tables = [step_table(view, run, 0, t) for t in range(count)]
    outputs = [top_outputs(view, run, t, 5) for t in range(count)]
    fig = recurrence_stepper(view.steps, tables, outputs, arch.upper())
    player_ok(fig, count)
    assert fig.layout.sliders[0].steps[0].args[1]["frame"]["redraw"] is False  # bars and scatters only
    rows = list(tables[0].columns)
    ticks = dict(zip(fig.layout.yaxis2.tickvals, fig.layout.yaxis2.ticktext, strict=True))
    shown_cells = fig.data[3]  # a frame carries only what changes; the bars' floors and names stay
    assert shown_cells.type == "bar"
    for t, frame in enumerate(fig.frames):
        assert {d.type for d in frame.data} <= {"bar", "scatter"}  # what plotly.js updates in place
        focus, cells, bars, names, labels = frame.data
        assert set(focus.x) == {1.6 * t}  # the chosen step's column stands out
        up = [x for x, p in zip(labels.x, labels.textposition, strict=True) if p.startswith("middle")]
        assert up and all(abs(x - 1.6 * t) < 0.5 for x in up)  # the arrows' labels follow the focus
        assert cells.base is None and cells.marker.color is None  # the same at every step: not repeated
        units = len(tables[t])
        for row, column in enumerate(rows):
            assert ticks[row + 0.5].startswith(subscripted(column))
            values = tables[t][column].to_numpy()
            own = slice(row * units, (row + 1) * units)
            np.testing.assert_allclose(cells.customdata[own], values, atol=5e-5)  # hovered to 4 decimals
            assert set(shown_cells.text[own]) == {escape_plotly(column)}
            base, length = np.array(shown_cells.base[own]), np.array(cells.y[own])
            top, bottom = np.minimum(base, base + length), np.maximum(base, base + length)
            assert (top >= row - 1e-9).all() and (bottom <= row + 1 + 1e-9).all()  # inside its own row
            if column not in ("forget f_t", "input i_t", "output o_t"):  # up for positive, down for negative
                clear = np.abs(values) > 1e-3  # lengths are rounded to what the screen shows
                assert (np.sign(-length[clear]) == np.sign(values[clear])).all()
        np.testing.assert_allclose(bars.x, outputs[t]["probability"].to_numpy())
        assert [n.split("  ")[0].strip() for n in names.text] == list(outputs[t]["output"])
        assert frame.traces == (2, 3, 4, 5, 6)


def label_box(x: float, y: float, text: str, style: dict) -> tuple[float, float, float, float]:
    """A label's extent in data units at 800 px wide (nine columns in ~580 px: 40 px a unit across,
    about 34 px a unit up): (left, right, bottom, top), about 6 px a character, 13 px a line."""
    lines = text.split("<br>")
    width = max(len(re.sub(r"<[^>]+>", "", line)) for line in lines) * 6 / 40
    height = 13 * len(lines) / 34
    horizontal, vertical = style["position"].split()[1], style["position"].split()[0]
    left = {"right": x, "left": x - width, "center": x - width / 2}[horizontal]
    bottom = {"middle": y - height / 2, "bottom": y - height, "top": y}[vertical]
    return left, left + width, bottom, bottom + height


@pytest.mark.parametrize("lstm", [True, False])
@pytest.mark.parametrize("columns", [1, 2, 3, 5, 9])
def test_arrow_labels_do_not_run_into_each_other(lstm, columns):
    rows = diagram_rows(lstm)
    for column in range(columns):
        for at_edge in (False, True) if column > 0 else (False,):
            labels = arrow_labels(rows, column, columns, at_edge)
            assert len(labels) == (3 if lstm else 2) + (2 if lstm else 1)  # as many at every step: frames
            shown = [label for label in labels if label[2]]
            assert len(shown) >= (3 if lstm else 2)  # up each arrow, always
            if columns > 2:  # across too, but where two columns leave the first in focus no room
                assert len(shown) == len(labels) or (column == 1 and at_edge)
            boxes = [label_box(*label) for label in shown]
            for a, b in itertools.combinations(boxes, 2):
                apart = a[1] <= b[0] or b[1] <= a[0] or a[3] <= b[2] or b[3] <= a[2]
                assert apart, (column, at_edge, a, b)


def test_each_quantity_has_its_own_colour_range(small_next_word):
    run = model_run(small_next_word, "lstm")
    view = trace_sentence(run, "the dog runs")
    table = step_table(view, run, 0, 2)
    table["c_t"] *= 40  # a large cell state must not wash out h_t
    fig = step_heatmap(table, "t")
    shown = {trace.y[row].split("  ")[0]: (trace.zmin, trace.zmax) for row, trace in enumerate(fig.data)}
    ranges = {name: shown[subscripted(name)] for name in table.columns}
    assert ranges["h_t"] == (-1, 1) and ranges["forget f_t"] == (0, 1)
    assert math.isclose(ranges["c_t"][1], float(np.abs(table["c_t"]).max()), rel_tol=1e-6)
    assert (
        ranges["c_{t-1}"] == ranges["c_t"] and ranges["h_{t-1}"] == ranges["h_t"]
    )  # a state and its past alike


def test_lstm_diagram_draws_the_cell_path():
    fig = unrolled_figure(["the", "dog", "runs"], 1, "LSTM", ["dog", "runs", "."])
    texts = [text for trace in fig.data if trace.mode == "text" for text in trace.text]
    assert sum("<b>c<sub>" in t for t in texts) == 3 and "f⊙c<br>+ i⊙g" in texts
    assert texts.count("W<sub>hh</sub>") == 1  # the shared weights labelled once, at the chosen step
    arrows = 3 * 3 + 2 * 2  # three up each of the three columns, h→h and c→c between them
    assert len(fig.data[0].x) == 3 * arrows and list(fig.data[0].marker.size) == [0, 9, 0] * arrows
    rnn = unrolled_figure(["the", "dog", "runs"], 1, "RNN (tanh)", ["dog", "runs", "."])
    assert not any("<b>c<sub>" in text for trace in rnn.data if trace.mode == "text" for text in trace.text)


def test_reading_figure_next_word_frames_equal_asking_with_each_prefix(small_next_word):
    run = model_run(small_next_word, "lstm")
    text = "the dogs near the cat"
    labels, tables = reading_steps(run, text, 5)
    assert labels == ["<bos>", *text.split()]
    fig = reading_figure(labels, tables)
    player_ok(fig, len(labels))
    words = text.split()
    for t, frame in enumerate(fig.frames):
        expected = top_next_words(run, " ".join(words[:t]), 5)
        assert list(frame.data[0].y) == list(expected["word"])
        np.testing.assert_allclose(frame.data[0].x, expected["probability"].to_numpy(), rtol=1e-5, atol=1e-7)


def test_reading_figure_keeps_one_plot_area_for_every_frame():
    """With plotly's automargin the plot area moved as the words' labels changed width, and after ▶
    the bars kept the old origin: a 35.1% bar ended at the axis's 42% (measured in Chromium)."""
    tables = [
        pd.DataFrame({"output": ["at", "a"], "probability": [0.6, 0.4]}),
        pd.DataFrame({"output": ["donkey", "x" * 300], "probability": [0.9, 0.1]}),
    ]
    fig = reading_figure(["<bos>", "the"], tables)
    assert fig.layout.yaxis.automargin is False
    assert fig.layout.margin.l >= 45 + 8 * 24  # the widest label of any frame, cut to 24 characters
    assert max(len(y) for frame in fig.frames for y in frame.data[0].y) < 60  # 300 characters cut
    assert all(frame.layout.margin.l is None for frame in fig.frames)  # no frame moves it
    titles = [fig.layout.title.text, *(frame.layout.title.text for frame in fig.frames)]
    assert all(t.startswith("<b>after") for t in titles)  # one look, first frame or later


def test_reading_figure_sentiment_frames_follow_the_trajectory(small_sentiment):
    run = model_run(small_sentiment, "lstm")
    text = "the film was not good"
    labels, tables = reading_steps(run, text)
    trajectory = sentiment_trajectory(run, text)
    fig = reading_figure(labels, tables, "class")
    player_ok(fig, len(trajectory))
    for t, frame in enumerate(fig.frames):
        np.testing.assert_allclose(
            frame.data[0].x, trajectory.iloc[t][run.class_names].astype(float).to_numpy()
        )
    with pytest.raises(ValueError):
        reading_steps(run, "   ")


@pytest.mark.parametrize("text", ["the dogs near the cat", " ".join(["the dog runs"] * 5)])
def test_attention_rows_figure_steps_row_by_row_without_a_redraw(small_next_word, text):
    run = model_run(small_next_word, "transformer")
    view = trace_attention(run, text)
    steps = attention_steps(view, 0, 0)
    weights, mask, count = steps.weights, steps.mask, len(view.steps)
    written = count <= WRITTEN_UP_TO  # the 16-token sentence is past it: a colour bar, no values
    fig = attention_rows_figure(weights, view.steps, "head 1", mask)
    player_ok(fig, count)
    assert fig.layout.sliders[0].steps[0].args[1]["frame"]["redraw"] is False  # scatters and bars only
    cells = [
        d
        for d in fig.data
        if d.type == "scatter" and d.fill == "toself" and "255, 255, 255" not in d.fillcolor
    ]
    colors = sample_colorscale("Blues", [(level + 0.5) / SHADES for level in range(SHADES)])
    drawn = {}
    for trace in cells:  # every cell once, as a rectangle round its centre, in the shade of its weight
        x, y = np.array(trace.x, dtype=float).reshape(-1, 5), np.array(trace.y, dtype=float).reshape(-1, 5)
        for key, query in zip(x[:, :4].mean(1), y[:, :4].mean(1), strict=True):
            drawn[(round(query), round(key))] = trace.fillcolor
    assert sorted(drawn) == [(q, k) for q in range(count) for k in range(count)]
    for (query, key), color in drawn.items():  # a later word grey (causal), as in the score matrices
        shade = colors[min(int(weights[query, key] * SHADES), SHADES - 1)]
        assert color == (shade if mask[query, key] else MASKED_COLOR)
    assert not mask[0, 1] and mask[1, 0]  # a next-word model: the mask is causal
    values = fig.data[len(cells)]  # the hover, the written values and the colour bar
    hovered = [row[2] for row in values.customdata]
    assert hovered == [
        f"{w:.3f}" if m else "masked: a word may not look at a later word"
        for w, m in zip(weights.ravel(), mask.ravel(), strict=True)
    ]
    assert bool(values.marker.showscale) != written and (values.marker.cmin, values.marker.cmax) == (0, 1)
    assert all(text == "" for text, m in zip(values.text, mask.ravel(), strict=True) if not m)
    for t, frame in enumerate(fig.frames):
        veil, outline, bars, labels = frame.data
        assert frame.traces == tuple(range(len(cells) + 1, len(cells) + 5))
        assert min(veil.y) == t + 0.5 and max(veil.y) == count - 0.5  # the rows not reached yet
        assert (min(outline.y), max(outline.y)) == (t - 0.5, t + 0.5)
        np.testing.assert_allclose(bars.y, weights[t])
        assert list(labels.text) == ([f"{w:.2f}" for w in weights[t]] if written else [""] * count)
        assert {d.type for d in frame.data} <= {"bar", "scatter"}


def test_all_heads_grid_has_word_labels_and_one_colour_scale():
    weights = np.random.default_rng(0).dirichlet(np.ones(4), size=(2, 2, 4))
    fig = all_heads_figure(weights, ["<bos>", "the", "dog", "runs"])
    assert sum(bool(t.showscale) for t in fig.data) == 1
    assert fig.layout.yaxis.showticklabels and not fig.layout.yaxis2.showticklabels  # words on the left
    assert fig.layout.xaxis3.showticklabels and not fig.layout.xaxis.showticklabels  # and at the bottom
    assert list(fig.data[0].x) == ["1 &lt;bos&gt;", "2 the", "3 dog", "4 runs"]


def test_neighbour_labels_point_different_ways():
    frame = pd.DataFrame(
        {"word": ["cat", "dog", "fox", "owl"], "x": [0, 0.01, 0.02, 0.0], "y": [0, 0.0, 0.01, 0.02]}
    ).set_index("word")
    labels = fanned_labels(frame, "cat")
    offsets = {(round(a["ax"]), round(a["ay"])) for a in labels}
    assert len(offsets) == 4 and labels[0]["ay"] < 0  # the searched word's label goes up
    full = frame.reset_index().assign(**{"class": "animal", "count": 1})
    fig = projection_figure(full, 2, "pca", "cat", ["dog", "fox", "owl"])
    assert [a.text for a in fig.layout.annotations] == ["<b>cat</b>", "dog", "fox", "owl"]


def test_adding_baseline_is_named_in_the_legend_below_the_plot():
    table = pd.DataFrame(
        {
            "architecture": ["LSTM", "LSTM"],
            "length": [10, 20],
            "seed": [0, 0],
            "test_mse": [0.01, 0.02],
            "baseline_mse": [1 / 6, 1 / 6],
            "verdict": ["solved", "solved"],
        }
    )
    fig = adding_figure(table)
    line = next(s for s in fig.layout.shapes if s.line.dash == "dash")
    assert math.isclose(line.y0, 1 / 6) and math.isclose(line.y1, 1 / 6)
    entry = next(t for t in fig.data if "MSE 1/6" in t.name)  # no label on the line, where failing models lie
    assert entry.line.dash == "dash" and not fig.layout.annotations
    assert fig.layout.legend.y < 0 and fig.layout.legend.yanchor == "top"  # never over the title


def test_a_model_trained_longer_keeps_its_colour_and_changes_its_dash():
    rows = [
        {"model": model, "source_words": "1–8", "mean_source_words": 5.0, "word_accuracy": 0.5}
        | {"bleu": 40.0, "exact": 0.1, "sentences": 10, "seed": 0}
        for model in (
            "encoder-decoder (one vector), 3,000 steps",
            "encoder-decoder with attention",
            "encoder-decoder (one vector), 12,000 steps",
        )
    ]
    short, attention, long = bottleneck_figure(pd.DataFrame(rows)).data
    assert short.line.color == long.line.color != attention.line.color
    assert short.line.dash == attention.line.dash == "solid" != long.line.dash


def test_runs_of_two_tasks_get_a_panel_each():
    history = pd.DataFrame({"step": [1, 2], "split": ["validation"] * 2, "loss": [1.0, 0.5]})
    histories = {"a": history, "b": history}
    fig = runs_comparison(histories, "loss", tasks={"a": "sentiment", "b": "next-word"})
    assert {fig.data[0].xaxis, fig.data[1].xaxis} == {"x", "x2"}
    assert "one panel per task" in fig.layout.title.text
    single = runs_comparison(histories, "loss", tasks={"a": "sentiment", "b": "sentiment"})
    assert {t.xaxis for t in single.data} == {"x"}
    flat = pd.DataFrame({"step": [1, 2], "split": ["validation"] * 2, "accuracy": [0.625, 0.625]})
    accuracy = runs_comparison({"a": flat, "b": flat}, "accuracy", tasks={"a": "sentiment", "b": "next-word"})
    assert accuracy.layout.yaxis.range == (0, 1.02) == accuracy.layout.yaxis2.range  # not up to 150%


def test_two_runs_with_one_curve_are_both_seen_the_later_dashed_and_named():
    """Two runs with one seed and one configuration drew one curve over the other: one seemed missing."""
    history = pd.DataFrame({"step": [1, 2], "split": ["validation"] * 2, "loss": [1.0, 0.5]})
    other = history.assign(loss=[1.0, 0.4])
    fig = runs_comparison(
        {"#1": history, "#2": other, "#3": history}, "loss", tasks=dict.fromkeys("123", "x")
    )
    first, second, third = fig.data
    assert (first.name, second.name, third.name) == ("#1", "#2", "#3 (the same curve as #1)")
    assert first.line.dash == second.line.dash == "solid" and third.line.dash == "dash"
    assert third.line.width < first.line.width  # the first shows beside the dashes
    apart = runs_comparison(
        {"#1": history, "#3": history}, "loss", tasks={"#1": "sentiment", "#3": "next-word"}
    )
    assert [t.name for t in apart.data] == ["#1", "#3"]  # in panels of their own, nothing hides
    # a stopped run's curve, the start of a finished one's with the same settings: it was drawn under it
    longer = pd.DataFrame({"step": [1, 2, 3], "split": ["validation"] * 3, "loss": [1.0, 0.5, 0.45]})
    fig = runs_comparison({"#6": history, "#10": longer}, "loss", tasks=dict.fromkeys(["#6", "#10"], "x"))
    assert [(t.name, t.line.dash) for t in fig.data] == [
        ("#10", "solid"),
        ("#6 (the start of #10's curve)", "dash"),  # drawn last: on top
    ]
    assert [t.legendrank for t in fig.data] == [1, 0]  # the legend keeps the runs' order


def test_a_many_to_one_stepper_writes_earlier_outputs_as_what_it_would_say_if_the_sentence_ended(
    small_sentiment,
):
    """Its y_t above every step read as one output per step, where the page's equations give one, at
    the end (found by a review)."""
    run = model_run(small_sentiment, "lstm")
    view = trace_sentence(run, "the film was not good")
    count = len(view.steps)
    tables = [step_table(view, run, 0, t) for t in range(count)]
    outputs = [top_outputs(view, run, t, 2) for t in range(count)]
    fig = recurrence_stepper(view.steps, tables, outputs, "LSTM", verdict_at_end=True)
    above = list(fig.data[1].text[count:])  # the words' row, then the outputs' row
    verdicts = [escape_plotly(o["output"].iloc[0]) for o in outputs]
    assert above == [f"({v})" for v in verdicts[:-1]] + verdicts[-1:]
    assert any("the verdict if it ended here" in a.text for a in fig.layout.annotations)
    plain = recurrence_stepper(view.steps, tables, outputs, "LSTM")
    assert list(plain.data[1].text[count:]) == verdicts  # a next-word model: one output per step
