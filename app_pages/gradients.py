"""Backpropagation through time: gradient norms per step, in training, by hand, and exploding for real."""

import copy

import numpy as np
import streamlit as st

from playground.analysis.gradients import (
    LOSSES,
    gradient_through_time,
    jacobian_norms,
    probe_tables,
    sandbox_caption,
)
from playground.config import default_config
from playground.figures.gradients import (
    grad_norm_figure,
    gradient_time_figure,
    loss_comparison_figure,
    parameter_norms_figure,
    probe_heatmap,
    sandbox_figure,
)
from playground.share_links import ViewOption, float_text, one_of, real, text_option, whole
from playground.text import escape_markdown
from ui.sentences import sentence_box
from ui.share import linked_run, share_view
from ui.state import builtin_data, runs
from ui.training import train_live
from ui.widgets import multiselect, selectbox

DEFAULT_SENTENCES = {
    "next-word": "the dogs near the cat are happy today",
    "sentiment": "the film was not good but the music was great",
}

MEASURES = ["spectral radius", "largest singular value"]
ACTIVATIONS = ["tanh", "relu", "linear"]
INITS = ["random", "orthogonal", "identity"]
VIEW = [
    text_option("sentence", "gradients_text", "The sentence", 400),
    ViewOption("loss", "gradients_loss", "Loss", one_of(list(LOSSES))),
    ViewOption(
        "label", "gradients_target", "Loss against the label", one_of(lambda run: range(len(run.class_names)))
    ),
    ViewOption("wrt", "gradients_quantity", "Gradient with respect to", one_of(["hidden", "input"])),
    ViewOption("rho", "gradients_rho", "ρ", real(0.1, 10.0), float_text),
    ViewOption("measure", "gradients_measure", "ρ is its", one_of(MEASURES)),
    ViewOption("sandbox_activation", "gradients_activation", "Activation", one_of(ACTIVATIONS)),
    ViewOption("sandbox_init", "gradients_init", "W_hh initialisation", one_of(INITS)),
    ViewOption("sandbox_length", "gradients_length", "Sequence length T", whole(5, 200)),
]

st.title("Backpropagation through time")
st.markdown(
    "Training needs the gradient of the loss with respect to every weight. In an RNN the "
    "loss at step T reaches an early state h_t only through every step in between, so its "
    "gradient is a **product of many factors**, one per step. For a plain RNN, "
    "h_k = f(a_k) with a_k = W_hh h_{k-1} + W_xh x_k + b, and a loss L at the last step T only:"
)
st.latex(
    r"\frac{\partial L}{\partial h_t} = \frac{\partial L}{\partial h_T}\, J_T\, J_{T-1} \cdots "
    r"J_{t+1}, \qquad J_k = \frac{\partial h_k}{\partial h_{k-1}} = "
    r"\operatorname{diag}\big(f'(a_k)\big)\, W_{hh}"
)
st.markdown(
    "(∂L/∂h as a row vector; matrices do not commute, so the factors run from k = T *down* to "
    "t + 1.) For the loss **summed over every step**, each step's loss L_s adds one such product "
    "from s down to t + 1, and ∂L/∂h_t is the sum of ∂L_s/∂h_t over every s ≥ t. An **LSTM** has "
    "other J_k: its "
    "cell state adds a path c_{k-1} → c_k through the forget gate, diag(f_k), besides the gates' "
    "own paths. The curves below are computed exactly with autograd, whichever case you pick. "
    "Factors smaller than 1 make the product **vanish** (early words stop mattering), larger "
    "than 1 make it **explode** (training blows up). The fixes from the lecture: ReLU with "
    "identity initialisation, gated cells (LSTM), and gradient clipping."
)

st.subheader("1 · Gradient through time, on your sentence")
run = linked_run("gradients", VIEW)
share_view(run, VIEW)
candidates = {r.id: r for r in runs() if r.task == run.task and r.vocab.level == run.vocab.level}
chosen = multiselect(
    st,
    "Runs to compare (same task)",
    list(candidates),
    default=[run.id],
    format_func=lambda i: candidates[i].name,
    key="gradients_runs",
)
text = sentence_box(run, DEFAULT_SENTENCES, "gradients_text")
left, right = st.columns(2)
loss_kind, target_class = "last", None
if run.task == "next-word":
    loss_kind = left.radio(
        "Loss", list(LOSSES), format_func=LOSSES.get, key="gradients_loss", horizontal=True
    )
else:
    options = [None, *range(len(run.class_names))]
    target_class = selectbox(
        left,
        "Loss against the label",
        options,
        key="gradients_target",
        format_func=lambda c: (
            "the class the model predicts" if c is None else f"“{escape_markdown(run.class_names[c], 60)}”"
        ),
        help="A classifier has one loss, at the end of the sentence. Against the class it already "
        "predicts the loss is small, and so are the gradients; against the other class they are "
        "larger. The shape over the steps is what to look at.",
    )
recurrent = all(candidates[i].config.model.arch in ("rnn", "lstm") for i in chosen)
quantity = right.radio(
    "Gradient with respect to",
    ["hidden", "input"],
    key="gradients_quantity",
    format_func={"hidden": "the hidden state h_t", "input": "the word's vector x_t"}.get,
    horizontal=True,
    index=0 if recurrent else 1,
    help="Transformers and bags of words have no h_t; x_t works for every model.",
)
if quantity == "hidden" and not recurrent:
    st.info("Only RNN and LSTM runs have a hidden state h_t: showing ∂L/∂x_t for every run instead.")
    quantity = "input"
