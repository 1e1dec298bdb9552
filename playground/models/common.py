"""The interface every model shares: tokens in, logits and (optionally) real intermediates out."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from playground.data.tokenizer import PAD_ID


@dataclass
class Trace:
    """Intermediates of one forward pass, computed step by step with the model's own weights.

    Shapes use B batch, T steps, L layers, E embedding, H hidden units, N heads, D head size.
    """

    embeddings: torch.Tensor  # (B, T, E) token vectors fed to the model
    hidden_states: torch.Tensor | None = None  # (L, B, T, H) RNN/LSTM h_t, Transformer block outputs
    input_contributions: torch.Tensor | None = None  # (L, B, T, H) W_xh x_t + b_xh
    recurrent_contributions: torch.Tensor | None = None  # (L, B, T, H) W_hh h_{t-1} + b_hh
    pre_activations: torch.Tensor | None = None  # (L, B, T, H) their sum, before tanh/ReLU
    input_gates: torch.Tensor | None = None  # (L, B, T, H) LSTM i_t
    forget_gates: torch.Tensor | None = None  # (L, B, T, H) LSTM f_t
    cell_candidates: torch.Tensor | None = None  # (L, B, T, H) LSTM g_t
    output_gates: torch.Tensor | None = None  # (L, B, T, H) LSTM o_t
    cell_states: torch.Tensor | None = None  # (L, B, T, H) LSTM c_t
    positions: torch.Tensor | None = None  # (T, E) position vectors added to the embeddings
    position_bias: torch.Tensor | None = None  # (N, T, T) relative positions' b_h(j - i), every layer
    attention_inputs: torch.Tensor | None = None  # (L, B, T, E) LayerNorm of each block's input
    queries: torch.Tensor | None = None  # (L, B, N, T, D)
    keys: torch.Tensor | None = None  # (L, B, N, T, D)
    values: torch.Tensor | None = None  # (L, B, N, T, D)
    attention_scores: torch.Tensor | None = None  # (L, B, N, T, T) scaled, masked Q K^T
    attention_weights: torch.Tensor | None = None  # (L, B, N, T, T) softmax of the scores
    pooled: torch.Tensor | None = None  # (B, H) the sentence vector a classifier reads
    # The top layer's h_t as the very tensors the recurrence used (T of (B, H)): autograd through
    # these gives dL/dh_t along every path, which the stacked copy above cannot.
    step_hidden: list[torch.Tensor] | None = None


@dataclass
class ModelOutput:
    """Logits (B, T, V) for next-word or (B, C) for classification, and the trace if asked for."""

    logits: torch.Tensor
    trace: Trace | None = None


class SequenceModel(nn.Module):
    """Base class: embedding, body, head; per-step logits for next-word, pooled for classification."""

    def __init__(self, vocab_size: int, embedding_dim: int, num_outputs: int, task: str):
        super().__init__()
        self.task = task
        self.num_outputs = num_outputs
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=PAD_ID)
        # Small random vectors (as in GPT-2): what training adds then dominates what it started
        # from, so word classes show up in the embedding space (tests/test_embeddings.py).
        with torch.no_grad():
            nn.init.normal_(self.embedding.weight, std=0.02)
            self.embedding.weight[PAD_ID].zero_()

    @property
    def per_step(self) -> bool:
        return self.task == "next-word"

    def forward(
        self, tokens: torch.Tensor, lengths: torch.Tensor | None = None, trace: bool = False
    ) -> ModelOutput:
        raise NotImplementedError

    @staticmethod
    def lengths_or_full(tokens: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        if lengths is None:
            return torch.full((tokens.shape[0],), tokens.shape[1], dtype=torch.long, device=tokens.device)
        return lengths.to(tokens.device)


def last_valid(states: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """The state at each sequence's last real step: (B, T, H) -> (B, H)."""
    index = (lengths - 1).clamp(min=0)
    return states[torch.arange(states.shape[0], device=states.device), index]


def valid_mask(lengths: torch.Tensor, width: int) -> torch.Tensor:
    """True where a position holds a real token: (B,) -> (B, T)."""
    return torch.arange(width, device=lengths.device)[None, :] < lengths[:, None]


def masked_mean(states: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Mean over each sequence's real steps: (B, T, H) -> (B, H)."""
    mask = valid_mask(lengths, states.shape[1]).unsqueeze(-1).to(states.dtype)  # (B, T, 1)
    return (states * mask).sum(1) / mask.sum(1).clamp(min=1)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
