"""Backpropagation through time: the norms shown equal independent autograd computations."""

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from playground.analysis.gradients import gradient_through_time, jacobian_norms, probe_tables
from playground.figures.gradients import gradient_time_figure, sandbox_figure
from playground.train import MAX_GRADIENT_PROBES, Trainer, create_run, train_run
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
    rest, _ = layer(x[:, t + 1:], h0) if t + 1 < len(inputs) else (first[:, :0], None)
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
        assert frame["hidden"].iloc[t] == pytest.approx(split_gradient(run, inputs, targets, t, loss_kind),
                                                        rel=1e-4, abs=1e-7)


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
