"""Truth: the traced per-step computations are PyTorch's own, with the same weights."""

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from playground.config import ModelConfig
from playground.models import build_model
from playground.models.transformer import attention, learned_bias_attention, sinusoidal_positions

VOCAB = 40
ATOL = 1e-5


def make(arch: str, task: str, **overrides) -> nn.Module:
    torch.manual_seed(0)
    config = ModelConfig(arch=arch, embedding_dim=16, hidden_dim=24, **overrides)
    return build_model(config, VOCAB, VOCAB if task == "next-word" else 3, task, max_length=12).eval()


def batch():
    torch.manual_seed(1)
    tokens = torch.randint(4, VOCAB, (4, 9))
    lengths = torch.tensor([9, 6, 3, 1])
    tokens[torch.arange(9)[None, :] >= lengths[:, None]] = 0
    return tokens, lengths


CASES = [
    ("rnn", {}),
    ("rnn", {"activation": "relu", "recurrent_init": "identity"}),
    ("rnn", {"num_layers": 3, "recurrent_init": "orthogonal"}),
    ("lstm", {}),
    ("lstm", {"num_layers": 2}),
    ("transformer", {}),
    ("transformer", {"num_layers": 3, "num_heads": 4, "positional": "learned"}),
    ("transformer", {"pooling": "max"}),
    ("bow", {}),
]


@pytest.mark.parametrize("task", ["next-word", "sentiment"])
@pytest.mark.parametrize("arch,overrides", CASES)
def test_traced_path_gives_the_fast_paths_logits(arch, overrides, task):
    model = make(arch, task, **overrides)
    tokens, lengths = batch()
    with torch.no_grad():
        fast = model(tokens, lengths).logits
        traced = model(tokens, lengths, trace=True)
    assert traced.trace is not None
    torch.testing.assert_close(traced.logits, fast, atol=ATOL, rtol=0)


@pytest.mark.parametrize("layers,activation", [(1, "tanh"), (2, "relu"), (3, "tanh")])
def test_rnn_hidden_states_equal_nn_rnn(layers, activation):
    model = make("rnn", "next-word", num_layers=layers, activation=activation)
    tokens, _ = batch()
    with torch.no_grad():
        trace = model(tokens, trace=True).trace
        outputs, h_n = model.rnn(model.embedding(tokens))
    torch.testing.assert_close(trace.hidden_states[-1], outputs, atol=ATOL, rtol=0)
    torch.testing.assert_close(trace.hidden_states[:, :, -1], h_n, atol=ATOL, rtol=0)
    # the parts shown on the page add up: h_t = act(W_xh x_t + b + W_hh h_{t-1} + b)
    act = torch.tanh if activation == "tanh" else torch.relu
    torch.testing.assert_close(
        act(trace.input_contributions + trace.recurrent_contributions), trace.hidden_states, atol=ATOL, rtol=0
    )


def test_lstm_gates_and_cells_equal_nn_lstm():
    model = make("lstm", "next-word", num_layers=2)
    tokens, _ = batch()
    with torch.no_grad():
        trace = model(tokens, trace=True).trace
        outputs, (h_n, c_n) = model.lstm(model.embedding(tokens))
    torch.testing.assert_close(trace.hidden_states[-1], outputs, atol=ATOL, rtol=0)
    torch.testing.assert_close(trace.cell_states[:, :, -1], c_n, atol=ATOL, rtol=0)
    torch.testing.assert_close(trace.hidden_states[:, :, -1], h_n, atol=ATOL, rtol=0)
    for gate in (trace.input_gates, trace.forget_gates, trace.output_gates):
        assert gate.min() >= 0 and gate.max() <= 1
    assert trace.cell_candidates.abs().max() <= 1
    # c_t = f_t * c_{t-1} + i_t * g_t at step 1 onwards
    f, i, g = (x[:, :, 1:] for x in (trace.forget_gates, trace.input_gates, trace.cell_candidates))
    expected = f * trace.cell_states[:, :, :-1] + i * g
    torch.testing.assert_close(trace.cell_states[:, :, 1:], expected, atol=ATOL, rtol=0)


@pytest.mark.parametrize("causal", [True, False])
def test_attention_equals_scaled_dot_product_attention(causal):
    torch.manual_seed(0)
    q, k, v = (torch.randn(2, 3, 7, 8) for _ in range(3))
    mask = torch.ones(7, 7, dtype=torch.bool).tril() if causal else torch.rand(2, 1, 7, 7) > 0.3
    mask = mask | torch.eye(7, dtype=torch.bool)  # every query keeps at least one key
    ours, weights, _ = attention(q, k, v, mask)
    reference = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    torch.testing.assert_close(ours, reference, atol=ATOL, rtol=0)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 3, 7), atol=1e-6, rtol=0)
    assert (weights[~mask.expand_as(weights)] == 0).all()


