"""Self-attention, step by step: positions, Q/K/V, scores to weights, outputs, every head."""

import pandas as pd
import streamlit as st

from playground.analysis.attention import attention_steps, is_transformer, row_entropy, trace_attention
from playground.config import ARCH_LABELS, default_config
from playground.figures.attention import (
    all_heads_figure,
    entropy_figure,
    head_view,
    matrix_figure,
    side_by_side,
)
from playground.share_links import ViewOption, float_text, real, switch, text_option, whole, write_switch
from playground.text import escape_markdown
from ui.sentences import sentence_box
from ui.share import linked_run, share_view
from ui.state import builtin_data
from ui.training import train_live
from ui.widgets import selectbox, slider

DEFAULT_SENTENCES = {
    "next-word": "the dogs near the cat are happy",
    "sentiment": "the film was not good but the music was great",
}

VIEW = [
    text_option("sentence", "attention_text", "The sentence", 400),
    ViewOption("layer", "attention_layer", "Layer", whole(0, lambda run: run.config.model.num_layers - 1)),
    ViewOption("head", "attention_head", "Head", whole(0, lambda run: run.config.model.num_heads - 1)),
    ViewOption("unscaled", "attention_unscaled", "Compare without scaling", switch, write_switch),
    ViewOption(
        "word", "attention_word", "Show the mix for", whole(0, lambda run: run.config.data.max_length - 1)
    ),
    ViewOption("threshold", "attention_threshold", "Line threshold", real(0.05, 0.9), float_text),
    ViewOption(
        "head_view",
        "attention_view_layer",
        "Head view of",
        whole(0, lambda run: run.config.model.num_layers - 1),
    ),
]

st.title("Self-attention, step by step")
st.markdown(
    "Instead of passing a state along, a Transformer lets every word look at every other word "
    "directly, in four steps: **encode position**, **extract query, key and value**, "
    "**weigh every pair**, and **mix the values**."
)
run = linked_run("attention", VIEW)
if not is_transformer(run):
    st.info(
        f"The active run is {ARCH_LABELS[run.config.model.arch]}, which has no attention. Pick a "
        "Transformer run in the sidebar, or train one here."
    )
    if st.button("Train a Transformer", type="primary", key="attention_train"):
        task = run.task if run.config.data.source == "built-in" else "next-word"
        config = default_config(task, "transformer")
        if train_live(config, builtin_data(config.data)) is not None:
            st.rerun()
    st.stop()

share_view(run, VIEW)
model = run.config.model
head_size = model.embedding_dim // model.num_heads
st.caption(
    f"Model: {run.name}: {model.num_layers} layers, {model.num_heads} heads of size {head_size}, "
    f"{'causal (next-word)' if run.task == 'next-word' else f'bidirectional, {model.pooling}-pooled'}. "
    "Pick another in the sidebar."
)
text = sentence_box(run, DEFAULT_SENTENCES, "attention_text")
try:
    view = trace_attention(run, text)
except ValueError as error:
    st.info(f"{escape_markdown(str(error), 1000).capitalize()}.")
    st.stop()
if view.truncated:
    st.warning(
        f"The model has {run.model.max_length} positions, so only the first {len(view.steps)} tokens "
        "are shown."
    )
st.subheader("1 · Encode position")
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
st.plotly_chart(
    side_by_side(
        [embedded, positions, embedded + positions],
        ["token embedding", "+ position", "= input to layer 1"],
        view.steps,
        "dimension",
    ),
    key="attention_positions",
)

st.subheader("2 · Query, key and value")
cols = st.columns(2)
layer = selectbox(
    cols[0], "Layer", range(view.num_layers), format_func=lambda i: f"layer {i + 1}", key="attention_layer"
)
head = selectbox(
    cols[1], "Head", range(view.num_heads), format_func=lambda i: f"head {i + 1}", key="attention_head"
)
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
st.plotly_chart(
    side_by_side(
        [steps.inputs], [f"LayerNorm of {block_input}: what W_q, W_k, W_v multiply"], view.steps, "dimension"
    ),
    key="attention_normed",
)
st.plotly_chart(
    side_by_side(
        [steps.queries, steps.keys, steps.values],
        ["Q: what each word looks for", "K: what each word offers", "V: what each word passes on"],
        view.steps,
    ),
    key="attention_qkv",
)

