"""Self-attention, step by step: positions, Q/K/V, scores to weights, outputs, every head."""

import streamlit as st

from playground.analysis.attention import attention_steps, is_transformer, trace_attention
from playground.config import ARCH_IN_A_SENTENCE
from playground.figures.attention import (
    side_by_side,
)
from playground.figures.stepping import attention_rows_figure
from playground.text import capitalized, escape_markdown
from playground.view_options import VIEW_OPTIONS, view_options
from ui.layout import lazy_section
from ui.lecture import callout_box, next_stop
from ui.sentences import sentence_box
from ui.share import linked_run, share_view
from ui.training import switch_run_buttons, train_default_buttons
from ui.view import view_widget
from ui.views.attention import (
    cached_subject_callout,
    every_head,
    kept_figure,
    mix_the_values,
    position_by_offset,
    scores_to_weights,
)

VIEW = VIEW_OPTIONS["attention"]
OPTION = view_options("attention")

st.title("Self-attention, step by step")
st.markdown(
    "Instead of passing a state along, a Transformer lets every word look at every other word "
    "directly, in four steps: **encode position**, **extract query, key and value**, "
    "**weigh every pair**, and **mix the values**."
)
run = linked_run("attention", VIEW, arch="transformer")
if not is_transformer(run):
    st.info(
        f"The active run is {ARCH_IN_A_SENTENCE[run.config.model.arch]}, which has no attention. Pick a "
        "Transformer run in the sidebar, or train one here."
    )
    switch_run_buttons(is_transformer, "attention")
    task = run.task if run.config.data.source == "built-in" else "next-word"
    train_default_buttons([("Train a Transformer", task, "transformer", "attention_train")])
    next_stop("app_pages/attention.py")  # the path's end, even without a Transformer
    st.stop()

share_view(run, VIEW)
model = run.config.model
head_size = model.embedding_dim // model.num_heads
st.caption(
    f"Model: {run.name}: {model.num_layers} layers, {model.num_heads} heads of size {head_size}, "
    f"{'causal (next-word)' if run.task == 'next-word' else f'bidirectional, {model.pooling}-pooled'}. "
    "Pick another in the sidebar."
)
text = sentence_box(run, OPTION["sentence"])
try:
    view = trace_attention(run, text)
except ValueError as error:
    st.info(f"{capitalized(escape_markdown(str(error), 1000))}.")
    st.stop()
if view.truncated:
    st.warning(
        f"The model reads at most {run.model.max_length} tokens, so only the first {len(view.steps)} "
        "are shown."
    )
callout_box(cached_subject_callout(run))
st.subheader("1 · Encode position")
if model.positional == "relative":
    position_by_offset(run, view)
else:
    st.markdown(
        f"Attention itself ignores order, so each position p gets its own vector, added to the word's "
        f"embedding: input = embedding + position ({model.embedding_dim} numbers each). "
        + (
            "These are sine waves of different frequencies: PE(p, 2i) = sin(p / 10000^(2i/d)), "
            "PE(p, 2i+1) = cos(…)."
            if model.positional == "sinusoidal"
            else "This run learned its position vectors."
        )
    )
    embedded = view.trace.embeddings[0].numpy()
    positions = view.trace.positions.numpy()
    inputs = kept_figure(
        run,
        view,
        "positions",
        (),
        lambda: side_by_side(
            [embedded, positions, embedded + positions],
            ["token embedding", "+ position", "= input to layer 1"],
            view.steps,
            "dimension",
        ),
    )
    st.plotly_chart(inputs, key="attention_positions")

