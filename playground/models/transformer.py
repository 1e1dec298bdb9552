"""A small Transformer: token + position, multi-head self-attention, feed-forward, pre-norm."""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from playground.models.common import ModelOutput, SequenceModel, Trace, masked_mean, valid_mask


def attention(
    queries: torch.Tensor,
    keys: torch.Tensor,
    values: torch.Tensor,
    mask: torch.Tensor | None = None,
    scaled: bool = True,
    bias: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """softmax(Q K^T / sqrt(d_k)) V, returning the output, the weights and the masked scores.

    queries, keys, values: (..., T, D); mask: broadcastable to (..., T, T), True where allowed.
    """
    scores = queries @ keys.transpose(-2, -1)  # (..., T, T) pairwise similarity
    if scaled:
        scores = scores / math.sqrt(queries.shape[-1])
    if bias is not None:
        scores = scores + bias  # relative positions: b_h(j - i), added before the softmax
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)  # each row sums to 1
    return weights @ values, weights, scores


def learned_bias_attention(
    queries: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, bias: torch.Tensor
) -> torch.Tensor:
    """softmax(Q K^T / sqrt(d_k) + B) V with a bias B that is learned, as PyTorch's own math kernel does it.

    `scaled_dot_product_attention` takes that kernel whenever its mask needs a gradient, and adds a
    check for rows with no allowed key (there are none here: a word may always look at itself).
    Written out, the same operations in the same order give the same bits, with fewer operations.
    """
    root_scale = math.sqrt(1.0 / math.sqrt(queries.shape[-1]))  # sqrt(1/sqrt(d_k)) on Q and on K
    scores = (queries * root_scale) @ (keys.transpose(-2, -1) * root_scale)
    return torch.softmax(scores + bias, dim=-1) @ values


