"""Backpropagation through time: the norms shown equal independent autograd computations."""

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from playground.analysis.gradients import (
    backprop_to_step,
    gradient_through_time,
    is_weight_matrix,
    jacobian_norms,
    probe_tables,
    readable_parameter,
    sandbox_caption,
    step_jacobian,
    underflow_start,
)
from playground.figures.gradients import gradient_time_figure, parameter_norms_figure, sandbox_figure
from playground.recording import MAX_GRADIENT_PROBES
from playground.run import create_run
from playground.train import Trainer, train_run
from tests.conftest import model_run, with_training

# Thresholds stated in the README: over 50 steps the IRNN keeps ||dh_T/dh_t|| within [0.1, 10];
# tanh with W_hh of spectral radius 0.5 falls below 1e-6.
IRNN_BAND = (0.1, 10.0)
TANH_VANISHED = 1e-6


def split_gradient(run, inputs, targets, t, loss_kind):
    """dL/dh_t from PyTorch's own nn.RNN/nn.LSTM, run in two pieces with h_t as a leaf."""
    layer = run.model.layer
    x = run.model.embedding(torch.tensor([inputs]))
    first, state = layer(x[:, : t + 1])
    lstm = isinstance(state, tuple)
    h_t = first[:, -1].detach().clone().requires_grad_(True)  # (1, H)
    h0 = (h_t[None], state[1].detach()) if lstm else h_t[None]
    rest, _ = layer(x[:, t + 1 :], h0) if t + 1 < len(inputs) else (first[:, :0], None)
    outputs = torch.cat([first[:, :t].detach(), h_t[:, None], rest], 1)  # (1, T, H)
    logits = run.model.head(outputs)[0]
    per_step = F.cross_entropy(logits, torch.tensor(targets), reduction="none")
    loss = per_step[-1] if loss_kind == "last" else per_step.sum()
    return torch.autograd.grad(loss, h_t)[0].norm().item()


IRNN = {"activation": "relu", "recurrent_init": "identity"}


@pytest.mark.parametrize("arch,model", [("rnn", {}), ("rnn", IRNN), ("lstm", {})])
@pytest.mark.parametrize("loss_kind", ["last", "sum"])
def test_hidden_gradients_equal_an_independent_autograd(small_next_word, arch, model, loss_kind):
    run = model_run(small_next_word, arch, **model)
    text = "the dog runs to the park"
    frame = gradient_through_time(run, text, loss_kind)
    ids = [2] + run.vocab.encode(text) + []
    inputs, targets = ids[:-1], ids[1:]
    for t in range(len(inputs)):
        assert frame["hidden"].iloc[t] == pytest.approx(
            split_gradient(run, inputs, targets, t, loss_kind), rel=1e-4, abs=1e-7
        )


@pytest.mark.parametrize("arch", ["rnn", "lstm", "transformer", "bow"])
def test_input_gradients_equal_autograd_on_the_fast_path(small_sentiment, arch):
    run = model_run(small_sentiment, arch)
    text = "the film was not good"
    frame = gradient_through_time(run, text, target_class=1)
    ids = torch.tensor([run.vocab.encode(text)])
    embeddings = run.model.embedding(ids).detach().requires_grad_(True)
    original = run.model.embedding.forward
    run.model.embedding.forward = lambda _: embeddings  # the fast path, fed our leaf
    try:
        loss = F.cross_entropy(run.model(ids).logits, torch.tensor([1]))
    finally:
        run.model.embedding.forward = original
    expected = torch.autograd.grad(loss, embeddings)[0][0].norm(dim=-1).numpy()
    np.testing.assert_allclose(frame["input"], expected, rtol=1e-4, atol=1e-8)


def test_linear_rnn_follows_rho_to_the_power_of_the_distance():
    for rho in (0.5, 0.9, 1.2):
        norms = jacobian_norms(rho, "linear", "identity", 30)
        np.testing.assert_allclose(norms["measured"], norms["theory"], rtol=1e-4)


def test_irnn_keeps_the_gradient_where_tanh_loses_it():
    irnn = jacobian_norms(1.0, "relu", "identity", 50)["measured"]
    assert irnn.between(*IRNN_BAND).all()
    tanh = jacobian_norms(0.5, "tanh", "random", 50)["measured"]
    assert tanh.iloc[-1] < TANH_VANISHED


def test_overflow_is_shown_not_hidden():
    norms = jacobian_norms(10.0, "relu", "random", 200)
    assert not np.isfinite(norms["measured"]).all()
    fig = sandbox_figure(norms, 10.0)
    assert any(trace.text is not None and "overflow" in str(trace.text) for trace in fig.data)
    frame = norms.rename(columns={"distance": "step", "measured": "hidden"}).assign(word="w")
    fig = gradient_time_figure({"run": frame}, "hidden", "t")
    assert any(trace.text is not None and "overflow" in str(trace.text) for trace in fig.data)