st.subheader("2 · Query, key and value")
cols = st.columns(2)
layer = view_widget(OPTION["layer"], run, cols[0])
head = view_widget(OPTION["head"], run, cols[1])
steps = attention_steps(view, layer, head)
st.markdown(
    f"Each block first normalises every word's vector (**LayerNorm**: minus its mean, divided by "
    f"its spread, then a learned scale and shift; this model's blocks are *pre-norm*). Three linear "
    f"layers then turn that normalised vector ({model.embedding_dim} numbers) into a query, a key "
    f"and a value: Q = LayerNorm(x) W_q + b_q, and the same for K and V. Each head has its own "
    f"slice: W_q, W_k, W_v are {model.embedding_dim} × {head_size} for this head "
    f"({model.embedding_dim} × {model.embedding_dim} for all {model.num_heads} heads together)."
)
block_input = "the input to layer 1" if layer == 0 else f"the output of layer {layer}"
# Folded, and lazy (`lazy_section`): built and drawn only while open, so a new sentence
# does not pay for it (docs/architecture.md, "What a rerun costs").
with lazy_section(
    "LayerNorm(x): the vectors the query, key and value layers multiply", "attention_normed_open"
) as normed_view:
    if normed_view.open:
        normed = kept_figure(
            run,
            view,
            "normed",
            (layer,),
            lambda: side_by_side(
                [steps.inputs],
                [f"LayerNorm of {block_input}: what W_q, W_k, W_v multiply"],
                view.steps,
                "dimension",
            ),
        )
        st.plotly_chart(normed, key="attention_normed")
# Folded and lazy too: a new sentence redraws the charts of steps 1, 3 and 4, not these three matrices,
# whose use the score matrices of step 3 show.
with lazy_section("Q, K and V of each word, for this head", "attention_qkv_open") as qkv_view:
    if qkv_view.open:
        qkv = kept_figure(
            run,
            view,
            "qkv",
            (layer, head),
            lambda: side_by_side(
                [steps.queries, steps.keys, steps.values],
                ["Q: what each word looks for", "K: what each word offers", "V: what each word passes on"],
                view.steps,
            ),
        )
        st.plotly_chart(qkv, key="attention_qkv")

st.subheader("3 · From scores to weights")
bias_term = r" + B_h" if model.positional == "relative" else ""
scores = r"\frac{Q K^\top}{\sqrt{d_k}}" + bias_term
st.latex(r"\text{weights} = \operatorname{softmax}\!\Big(" + scores + r" + \text{mask}\Big)")
scores_to_weights(run, view, steps, head_size, (layer, head))
with lazy_section(
    "Row by row: which words each word looks at (▶ plays it in your browser)", "attention_rows_open"
) as by_row:
    if by_row.open:  # lazy, as above
        title = f"layer {layer + 1}, head {head + 1}: the weights of one query at a time"
        rows = kept_figure(
            run,
            view,
            "rows",
            (layer, head),
            lambda: attention_rows_figure(steps.weights, view.steps, title, steps.mask),
        )
        st.plotly_chart(rows, key="attention_rows")

st.subheader("4 · Mix the values")
st.latex(r"A = \operatorname{softmax}\!\Big(" + scores + r" + \text{mask}\Big)\, V")
st.markdown(
    "Each word's output is a weighted average of the values of the words it attends to: the "
    "row of weights above says how much of each."
)
mix_the_values(run, view, steps, (layer, head))

# A second view, folded and lazy like LayerNorm(x) above: a new sentence does not redraw its two charts
# while it is folded; its widgets are drawn folded too, so they keep their values.
with lazy_section(
    "All heads and layers at once, and one layer's attention as lines between words", "attention_all_open"
) as all_heads:
    every_head(run, view, all_heads.open)

st.subheader("Compare with the recurrence")
start = 1 if view.steps[0] == "<bos>" and len(view.steps) > 1 else 0  # the first real word, not <bos>
first, last = view.steps[start], view.steps[-1]
distance = len(view.steps) - 1 - start
if distance > 0:
    st.markdown(
        f"An RNN has no such matrix: for “{escape_markdown(last)}” to use “{escape_markdown(first)}”, "
        f"the information must pass through **{distance} step{'s' if distance > 1 else ''}** of the hidden "
        "state, each of which "
        f"can shrink it. Attention connects any two words in **1 step**, whatever their distance, at "
        f"the price of comparing every pair: {len(view.steps)}² = {len(view.steps) ** 2} scores per head."
    )
else:
    st.markdown("Type two words or more to compare how far information travels in an RNN and here.")

next_stop("app_pages/attention.py")