def sinusoidal_positions(length: int, dim: int) -> torch.Tensor:
    """PE[p, 2i] = sin(p / 10000^(2i/d)), PE[p, 2i+1] = cos(...): (length, dim)."""
    position = torch.arange(length, dtype=torch.float32)[:, None]  # (P, 1)
    frequency = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))
    table = torch.zeros(length, dim)
    table[:, 0::2] = torch.sin(position * frequency)
    table[:, 1::2] = torch.cos(position * frequency[: dim // 2])
    return table


class SelfAttention(nn.Module):
    """Multi-head self-attention with one fused Q, K, V projection."""

    def __init__(self, dim: int, num_heads: int, dropout: float):
        super().__init__()
        self.num_heads = num_heads
        self.qkv = nn.Linear(dim, 3 * dim)  # W_q, W_k, W_v stacked: (3E, E)
        self.proj = nn.Linear(dim, dim)
        self.dropout = dropout

    def split_heads(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        batch, steps, dim = x.shape
        q, k, v = self.qkv(x).split(dim, dim=2)  # each (B, T, E)
        shape = (batch, steps, self.num_heads, dim // self.num_heads)
        return tuple(t.view(shape).transpose(1, 2) for t in (q, k, v))  # (B, N, T, D)

    def forward(
        self,
        x: torch.Tensor,
        mask: torch.Tensor | None,
        causal: bool,
        record: dict | None = None,
        bias: torch.Tensor | None = None,
    ) -> torch.Tensor:
        batch, steps, dim = x.shape
        q, k, v = self.split_heads(x)
        if causal and mask is None and (record is not None or bias is not None):
            mask = torch.ones(steps, steps, dtype=torch.bool, device=x.device).tril()
        if record is None:
            attn_mask = mask
            if bias is not None:  # one float mask: b_h(j - i) where allowed, -inf elsewhere
                attn_mask = bias if mask is None else bias.masked_fill(~mask, float("-inf"))
            if bias is not None and bias.requires_grad and torch.is_grad_enabled() and not self.dropout:
                out = learned_bias_attention(q, k, v, attn_mask)
            else:
                out = F.scaled_dot_product_attention(
                    q,
                    k,
                    v,
                    attn_mask=attn_mask,
                    is_causal=causal and attn_mask is None,
                    dropout_p=self.dropout if self.training else 0.0,
                )
        else:
            out, weights, scores = attention(q, k, v, mask, bias=bias)
            weights = F.dropout(weights, self.dropout, self.training)
            if self.training and self.dropout:
                out = weights @ v
            record.update(queries=q, keys=k, values=v, attention_scores=scores, attention_weights=weights)
        out = out.transpose(1, 2).reshape(batch, steps, dim)  # (B, T, E)
        return self.proj(out)


class Block(nn.Module):
    """x + attention(norm(x)), then x + feed_forward(norm(x))."""

    def __init__(self, dim: int, num_heads: int, ff_dim: int, dropout: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attention = SelfAttention(dim, num_heads, dropout)
        self.norm2 = nn.LayerNorm(dim)
        self.feed_forward = nn.Sequential(nn.Linear(dim, ff_dim), nn.GELU(), nn.Linear(ff_dim, dim))
        self.dropout = nn.Dropout(dropout)

    def forward(
        self,
        x: torch.Tensor,
        mask: torch.Tensor | None,
        causal: bool,
        record: dict | None = None,
        bias: torch.Tensor | None = None,
    ) -> torch.Tensor:
        normed = self.norm1(x)  # pre-norm: Q, K and V are projections of LayerNorm(x), not of x
        if record is not None:
            record["attention_inputs"] = normed
        x = x + self.dropout(self.attention(normed, mask, causal, record, bias))
        return x + self.dropout(self.feed_forward(self.norm2(x)))


POOLINGS = ("mean", "max")
RELATIVE_RANGE = 8  # offsets j - i beyond ±8 words share one bias


def initial_relative_bias(num_heads: int) -> torch.Tensor:
    """b_h(d) = -|d| / (h + 1) for offsets d = -R..R: every head starts local, head 1 the most.

    ALiBi's linear distance penalty (Press et al., 2022) as a starting point; each offset's bias is
    then learned, as in T5's relative attention bias (Raffel et al., 2020), so a head can also learn
    to prefer one side (the words before it, or after).
    """
    offsets = torch.arange(-RELATIVE_RANGE, RELATIVE_RANGE + 1, dtype=torch.float32).abs()
    slopes = 1.0 / torch.arange(1, num_heads + 1, dtype=torch.float32)
    return -slopes[:, None] * offsets[None, :]  # (N, 2R + 1)


class TransformerModel(SequenceModel):
    """Causal for next-word prediction; padding-masked and pooled (mean or max) for classification."""

    def __init__(
        self,
        vocab_size: int,
        num_outputs: int,
        task: str,
        embedding_dim: int = 32,
        hidden_dim: int = 64,
        num_layers: int = 2,
        num_heads: int = 2,
        dropout: float = 0.0,
        max_length: int = 64,
        positional: str = "sinusoidal",
        pooling: str = "mean",
    ):
        super().__init__(vocab_size, embedding_dim, num_outputs, task)
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {', '.join(POOLINGS)}, not {pooling!r}")
        self.max_length = max_length
        self.positional = positional
        self.pooling = pooling
        if positional == "relative":
            self.relative_bias = nn.Parameter(initial_relative_bias(num_heads))
        elif positional == "learned":
            self.position_embedding = nn.Embedding(max_length, embedding_dim)
            nn.init.normal_(self.position_embedding.weight, std=0.02)
        else:
            self.register_buffer(
                "position_table", sinusoidal_positions(max_length, embedding_dim), persistent=False
            )
        self.dropout = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(
            Block(embedding_dim, num_heads, hidden_dim, dropout) for _ in range(num_layers)
        )
        self.norm = nn.LayerNorm(embedding_dim)
        self.head = nn.Linear(embedding_dim, num_outputs)

    def positions(self, steps: int) -> torch.Tensor:
        """The position vectors of steps 0..steps-1: (T, E)."""
        if self.positional == "learned":
            return self.position_embedding.weight[:steps]
        if self.positional == "relative":
            return torch.zeros(steps, self.embedding.embedding_dim, device=self.relative_bias.device)
        return self.position_table[:steps]

    def forward(
        self, tokens: torch.Tensor, lengths: torch.Tensor | None = None, trace: bool = False
    ) -> ModelOutput:
        steps = tokens.shape[1]
        if steps > self.max_length:
            raise ValueError(f"{steps} tokens exceed this Transformer's {self.max_length} positions")
        lengths = self.lengths_or_full(tokens, lengths)
        embeddings = self.embedding(tokens)  # (B, T, E)
        positions = self.positions(steps)  # (T, E)
        x = self.dropout(embeddings + positions)
        causal = self.per_step
        mask = None
        if not causal and bool((lengths < steps).any()):
            mask = valid_mask(lengths, steps)[:, None, None, :]  # (B, 1, 1, T) keys that are words
        bias = self.position_bias(steps) if self.positional == "relative" else None
        records: list[dict] = []
        outputs = []
        for block in self.blocks:
            record = {} if trace else None
            x = block(x, mask, causal, record, bias)
            if trace:
                records.append(record)
                outputs.append(x)
        x = self.norm(x)
        record_out = None
        if trace:
            record_out = Trace(
                embeddings=embeddings,
                positions=positions,
                position_bias=bias,
                hidden_states=torch.stack(outputs),
                **{key: torch.stack([r[key] for r in records]) for key in records[0]},
            )
        if self.per_step:
            return ModelOutput(self.head(x), record_out)  # (B, T, V)
        pooled = self.pool(x, lengths)  # (B, E)
        if record_out is not None:
            record_out.pooled = pooled
        return ModelOutput(self.head(pooled), record_out)  # (B, C)

    def position_bias(self, steps: int) -> torch.Tensor:
        """b_h(j - i) for every query i and key j: (N, T, T), offsets clipped to ±RELATIVE_RANGE."""
        offsets = torch.arange(steps, device=self.relative_bias.device)
        offset = (offsets[None, :] - offsets[:, None]).clamp(-RELATIVE_RANGE, RELATIVE_RANGE)
        return self.relative_bias[:, offset + RELATIVE_RANGE]

    def pool(self, states: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The sentence vector a classifier reads: (B, T, E) -> (B, E).

        mean: each feature averaged over the words; max: each feature's largest value over the
        words, so one decisive word (a negation, the clause after "but") is not averaged away.
        """
        if self.pooling == "max":
            real = valid_mask(lengths, states.shape[1]).unsqueeze(-1)  # (B, T, 1)
            return states.masked_fill(~real, float("-inf")).amax(1)
        return masked_mean(states, lengths)