st.subheader("3 · From scores to weights")
st.latex(r"\text{weights} = \operatorname{softmax}\!\Big(\frac{Q K^\top}{\sqrt{d_k}} + \text{mask}\Big)")
left, right = st.columns(2)
left.plotly_chart(
    matrix_figure(steps.raw_scores, view.steps, "Q Kᵀ: how well each query matches each key"),
    key="attention_raw",
)
right.plotly_chart(
    matrix_figure(steps.scaled_scores, view.steps, f"divided by √d_k = √{head_size}"), key="attention_scaled"
)
left, right = st.columns(2)
mask_title = (
    "masked: no looking ahead (causal)"
    if view.causal
    else "masked: nothing to hide (no padding, no causal mask)"
)
left.plotly_chart(
    matrix_figure(steps.scaled_scores, view.steps, mask_title, steps.mask), key="attention_masked"
)
right.plotly_chart(
    matrix_figure(steps.weights, view.steps, "softmax: each row sums to 1", steps.mask, True),
    key="attention_weights",
)
if st.toggle("Compare without the scaling by √d_k", key="attention_unscaled"):
    st.markdown(
        "Why divide? If the entries of q and k are independent with mean 0 and variance 1, "
        "q · k has variance d_k, so the scores grow with the head size. Vaswani et al. (2017, "
        "section 3.2.1) suspect that for large d_k the dot products grow large in magnitude, "
        "**pushing the softmax into regions where it has extremely small gradients**; dividing by "
        "√d_k counteracts that. On screen: without the division the weights pile onto one word "
        "(lower entropy), where the softmax is flat and barely changes with the scores."
    )
    left, right = st.columns(2)
    left.plotly_chart(
        matrix_figure(steps.unscaled_weights, view.steps, "softmax without scaling", steps.mask, True),
        key="attention_unscaled_weights",
    )
    entropies = entropy_figure(view.steps, row_entropy(steps.weights), row_entropy(steps.unscaled_weights))
    right.plotly_chart(entropies, key="attention_entropy")

st.subheader("4 · Mix the values")
st.latex(r"A = \operatorname{softmax}\!\Big(\frac{Q K^\top}{\sqrt{d_k}}\Big)\, V")
st.markdown(
    "Each word's output is a weighted average of the values of the words it attends to: the "
    "row of weights above says how much of each."
)
word = selectbox(
    st,
    "Show the mix for",
    range(len(view.steps)),
    index=len(view.steps) - 1,
    format_func=lambda i: f"{i + 1} {view.steps[i]}",
    key="attention_word",
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
right.plotly_chart(
    side_by_side(
        [steps.values, steps.output],
        ["V: what each word passes on", "A = weights × V: what each word gets"],
        view.steps,
    ),
    key="attention_output",
)

st.subheader("All heads and layers")
weights = view.trace.attention_weights[:, 0].numpy()  # (L, N, T, T)
st.plotly_chart(all_heads_figure(weights, view.steps), key="attention_all")
threshold = slider(
    st, "Draw lines for weights of at least", 0.05, 0.9, 0.15, key="attention_threshold", step=0.05
)
view_layer = selectbox(
    st,
    "Head view of",
    range(view.num_layers),
    format_func=lambda i: f"layer {i + 1}",
    key="attention_view_layer",
)
st.plotly_chart(head_view(weights[view_layer], view.steps, threshold), key="attention_head_view")

st.subheader("Compare with the recurrence")
start = 1 if view.steps[0] == "<bos>" and len(view.steps) > 1 else 0  # the first real word, not <bos>
first, last = view.steps[start], view.steps[-1]
distance = len(view.steps) - 1 - start
st.markdown(
    f"An RNN has no such matrix: for “{escape_markdown(last)}” to use “{escape_markdown(first)}”, "
    f"the information must pass through **{distance} steps** of the hidden state, each of which can "
    f"shrink it. Attention connects any two words in **1 step**, whatever their distance, at the "
    f"price of comparing every pair: {len(view.steps)}² = {len(view.steps) ** 2} scores per head."
)