@pytest.mark.parametrize("steps", [1, 6, 23])
@pytest.mark.parametrize("padded", [True, False])
def test_learned_bias_attention_gives_pytorchs_bits_forward_and_backward(steps, padded):
    """The written-out kernel training takes with a learned relative bias is PyTorch's, bit for bit,
    so a default Transformer trains to the same weights with it as with scaled_dot_product_attention."""
    generator = torch.Generator().manual_seed(steps)
    q, k, v = (torch.randn(16, 4, steps, 8, generator=generator).requires_grad_() for _ in range(3))
    bias = torch.randn(4, steps, steps, generator=generator).requires_grad_()
    lengths = torch.randint(1, steps + 1, (16,), generator=generator) if padded else torch.full((16,), steps)
    keys = (torch.arange(steps)[None, :] < lengths[:, None])[:, None, None, :]
    mask = bias.masked_fill(~keys, float("-inf"))
    ours = learned_bias_attention(q, k, v, mask)
    reference = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert torch.equal(ours, reference)
    upstream = torch.randn(ours.shape, generator=generator)
    for mine, theirs in zip(
        torch.autograd.grad(ours, (q, k, v, bias), upstream, retain_graph=True),
        torch.autograd.grad(reference, (q, k, v, bias), upstream),
        strict=True,
    ):
        assert torch.equal(mine, theirs)


def test_attention_layer_equals_multihead_attention_with_copied_weights():
    model = make("transformer", "next-word", num_heads=4)
    layer = model.blocks[0].attention
    reference = nn.MultiheadAttention(16, 4, batch_first=True).eval()
    with torch.no_grad():
        reference.in_proj_weight.copy_(layer.qkv.weight)
        reference.in_proj_bias.copy_(layer.qkv.bias)
        reference.out_proj.weight.copy_(layer.proj.weight)
        reference.out_proj.bias.copy_(layer.proj.bias)
        x = torch.randn(2, 6, 16)
        record = {}
        ours = layer(x, None, causal=True, record=record)
        causal_block = torch.ones(6, 6, dtype=torch.bool).triu(1)  # True = not allowed here
        expected, expected_weights = reference(x, x, x, attn_mask=causal_block, average_attn_weights=False)
    torch.testing.assert_close(ours, expected, atol=ATOL, rtol=0)
    torch.testing.assert_close(record["attention_weights"], expected_weights, atol=ATOL, rtol=0)


def test_causal_mask_puts_zero_weight_on_future_words():
    model = make("transformer", "next-word", num_layers=2)
    tokens, _ = batch()
    with torch.no_grad():
        weights = model(tokens, trace=True).trace.attention_weights  # (L, B, N, T, T)
    future = torch.ones(9, 9, dtype=torch.bool).triu(1)
    assert (weights[..., future] == 0).all()
    torch.testing.assert_close(weights.sum(-1), torch.ones_like(weights.sum(-1)))


@pytest.mark.parametrize("arch", ["rnn", "lstm", "transformer", "bow"])
def test_padding_never_changes_a_classification(arch):
    model = make(arch, "sentiment")
    sentence = torch.tensor([[5, 6, 7, 8]])
    padded = torch.tensor([[5, 6, 7, 8, 0, 0, 0]])
    with torch.no_grad():
        alone = model(sentence).logits
        with_padding = model(padded, torch.tensor([4])).logits
    torch.testing.assert_close(alone, with_padding, atol=ATOL, rtol=0)


@pytest.mark.parametrize("arch", ["rnn", "lstm", "transformer", "bow"])
def test_parameter_count_does_not_depend_on_sequence_length(arch):
    model = make(arch, "next-word")
    count = sum(p.numel() for p in model.parameters())
    with torch.no_grad():
        assert model(torch.randint(4, VOCAB, (1, 3))).logits.shape == (1, 3, VOCAB)
        assert model(torch.randint(4, VOCAB, (1, 12))).logits.shape == (1, 12, VOCAB)
    assert sum(p.numel() for p in model.parameters()) == count


def test_sinusoidal_positions_follow_the_formula():
    table = sinusoidal_positions(10, 8)
    assert table[3, 2].item() == pytest.approx(torch.sin(torch.tensor(3 / 10000 ** (2 / 8))).item(), abs=1e-6)
    assert table[3, 3].item() == pytest.approx(torch.cos(torch.tensor(3 / 10000 ** (2 / 8))).item(), abs=1e-6)


def test_identity_init_is_the_irnn():
    model = make("rnn", "next-word", activation="relu", recurrent_init="identity")
    assert torch.equal(model.rnn.weight_hh_l0, torch.eye(24))
    assert model.rnn.bias_hh_l0.abs().sum() == 0


@pytest.mark.parametrize("pooling", ["mean", "max"])
def test_transformer_sentence_vector_is_the_mean_or_max_over_real_words_only(pooling):
    model = make("transformer", "sentiment", pooling=pooling)
    tokens, lengths = batch()
    with torch.no_grad():
        out = model(tokens, lengths, trace=True)
        states = model.norm(out.trace.hidden_states[-1])  # (B, T, E) after the final LayerNorm
    for row, length in enumerate(lengths.tolist()):
        words = states[row, :length]
        expected = words.max(0).values if pooling == "max" else words.mean(0)
        torch.testing.assert_close(out.trace.pooled[row], expected, atol=ATOL, rtol=0)
        torch.testing.assert_close(out.logits[row], model.head(expected), atol=ATOL, rtol=0)


def test_an_unknown_pooling_is_refused():
    with pytest.raises(ValueError, match="pooling"):
        make("transformer", "sentiment", pooling="median")