@pytest.mark.parametrize("activation", ["linear", "relu"])
@pytest.mark.parametrize(("rho", "length", "last_finite"), [(10.0, 50, 38), (2.0, 200, 127)])
def test_a_state_past_float32_leaves_the_gradients_float32_can_hold(activation, rho, length, last_finite):
    """The forward state overflows float32 long before the gradient does; only the gradient decides.

    With W_hh = rho·I the product of Jacobians is rho^d (linear cells; ReLU units that stay on, as
    they do once the state is large and positive), which float32 holds up to d = floor(38.5/log10 rho).
    """
    state = np.zeros(1, dtype=np.float32)
    with np.errstate(over="ignore"):
        for _ in range(length):
            state = np.float32(rho) * state + np.float32(1.0)
    assert not np.isfinite(state).all()  # the forward pass of the model would have overflowed
    norms = jacobian_norms(rho, activation, "identity", length)
    measured = norms["measured"].to_numpy()
    distance = norms["distance"].to_numpy()
    fits = distance <= last_finite
    np.testing.assert_allclose(measured[fits], float(rho) ** distance[fits], rtol=1e-5)
    assert np.isinf(measured[~fits]).all()
    assert int(np.isfinite(measured).sum()) == last_finite + 1
    assert f"computed up to {last_finite} steps back" in sandbox_caption(norms, None, rho, activation)


def test_the_formula_multiplies_from_step_t_down_in_the_right_order():
    """On a 2x2 tanh RNN, dL/dh_t = dL/dh_T J_T ··· J_{t+1} equals autograd; increasing order does not."""
    w = torch.tensor([[0.9, -1.3], [0.4, 0.7]], dtype=torch.float64)
    u = torch.tensor([[0.5, 0.2], [-0.3, 0.8]], dtype=torch.float64)
    xs = torch.tensor([[1.0, -0.5], [0.3, 0.9], [-1.2, 0.4], [0.6, 0.1]], dtype=torch.float64)
    readout = torch.tensor([1.5, -2.0], dtype=torch.float64)
    h1 = torch.tanh(u @ xs[0]).detach().requires_grad_(True)  # h_1, the state we differentiate for
    h, pre = h1, []
    for x in xs[1:]:  # steps 2..T, T = 4
        a = w @ h + u @ x
        pre.append(a.detach())
        h = torch.tanh(a)
    loss = readout @ h  # a loss at the last step only
    (autograd,) = torch.autograd.grad(loss, h1)
    jacobians = [np.eye(2)] + [step_jacobian(1 - np.tanh(a.numpy()) ** 2, w.numpy()) for a in pre]  # J_1..J_4
    formula = backprop_to_step(readout.numpy(), jacobians, t=1)
    np.testing.assert_allclose(formula, autograd.numpy(), rtol=1e-12)
    increasing = readout.numpy() @ jacobians[1] @ jacobians[2] @ jacobians[3]  # k = t+1 ... T, in order
    assert not np.allclose(increasing, autograd.numpy(), rtol=1e-3)
    np.testing.assert_allclose(backprop_to_step(readout.numpy(), jacobians, t=4), readout.numpy())


def test_the_sandbox_says_why_tanh_vanishes_above_rho_one():
    """At rho = 1.2 the theory grows 1.2^49 ≈ 7600 while tanh's gradient falls: the caption says why."""
    tanh = jacobian_norms(1.2, "tanh", "random", 50)
    linear = jacobian_norms(1.2, "linear", "random", 50)
    assert tanh["measured"].iloc[-1] < 1 < tanh["theory"].iloc[-1]
    assert linear["measured"].iloc[-1] > 1  # the same W_hh in a linear cell does blow up
    slopes = tanh["slope"].iloc[1:]
    assert ((slopes > 0) & (slopes < 1)).all()
    caption = sandbox_caption(tanh, linear, 1.2, "tanh")
    assert f"{tanh['measured'].iloc[-1]:.2e}" in caption and f"{linear['measured'].iloc[-1]:.2e}" in caption
    assert f"{float(np.nanmean(tanh['slope'])):.2f}" in caption
    fig = sandbox_figure(tanh, 1.2, linear, "tanh")
    assert [trace.name for trace in fig.data][:3] == [
        "same W_hh, linear cell",
        "theory ρ^(T−t), ρ = 1.2",
        "measured ‖∂h_T/∂h_t‖ (tanh)",
    ]


