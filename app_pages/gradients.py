"""Backpropagation through time: gradient norms per step, in training, by hand, and exploding for real."""

import numpy as np
import streamlit as st

from playground.analysis.gradients import (
    jacobian_norms,
    probe_tables,
    sandbox_caption,
    underflow_start,
)
from playground.analysis.recurrence import is_recurrent
from playground.config import ARCH_IN_A_SENTENCE
from playground.figures.gradients import (
    grad_norm_figure,
    parameter_norms_figure,
    probe_heatmap,
    sandbox_figure,
)
from playground.text import escape_markdown
from playground.view_options import VIEW_OPTIONS, view_options
from ui.lecture import next_stop
from ui.session_cache import kept, run_key
from ui.share import linked_run, share_view
from ui.training import switch_run_buttons
from ui.view import view_widget
from ui.views.gradients import exploding_for_real, gradient_on_your_sentence

VIEW = VIEW_OPTIONS["gradients"]
OPTION = view_options("gradients")

st.title("Backpropagation through time")
st.markdown(
    "Training needs the gradient of the loss with respect to every weight. In an RNN the "
    "loss at step T reaches an early state h_t only through every step in between, so its "
    "gradient is a **product of many factors**, one per step. For a plain RNN, "
    "hₖ = f(aₖ) with aₖ = W_hh hₖ₋₁ + W_xh xₖ + b, and a loss L at the last step T only:"
)
st.latex(  # two lines: on one, the equation ran past its column at 800 px wide
    r"\begin{gathered}\frac{\partial L}{\partial h_t} = \frac{\partial L}{\partial h_T}\, J_T\, J_{T-1} "
    r"\cdots J_{t+1}, \\ J_k = \frac{\partial h_k}{\partial h_{k-1}} = "
    r"\operatorname{diag}\big(f'(a_k)\big)\, W_{hh}\end{gathered}"
)
with st.expander("The product in full: its order, the loss summed over every step, the LSTM, the fixes"):
    st.markdown(
        "(∂L/∂h as a row vector; matrices do not commute, so the factors run from k = T *down* to "
        "t + 1.) For the loss **summed over every step**, each step's loss L_s adds one such product "
        "from s down to t + 1, and ∂L/∂h_t is the sum of ∂L_s/∂h_t over every s ≥ t. An **LSTM** has "
        "other J_k: its "
        "cell state adds a path cₖ₋₁ → cₖ through the forget gate, diag(fₖ), besides the gates' "
        "own paths. The curves below are computed exactly with autograd, whichever case you pick. "
        "Factors smaller than 1 make the product **vanish** (early words stop mattering), larger "
        "than 1 make it **explode** (training blows up). The fixes from the lecture: ReLU with "
        "identity initialisation, gated cells (LSTM), and gradient clipping."
    )

st.subheader("1 · Gradient through time, on your sentence")
run = linked_run("gradients", VIEW)
share_view(run, VIEW)
if not is_recurrent(run):
    st.info(
        f"The active run is {ARCH_IN_A_SENTENCE[run.config.model.arch]}: it has no hidden state carried from "
        "step to step, so the chart shows ∂L/∂x_t, the gradient at each input word. The product above, "
        "and its vanishing, belong to an RNN or an LSTM."
    )
    switch_run_buttons(is_recurrent, "gradients")
gradient_on_your_sentence(run)

st.subheader("2 · During training")
st.caption(f"Recordings of {escape_markdown(run.name)}, the run of section 1 (pick another in the sidebar).")
steps, norms, parameters = kept(("gradients_probe_tables", run_key(run)), lambda: probe_tables(run))
if not steps:
    st.info("This run has no gradient recordings. Runs trained from now on record them.")
