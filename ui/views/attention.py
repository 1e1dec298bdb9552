"""Self-attention: scores to weights (with and without √d_k), the mix of values, and every head at once."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from playground.analysis.attention import AttentionSteps, AttentionView, row_entropy
from playground.analysis.callouts import Callout, subject_head_callout
from playground.figures.attention import (
    WRITTEN_UP_TO,
    all_heads_figure,
    entropy_figure,
    head_view,
    matrix_figure,
    relative_bias_figure,
    score_matrices_figure,
    side_by_side,
)
from playground.run import Run
from playground.view_options import view_options
from ui.session_cache import kept, run_key
from ui.view import view_widget

OPTION = view_options("attention")


def kept_figure(run: Run, view: AttentionView, name: str, options: tuple, build: Callable[[], go.Figure]):
    """`build()`'s figure of this run and sentence, kept in the session per chart name and `options`."""
    return kept(("attention", name, run_key(run), tuple(view.steps), tuple(view.ids), *options), build)


def position_by_offset(run: Run, view: AttentionView) -> None:
    """A relative-position run: no position vectors; each head's learned bias by offset, in words."""
    bias = run.model.relative_bias.detach().numpy()  # (N, 2R + 1)
    reach = (bias.shape[1] - 1) // 2
    layers = run.config.model.num_layers
    st.markdown(
        "Attention itself ignores order. The lecture's Transformer adds a position vector to each "
        "word (sine waves, PE(p)), so position is inside every query, key and value. This model "
        "adds **no position vector**: the input to layer 1 is the word embedding alone, and "
        "position enters only in step 3, in the scores. Each head adds to the score of query i "
        "and key j a number that depends only on the offset j − i, b_h(j − i): one learned value "
        f"per offset from −{reach} to +{reach} (farther offsets share the end values), the same "
        f"in all {layers} layers. In section 3 it is the matrix B_h, with (B_h)_ij = b_h(j − i). "
        "The same offset gets the same bias anywhere in the sentence, so what a head learns about "
        "a neighbour (say, the word just before) holds at every position."
    )
    if view.causal:
        # Under the causal mask a query never sees a key after it: offsets above 0 are never used.
        steep = "; ".join(
            f"head {head + 1}: {row[reach - 1]:+.1f} for the word before, {row[0]:+.1f} for "
            f"{reach} or more words before"
            for head, row in enumerate(bias)
        )
        trained = (
            "A next-word model never looks at a later word (the causal mask), so only offsets up to "
            f"0 are used, and only they are drawn. In this run: {steep}."
        )
        bias = bias[:, : reach + 1]
    else:
        sides = "; ".join(
            f"head {head + 1}: {row[reach - 1]:+.1f} for the word before, {row[reach + 1]:+.1f} for "
            f"the word after ({side_words(row[reach - 1] - row[reach + 1])})"
            for head, row in enumerate(bias)
        )
        trained = f"Training may have given a head a side. In this run: {sides}."
    st.markdown(
        "Each head started as a penalty growing with distance, the same on both sides (ALiBi's "
        "linear bias, Press et al. 2022), so it first looked near itself; training then set each "
        f"offset's value, as in T5's relative attention bias (Raffel et al. 2020). {trained}"
    )
    figure = kept(("attention_relative_bias", run_key(run)), lambda: relative_bias_figure(bias, reach))
    st.plotly_chart(figure, key="attention_relative_bias")


def side_words(before_minus_after: float) -> str:
    """Which neighbour a head's bias favours, in words (differences under 0.1 count as none)."""
    if abs(before_minus_after) < 0.1:
        return "no side"
    return "leans to the word before" if before_minus_after > 0 else "leans to the word after"


