"""Backpropagation through time: how the gradient of the loss reaches earlier steps."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import torch
from torch.nn import functional as F

from playground.analysis.recurrence import step_inputs
from playground.run import Run

LOSSES = {"last": "loss at the last step only", "sum": "loss summed over every step"}


def sentence_loss(
    run: Run, text: str, loss: str = "last", target_class: int | None = None
) -> tuple[torch.Tensor, object, list[str]]:
    """The loss of `run` on `text` through the traced per-step path, its trace and the step labels.

    Next-word models predict each next word of the sentence itself; a classifier is scored against
    `target_class` (by default the class it predicts).
    """
    steps, ids, _ = step_inputs(run, text)
    if run.task == "next-word":
        if len(ids) < 2:  # a model that reads no <bos> needs two tokens for one prediction
            raise ValueError("type at least one word" if run.reads_bos else "type at least two tokens")
        inputs, targets, steps = ids[:-1], torch.tensor(ids[1:]), steps[:-1]
    else:
        if not ids:
            raise ValueError("type at least one word")
        inputs = ids
    run.model.eval()
    output = run.model(torch.tensor([inputs]), trace=True)
    logits = output.logits[0]
    if run.task == "next-word":
        per_step = F.cross_entropy(logits, targets, reduction="none")  # (T,)
        value = per_step[-1] if loss == "last" else per_step.sum()
    else:
        known = target_class is not None and 0 <= target_class < logits.shape[-1]
        target = target_class if known else int(logits.argmax())
        value = F.cross_entropy(logits[None], torch.tensor([target]))  # a classifier has one loss
    return value, output.trace, steps


def gradient_through_time(
    run: Run, text: str, loss: str = "last", target_class: int | None = None
) -> pd.DataFrame:
    """||dL/dx_t|| (every model) and ||dL/dh_t|| (recurrent models, top layer) for each step t."""
    with torch.enable_grad():
        value, trace, steps = sentence_loss(run, text, loss, target_class)
        wanted = [trace.embeddings] + (list(trace.step_hidden) if trace.step_hidden else [])
        grads = torch.autograd.grad(value, wanted, allow_unused=True)
    frame = pd.DataFrame(
        {"step": range(1, len(steps) + 1), "word": steps, "input": grads[0][0].norm(dim=-1).detach().numpy()}
    )
    if trace.step_hidden:
        frame["hidden"] = [0.0 if g is None else float(g[0].norm()) for g in grads[1:]]
    frame.attrs["loss"] = float(value.detach())
    return frame


def slopes_and_weights(run: Run, text: str) -> tuple[float, float] | None:
    """How far the gradient of the last step's loss falls from h_T to h_1 of a tanh RNN's top layer,
    and how far W_hh alone would take it: (‖∂L/∂h_1‖ / ‖∂L/∂h_T‖, ‖g_T W_hh^(T−1)‖ / ‖g_T‖).

    ∂L/∂h_t = g_T J_T ··· J_{t+1} with J_k = diag(1 − h_k²) W_hh (g_T = ∂L/∂h_T, a row vector); the
    second ratio sets every slope 1 − h_k² to 1, so the two apart say whether the slopes or W_hh make
    the gradient vanish. None for other models, or a sentence of one step.
    """
    model = run.config.model
    if model.arch != "rnn" or model.activation != "tanh":
        return None
    with torch.enable_grad():
        value, trace, _ = sentence_loss(run, text, "last")
        if len(trace.step_hidden) < 2:
            return None
        last = torch.autograd.grad(value, trace.step_hidden[-1])[0][0].detach().double()  # g_T
    w = getattr(run.model.rnn, f"weight_hh_l{model.num_layers - 1}").detach().double()
    states = [h[0].detach().double() for h in trace.step_hidden]
    through_model, through_weights = last, last
    for k in range(len(states) - 1, 0, -1):  # J_k for k = T down to 2 (0-based: the state at k)
        through_model = (through_model * (1 - states[k] ** 2)) @ w
        through_weights = through_weights @ w
    start = float(last.norm())
    if start == 0:
        return None
    return float(through_model.norm()) / start, float(through_weights.norm()) / start


def forget_path(run: Run, text: str) -> tuple[float, float, float] | None:
    """How much an LSTM's cell path alone carries the last step's gradient back to the first, top layer:
    (mean f_t over steps 2..T and units, mean over units of ∏_{k=2}^{T} f_k, the largest unit's product).

    Along c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t alone, ∂c_T/∂c_1 = diag(f_T ⊙ ··· ⊙ f_2); the paths through
    h_{t−1} and the gates add to it. The steps are the chart's (a next-word model's last word is only a
    target). None for other models, or a sentence of one step.
    """
    if run.config.model.arch != "lstm":
        return None
    with torch.no_grad():
        _, trace, _ = sentence_loss(run, text, "last")
    gates = trace.forget_gates[-1, 0, 1:].double()  # (T − 1, H): f_2 .. f_T
    if len(gates) == 0:
        return None
    products = gates.prod(dim=0)  # ∏_{k=2}^{T} f_k, one per unit
    return float(gates.mean()), float(products.mean()), float(products.max())


def recurrent_matrix(
    size: int, rho: float, init: str = "random", measure: str = "spectral radius", seed: int = 0
) -> np.ndarray:
    """A W_hh of the given initialisation, scaled so its spectral radius (or top singular value) is rho."""
    rng = np.random.default_rng(seed)
    if init == "identity":
        base = np.eye(size)
    elif init == "orthogonal":
        base, _ = np.linalg.qr(rng.normal(size=(size, size)))
    else:
        base = rng.normal(size=(size, size)) / math.sqrt(size)
    scale = np.abs(np.linalg.eigvals(base)).max() if measure == "spectral radius" else np.linalg.norm(base, 2)
    return base * (rho / scale)


def step_jacobian(slope: np.ndarray, w: np.ndarray) -> np.ndarray:
    """J_k = dh_k/dh_{k-1} = diag(f'(a_k)) W_hh for h_k = f(W_hh h_{k-1} + U x_k)."""
    return slope[:, None] * w


def backprop_to_step(dl_dh_last: np.ndarray, jacobians: list[np.ndarray], t: int) -> np.ndarray:
    """dL/dh_t for a loss at the last step T, with J_1..J_T given: dL/dh_T · J_T · J_{T-1} ··· J_{t+1}.

    Row-vector chain rule; matrices do not commute, so the factors run from k = T down to t + 1.
    Steps count from 1, so `jacobians[k - 1]` is J_k and t = T returns dL/dh_T itself.
    """
    gradient = np.asarray(dl_dh_last)
    for k in range(len(jacobians), t, -1):
        gradient = gradient @ jacobians[k - 1]
    return gradient


def jacobian_norms(
    rho: float,
    activation: str = "tanh",
    init: str = "random",
    length: int = 50,
    size: int = 32,
    measure: str = "spectral radius",
    seed: int = 0,
) -> pd.DataFrame:
    """||dh_T/dh_t|| for every t, from the product of step Jacobians diag(act'(a_k)) W_hh.

    The inputs are a fixed random sequence; rho^(T-t) is the theory for a linear network. The
    product of Jacobians is float32, as in the models, so it overflows where theirs would. The
    slopes act'(a_k) come from a float64 forward pass: for linear and ReLU cells they do not depend
    on the size of the state (1, or the sign of a_k), so a state too large for float32 must not
    turn a gradient that float32 can hold into "overflow". `slope` is the mean of act'(a_k) over the
    units at the step that distance back: where it is below 1 (tanh saturating, ReLU units off),
    each factor diag(act'(a_k)) W_hh is smaller than W_hh and the product falls below rho^(T-t).
    """
    rng = np.random.default_rng(seed + 1)
    w64 = recurrent_matrix(size, rho, init, measure, seed)
    w = w64.astype(np.float32)
    u = (rng.normal(size=(size, size)) / math.sqrt(size)).astype(np.float32)
    inputs = (rng.normal(size=(length, size)) * 0.5).astype(np.float32)
    derivative = {
        "tanh": lambda a: 1 - np.tanh(a) ** 2,
        "relu": lambda a: (a > 0).astype(np.float64),
        "linear": lambda a: np.ones_like(a),
    }[activation]
    act = {"tanh": np.tanh, "relu": lambda a: np.maximum(a, 0), "linear": lambda a: a}[activation]
    h = np.zeros(size)
    slopes = []
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(length):
            a = w64 @ h + u.astype(np.float64) @ inputs[t].astype(np.float64)
            h = act(a)
            if activation == "linear":
                slope = np.ones(size)  # whatever the state holds
            elif np.isfinite(a).all() or (activation == "relu" and not np.isnan(a).any()):
                slope = derivative(a)  # ReLU needs only the sign of a, which ±inf still has
            else:  # the sign or the saturation is unknown: say so, never a silent 0
                slope = np.full(size, np.nan)
            slopes.append(slope.astype(np.float32))
        jacobian = np.eye(size, dtype=np.float32)  # dh_T/dh_T
        norms, mean_slopes = [1.0], [math.nan]  # distance 0 multiplies by nothing
        for k in range(length - 1, 0, -1):  # dh_T/dh_{k-1} = dh_T/dh_k · diag(act'(a_k)) W
            jacobian = jacobian @ step_jacobian(slopes[k], w)
            norms.append(float(np.linalg.norm(jacobian, 2)) if np.isfinite(jacobian).all() else math.inf)
            mean_slopes.append(float(np.mean(slopes[k])))
        distance = np.arange(length)
        theory = np.power(float(rho), distance.astype(float))
    return pd.DataFrame({"distance": distance, "measured": norms, "theory": theory, "slope": mean_slopes})


FLOAT32_TINIEST = float(np.finfo(np.float32).smallest_subnormal)  # 1.4e-45: below it, float32 holds 0


def underflow_start(norms: pd.DataFrame) -> int | None:
    """The first distance back whose measured norm is exactly 0, below float32's smallest number; None if
    none is (from there on the product of Jacobians stays 0)."""
    zero = norms.loc[norms["measured"] == 0, "distance"]
    return int(zero.min()) if len(zero) else None


FLOAT32_SMALLEST_NORMAL = float(np.finfo(np.float32).tiny)  # 1.2e-38: below it float32 loses digits


def per_step_rate(norms: pd.DataFrame) -> float:
    """The geometric mean factor per step back, (||dh_T/dh_t|| / 1)^(1/(T-t)) at the farthest t whose
    norm float32 still holds in full (a norm near or below its smallest, 1.4e-45 standing for 1e-45,
    made ρ = 0.1 read 0.101); NaN if it overflowed."""
    measured = norms["measured"].to_numpy(dtype=float)
    if not math.isfinite(measured[-1]):
        return math.nan
    positive = np.flatnonzero(measured >= FLOAT32_SMALLEST_NORMAL)
    farthest = int(positive[-1]) if positive.size else 0
    distance = int(norms["distance"].iloc[farthest])
    return float(measured[farthest]) ** (1 / distance) if distance else math.nan


def sandbox_caption(norms: pd.DataFrame, linear: pd.DataFrame | None, rho: float, activation: str) -> str:
    """What the sandbox shows in numbers: the end value, the rate per step, and why it is not rho."""
    steps = len(norms) - 1
    final = float(norms["measured"].iloc[-1])
    if not math.isfinite(final):
        finite = norms.loc[np.isfinite(norms["measured"]), "distance"]
        return (
            f"The gradient is computed up to {int(finite.max())} steps back and overflows float32 beyond "
            f"(ρ = {rho:g})."
        )
    underflow = underflow_start(norms)
    if underflow is None:
        text = (
            f"After {steps} steps back the gradient is {final:.2e} times its size at the end: "
            f"{per_step_rate(norms):.3f} per step on average, against ρ = {rho:g}."
        )
    else:
        text = (
            f"From {underflow} steps back the gradient is exactly 0: it fell below float32's smallest "
            f"number ({FLOAT32_TINIEST:.1e}). Up to then it shrank by {per_step_rate(norms):.3f} per step "
            f"on average, against ρ = {rho:g}."
        )
    if linear is not None:
        slope = float(np.nanmean(norms["slope"]))
        linear_final = float(linear["measured"].iloc[-1])
        if not math.isfinite(linear_final):
            same = "an overflow"
        elif linear_final == 0:
            same = "0 too (an underflow)"
        else:
            same = f"{linear_final:.2e}"
        text += (
            f" The {activation} slopes f′(a_k) average {slope:.2f} over units and steps, so each "
            f"factor diag(f′(a_k)) W_hh is no larger than W_hh; the same W_hh in a linear cell gives "
            f"{same}."
        )
    return text


# A parameter's name in PyTorch -> its name in the lecture; a layer number is added where there are layers.
PARAMETER_NAMES = {
    r"weight_ih_l(\d+)$": "W_xh",
    r"weight_hh_l(\d+)$": "W_hh",
    r"blocks\.(\d+)\.attention\.qkv\.weight$": "W_Q, W_K, W_V",
    r"blocks\.(\d+)\.attention\.proj\.weight$": "W_O",
    r"blocks\.(\d+)\.feed_forward\.0\.weight$": "feed-forward W_1",
    r"blocks\.(\d+)\.feed_forward\.2\.weight$": "feed-forward W_2",
    r"^embedding\.weight$": "embedding",
    r"^head\.weight$": "output layer",
}
RECURRENT_OUTPUT = "W_hy"  # the output layer of an RNN or LSTM, as the lecture writes it


def readable_parameter(name: str, recurrent: bool = True) -> str:
    """'rnn.weight_hh_l0' -> 'W_hh (layer 1)', 'blocks.1.attention.qkv.weight' -> 'W_Q, W_K, W_V
    (layer 2)'; other names are kept."""
    for pattern, label in PARAMETER_NAMES.items():
        if found := re.search(pattern, name):
            if label == "output layer" and recurrent:
                return RECURRENT_OUTPUT
            return f"{label} (layer {int(found.group(1)) + 1})" if found.groups() else label
    return name


def is_weight_matrix(name: str) -> bool:
    """Whether a parameter is a matrix the chart of weight matrices shows: not a bias, a LayerNorm gain
    (a vector) or the learned position vectors."""
    module = name.rsplit(".", 1)[0].rsplit(".", 1)[-1]  # "blocks.0.norm1.weight" -> "norm1"
    return "bias" not in name and not module.startswith("norm") and name != "position_embedding.weight"


def probe_tables(run: Run) -> tuple[list[int], np.ndarray, pd.DataFrame]:
    """The run's gradient recordings: steps, norms (probes, T) and a long table of parameter norms."""
    probes = run.gradient_probes
    steps = [p.step for p in probes]
    norms = np.stack([p.time_norms for p in probes]) if probes else np.zeros((0, 0))
    recurrent = run.config.model.arch in ("rnn", "lstm")
    rows = [
        {"step": p.step, "parameter": readable_parameter(name, recurrent), "norm": value}
        for p in probes
        for name, value in p.parameter_norms.items()
        if is_weight_matrix(name)
    ]
    return steps, norms, pd.DataFrame(rows, columns=["step", "parameter", "norm"])