else:
    symbol = "h_t" if run.config.model.arch in ("rnn", "lstm") else "x_t"
    left, right = st.columns(2)
    probes = kept(("gradients_probe", run_key(run)), lambda: probe_heatmap(steps, norms, symbol))
    left.plotly_chart(probes, key="gradients_probe")
    by_parameter = kept(("gradients_parameters", run_key(run)), lambda: parameter_norms_figure(parameters))
    right.plotly_chart(by_parameter, key="gradients_parameters")
    st.caption(
        f"Recorded at {len(steps)} training steps on the same {norms.shape[1]}-step probe sentences "
        "from the validation set, so rows are comparable: watch the left columns (early words) "
        "fade or flare as training goes on."
    )
global_norm = kept(
    ("gradients_global", run_key(run)), lambda: grad_norm_figure(run.history, run.config.train.clip_grad)
)
st.plotly_chart(global_norm, key="gradients_global")

st.subheader("3 · Vanishing and exploding, by hand")
st.markdown(
    "A random sequence runs through hₜ = f(W_hh hₜ₋₁ + U xₜ) with a W_hh you set. Each step "
    "back multiplies the gradient by diag(f′(a_k)) W_hh. With f linear and W_hh = ρ·I that is "
    "exactly ρ per step, so the norm is ρ^(T−t): **below 1 it decays geometrically, above 1 it "
    "blows up**. A random W_hh bends that line; an orthogonal one (or the identity) follows it exactly, "
    "since ρ·Q stretches every direction by ρ. A nonlinearity changes more: "
    "tanh′(a) = 1 − tanh²(a) is at most 1 and near 0 where tanh saturates, and ReLU′ is 0 for "
    "every unit that is off, so each factor diag(f′(a_k)) W_hh is no larger than W_hh itself and "
    "usually smaller. "
    "With tanh the gradient can therefore **vanish even when ρ > 1**. The dotted line runs the "
    "same W_hh and inputs through a linear cell, the case the theory describes."
)
cols = st.columns(5)
rho = view_widget(OPTION["rho"], run, cols[0])
measure = view_widget(OPTION["measure"], run, cols[1])
activation = view_widget(OPTION["sandbox_activation"], run, cols[2])
init = view_widget(OPTION["sandbox_init"], run, cols[3])
length = view_widget(OPTION["sandbox_length"], run, cols[4])


def sandbox_results() -> tuple:
    """The sandbox's norms, the linear cell's beside them (unless linear), and their figure."""
    sandbox = jacobian_norms(rho, activation, init, length, measure=measure)
    linear = jacobian_norms(rho, "linear", init, length, measure=measure) if activation != "linear" else None
    return sandbox, linear, sandbox_figure(sandbox, rho, linear, activation)


sandbox, linear, sandbox_chart = kept(
    ("gradients_sandbox", rho, measure, activation, init, length), sandbox_results
)
st.plotly_chart(sandbox_chart, key="gradients_sandbox")
st.caption(sandbox_caption(sandbox, linear, rho, activation))
if not np.isfinite(sandbox["measured"].iloc[-1]):
    st.warning(
        "Marked “overflow”: the product of Jacobians grew past the largest float32 number "
        "(about 3.4 × 10³⁸) at those distances; the points before it are computed (the state "
        "overflowing does not stop that). In training "
        "this is the inf or NaN that stops a run."
    )
elif underflow_start(sandbox) is not None:
    st.info(
        "Marked ▼ at the foot of the chart: the product of Jacobians fell below the smallest float32 "
        "number (about 1.4 × 10⁻⁴⁵) and is exactly 0 from there, which a log axis cannot draw. In "
        "training this is an early word whose gradient is 0: no weight learns anything from it."
    )

st.subheader("4 · Exploding for real")
st.markdown(
    "The default next-word RNN trained twice for one epoch with SGD (momentum 0.9) at a high learning "
    "rate (1.0): once without clipping, once with the gradient's norm clipped to 0.1 (a gradient "
    "longer than that is scaled down to that length, its direction kept). Same data, same seed: "
    "press the button and compare the two loss curves."
)
exploding_for_real()

next_stop("app_pages/gradients.py")