def test_recording_gradients_never_changes_training(small_sentiment):
    config, data = small_sentiment
    config = with_training(config, epochs=6)  # 114 steps: probes at steps 0, 50 and 100
    config.model.arch = "rnn"
    plain = create_run(config, data)
    Trainer(plain, data, record_gradients=False).train()
    recorded = train_run(create_run(config, data), data)
    assert plain.history["loss"].tolist() == recorded.history["loss"].tolist()
    steps, norms, parameters = probe_tables(recorded)
    assert 2 <= len(steps) <= MAX_GRADIENT_PROBES + 1 and steps == sorted(steps)
    assert norms.shape[0] == len(steps) and np.isfinite(norms).all() and (norms > 0).any()
    assert {"W_hh (layer 1)", "W_xh (layer 1)", "W_hy", "embedding"} <= set(parameters["parameter"])


@pytest.mark.parametrize(
    ("rho", "activation", "init", "length"), [(0.1, "linear", "random", 200), (3.0, "tanh", "identity", 50)]
)
def test_an_underflow_to_zero_is_marked_and_its_rate_taken_before_it(rho, activation, init, length):
    """Review 19: the line just stopped, and the caption read "0.00e+00 times its size … nan per step"."""
    norms = jacobian_norms(rho, activation, init, length)
    measured = norms["measured"].to_numpy()
    start = underflow_start(norms)
    assert start is not None and measured[start] == 0 and (measured[:start] > 0).all()
    assert (measured[start:] == 0).all()  # a product that reached 0 stays 0
    normal = np.flatnonzero(measured >= np.finfo(np.float32).tiny)[-1]  # the farthest held in full
    rate = measured[normal] ** (1 / normal)
    caption = sandbox_caption(norms, None, rho, activation)
    assert f"From {start} steps back the gradient is exactly 0" in caption
    assert f"{rate:.3f} per step" in caption and "nan" not in caption
    fig = sandbox_figure(norms, rho, None, activation)
    marks = next(t for t in fig.data if t.name == "0: below float32's smallest number")
    assert list(marks.x) == list(range(start, length))
    assert marks.y[0] < measured[measured > 0].min()  # at the foot of the chart, under every drawn value


def test_no_underflow_no_mark():
    norms = jacobian_norms(0.9, "tanh", "random", 50)
    assert underflow_start(norms) is None
    assert "exactly 0" not in sandbox_caption(norms, None, 0.9, "tanh")
    assert all(t.name != "0: below float32's smallest number" for t in sandbox_figure(norms, 0.9).data)


def test_a_transformers_weight_matrices_have_the_lectures_names_and_no_layernorm(small_next_word):
    """Review 19: 14 raw PyTorch names ("blocks.0.norm1.weight"), LayerNorm gains counted as matrices,
    repeated colours, and a legend over the axis title."""
    config, data = small_next_word
    config = with_training(config, epochs=1)
    config.model.arch, config.model.num_layers = "transformer", 2
    run = train_run(create_run(config, data), data)
    _, _, parameters = probe_tables(run)
    names = list(dict.fromkeys(parameters["parameter"]))
    assert sorted(names) == sorted(
        ["embedding", "output layer"]
        + [
            f"{kind} (layer {layer})"
            for kind in ("W_Q, W_K, W_V", "W_O", "feed-forward W_1", "feed-forward W_2")
            for layer in (1, 2)
        ]
    )
    fig = parameter_norms_figure(parameters)
    lines = {trace.name: trace.line for trace in fig.data}
    assert lines["W_O (layer 1)"].color == lines["W_O (layer 2)"].color  # one kind
    assert lines["W_O (layer 1)"].dash != lines["W_O (layer 2)"].dash  # two layers
    assert len({line.color for line in lines.values()}) == 6  # six kinds, six colours
    assert fig.layout.legend.yanchor == "top" and fig.layout.legend.y < 0  # hangs below the axis title


def test_a_recurrent_runs_output_layer_is_w_hy():
    assert readable_parameter("head.weight", recurrent=True) == "W_hy"
    assert readable_parameter("rnn.weight_hh_l1") == "W_hh (layer 2)"
    assert not is_weight_matrix("blocks.0.norm2.weight") and not is_weight_matrix("norm.weight")
    assert is_weight_matrix("blocks.0.feed_forward.0.weight")


def test_the_rate_before_an_underflow_is_rho_for_an_identity_cell():
    """Review 20: ρ = 0.1 with W_hh = ρ·I read "0.101 per step", from a subnormal (1.4e-45 for 1e-45)."""
    norms = jacobian_norms(0.1, "linear", "identity", 200)
    assert underflow_start(norms) is not None
    assert "shrank by 0.100 per step" in sandbox_caption(norms, None, 0.1, "linear")