def scores_to_weights(
    run: Run, view: AttentionView, steps: AttentionSteps, head_size: int, where: tuple[int, int]
) -> None:
    """Q Kᵀ, scaled, plus the position bias, masked and softmaxed; on request without the scaling.

    `where` is the (layer, head) that `steps` shows.
    """
    relative = view.trace.position_bias is not None
    mask_title = (
        "masked: no looking ahead (causal)"
        if view.causal
        else "masked: nothing to hide (no padding, no causal mask)"
    )
    panels = [
        (steps.raw_scores, "Q Kᵀ: how well each query matches each key", None, False),
        (steps.scaled_scores, f"divided by √d_k = √{head_size}", None, False),
    ]
    if relative:
        panels += [
            (steps.position_bias, "+ B_h: position bias", None, False),
            (steps.scaled_scores + steps.position_bias, "= the scores", None, False),
        ]
    panels += [
        (steps.masked_scores, mask_title, steps.mask, False),
        (steps.weights, "softmax: each row sums to 1", steps.mask, True),
    ]
    figure = kept_figure(run, view, "scores", where, lambda: score_matrices_figure(panels, view.steps))
    st.plotly_chart(figure, key="attention_scores")
    if len(view.steps) <= WRITTEN_UP_TO:
        st.caption(
            "Each cell holds its value. Scores: blue above 0, red below, each matrix on its own scale; "
            "masked cells grey. Weights: 0 (white) to 1 (dark blue), as the colour bar shows."
        )
    if view_widget(OPTION["unscaled"], run):
        st.markdown(
            "Why divide? If the entries of q and k are independent with mean 0 and variance 1, "
            "q · k has variance d_k, so the scores grow with the head size. Vaswani et al. (2017, "
            "section 3.2.1) suspect that for large d_k the dot products grow large in magnitude, "
            "**pushing the softmax into regions where it has extremely small gradients**; dividing by "
            "√d_k counteracts that. On screen: without the division the weights pile onto one word "
            "(lower entropy), where the softmax is flat and barely changes with the scores."
        )
        left, right = st.columns(2)
        unscaled = kept_figure(
            run,
            view,
            "unscaled",
            where,
            lambda: matrix_figure(
                steps.unscaled_weights, view.steps, "softmax without scaling", steps.mask, True
            ),
        )
        left.plotly_chart(unscaled, key="attention_unscaled_weights")
        entropies = kept_figure(
            run,
            view,
            "entropy",
            where,
            lambda: entropy_figure(
                view.steps, row_entropy(steps.weights), row_entropy(steps.unscaled_weights)
            ),
        )
        right.plotly_chart(entropies, key="attention_entropy")


def mix_the_values(run: Run, view: AttentionView, steps: AttentionSteps, where: tuple[int, int]) -> None:
    """Which words one word's output mixes, and V against A = weights × V (of `where`: layer, head)."""
    word = view_widget(
        OPTION["word"],
        run,
        style="select",
        options=range(len(view.steps)),
        default=len(view.steps) - 1,
        format_func=lambda i: f"{i + 1} {view.steps[i]}",
    )
    mix = pd.DataFrame(
        {"key word": [f"{i + 1} {w}" for i, w in enumerate(view.steps)], "weight": steps.weights[word]}
    )
    mix = mix[mix["weight"] > 0.005].sort_values("weight", ascending=False)
    left, right = st.columns([1, 2])
    left.dataframe(
        mix,
        hide_index=True,
        column_config={"weight": st.column_config.ProgressColumn(min_value=0, max_value=1, format="%.2f")},
    )
    mixed = kept_figure(
        run,
        view,
        "output",
        where,
        lambda: side_by_side(
            [steps.values, steps.output],
            ["V: what each word passes on", "A = weights × V: what each word gets"],
            view.steps,
        ),
    )
    right.plotly_chart(mixed, key="attention_output")


def every_head(run: Run, view: AttentionView, shown: bool = True) -> None:
    """All layers and heads at once, and a head view of one layer's lines between words.

    Folded (`shown` False), only its widgets are drawn: they keep their values, nothing is built.
    """
    weights = view.trace.attention_weights[:, 0].numpy()  # (L, N, T, T)
    if shown:
        grid = kept_figure(run, view, "all", (), lambda: all_heads_figure(weights, view.steps))
        st.plotly_chart(grid, key="attention_all")
    threshold = view_widget(OPTION["threshold"], run)
    view_layer = view_widget(OPTION["head_view"], run)
    if not shown:
        return
    lines = kept_figure(
        run,
        view,
        "head_view",
        (view_layer, threshold),
        lambda: head_view(weights[view_layer], view.steps, threshold),
    )
    st.plotly_chart(lines, key="attention_head_view")


@st.cache_data(
    max_entries=8,
    show_spinner="Looking for the head that finds the subject…",
    hash_funcs={Run: lambda run: (run.id, run.status)},
)
def cached_subject_callout(run: Run) -> Callout | None:
    """Which head looks at the subject from the word before the verb, over 100 agreement prefixes."""
    return subject_head_callout(run, count=100)