frames = {}
for run_id in chosen:
    try:
        frames[candidates[run_id].name] = gradient_through_time(
            candidates[run_id], text, loss_kind, target_class
        )
    except ValueError as error:
        st.info(f"{escape_markdown(str(error), 1000).capitalize()}.")
        break
if frames:
    symbol = "h_t" if quantity == "hidden" else "x_t"
    st.plotly_chart(
        gradient_time_figure(frames, quantity, f"‖∂L/∂{symbol}‖ at each step (log scale)"),
        key="gradients_time",
    )
    st.caption(
        "Computed exactly with autograd through the model's step-by-step path. A line that falls "
        "steeply to the left means the loss barely reaches the first words. Train an RNN "
        "(tanh), an RNN with ReLU and identity initialisation, an LSTM and a Transformer on the "
        "Train page to compare them here."
    )

st.subheader("2 · During training")
steps, norms, parameters = probe_tables(run)
if not steps:
    st.info("This run has no gradient recordings. Runs trained from now on record them.")
else:
    symbol = "h_t" if run.config.model.arch in ("rnn", "lstm") else "x_t"
    left, right = st.columns(2)
    left.plotly_chart(probe_heatmap(steps, norms, symbol), key="gradients_probe")
    right.plotly_chart(parameter_norms_figure(parameters), key="gradients_parameters")
    st.caption(
        f"Recorded at {len(steps)} training steps on the same {norms.shape[1]}-step probe sentences "
        "from the validation set, so rows are comparable: watch the left columns (early words) "
        "fade or flare as training goes on."
    )
st.plotly_chart(grad_norm_figure(run.history, run.config.train.clip_grad), key="gradients_global")

st.subheader("3 · Vanishing and exploding, by hand")
st.markdown(
    "A random sequence runs through h_t = f(W_hh h_{t-1} + U x_t) with a W_hh you set. Each step "
    "back multiplies the gradient by diag(f′(a_k)) W_hh. With f linear and W_hh = ρ·I that is "
    "exactly ρ per step, so the norm is ρ^(T−t): **below 1 it decays geometrically, above 1 it "
    "blows up**. A random or orthogonal W_hh bends that line. A nonlinearity changes more: "
    "tanh′(a) = 1 − tanh²(a) is at most 1 and near 0 where tanh saturates, and ReLU′ is 0 for "
    "every unit that is off, so each factor diag(f′(a_k)) W_hh is no larger than W_hh itself and "
    "usually smaller. "
    "With tanh the gradient can therefore **vanish even when ρ > 1**. The dotted line runs the "
    "same W_hh and inputs through a linear cell, the case the theory describes."
)
cols = st.columns(5)
rho = cols[0].slider("ρ (size of W_hh)", 0.1, 10.0, 0.9, 0.05, key="gradients_rho")
measure = cols[1].selectbox("ρ is its", MEASURES, key="gradients_measure")
activation = cols[2].selectbox("Activation", ACTIVATIONS, key="gradients_activation")
init = cols[3].selectbox("W_hh initialisation", INITS, key="gradients_init")
length = cols[4].slider("Sequence length T", 5, 200, 50, key="gradients_length")
sandbox = jacobian_norms(rho, activation, init, length, measure=measure)
linear = jacobian_norms(rho, "linear", init, length, measure=measure) if activation != "linear" else None
st.plotly_chart(sandbox_figure(sandbox, rho, linear, activation), key="gradients_sandbox")
st.caption(sandbox_caption(sandbox, linear, rho, activation))
if not np.isfinite(sandbox["measured"].iloc[-1]):
    st.warning(
        "Marked “overflow”: the product of Jacobians grew past the largest float32 number "
        "(about 3.4 × 10³⁸) at those distances; the points before it are computed (the state "
        "overflowing does not stop that). In training "
        "this is the inf or NaN that stops a run."
    )

st.subheader("4 · Exploding for real")
st.markdown(
    "The same RNN trained twice with SGD (momentum 0.9) at a high learning rate (1.0): once without "
    "clipping, once with the gradient norm clipped to 0.1. One blows up and the divergence guard "
    "stops it; the other trains."
)
if st.button("Train both (about 10 seconds)", icon=":material/bolt:", key="gradients_explode"):
    base = default_config("sentiment", "rnn")
    base.train.optimizer, base.train.learning_rate, base.train.epochs = "sgd", 1.0, 3
    data = builtin_data(base.data)
    pair_ids = []
    for clip in (0.0, 0.1):
        config = copy.deepcopy(base)
        config.train.clip_grad = clip
        trained = train_live(config, data)
        if trained is not None:
            pair_ids.append(trained.id)
    st.session_state["gradients_explode_runs"] = pair_ids
    st.rerun()
pair = [r for r in runs() if r.id in st.session_state.get("gradients_explode_runs", [])]
if len(pair) == 2:
    labels = {pair[0].id: "no clipping", pair[1].id: "clipped at 0.1"}
    st.plotly_chart(
        loss_comparison_figure({f"{labels[r.id]} ({r.name})": r.history for r in pair}),
        key="gradients_explode_chart",
    )
    for r in pair:
        message = escape_markdown(r.message, 1000)
        if r.status == "diverged":
            st.error(f"{labels[r.id]}: {message}")
        else:
            accuracy = r.metrics.get("test_accuracy", 0)
            st.success(f"{labels[r.id]}: {message} Test accuracy {accuracy:.1%}.")
