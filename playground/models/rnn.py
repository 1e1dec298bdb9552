"""Elman RNN: h_t = act(W_hh h_{t-1} + W_xh x_t + b), y_t = W_hy h_t."""

from __future__ import annotations

import torch
from torch import nn

from playground.models.common import ModelOutput, SequenceModel, Trace, last_valid


class RecurrentModel(SequenceModel):
    """Shared forward pass of the RNN and the LSTM: PyTorch's layer, or the model's own loop."""

    dropout: nn.Dropout
    head: nn.Linear

    @property
    def layer(self) -> nn.RNNBase:
        raise NotImplementedError

    def unrolled(self, embeddings: torch.Tensor) -> Trace:
        raise NotImplementedError

    def forward(
        self, tokens: torch.Tensor, lengths: torch.Tensor | None = None, trace: bool = False
    ) -> ModelOutput:
        lengths = self.lengths_or_full(tokens, lengths)
        embeddings = self.embedding(tokens)  # (B, T, E)
        if trace:
            record = self.unrolled(self.dropout(embeddings))
            states = record.hidden_states[-1]  # (B, T, H)
        else:
            record = None
            states, _ = self.layer(self.dropout(embeddings))  # (B, T, H)
        return ModelOutput(head_logits(self, states, lengths, record), record)


class RNNModel(RecurrentModel):
    """A stacked Elman RNN; nn.RNN for speed, an explicit loop over steps for the trace."""

    def __init__(
        self,
        vocab_size: int,
        num_outputs: int,
        task: str,
        embedding_dim: int = 32,
        hidden_dim: int = 64,
        num_layers: int = 1,
        dropout: float = 0.0,
        activation: str = "tanh",
        recurrent_init: str = "default",
    ):
        super().__init__(vocab_size, embedding_dim, num_outputs, task)
        self.activation = activation
        self.rnn = nn.RNN(
            embedding_dim,
            hidden_dim,
            num_layers,
            nonlinearity=activation,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_dim, num_outputs)  # W_hy
        init_recurrent(self.rnn, recurrent_init)

    @property
    def layer(self) -> nn.RNNBase:
        return self.rnn

    def unrolled(self, embeddings: torch.Tensor) -> Trace:
        """The recurrence one step at a time with nn.RNN's own weights, keeping every term."""
        act = torch.tanh if self.activation == "tanh" else torch.relu
        batch, steps, _ = embeddings.shape
        layer_input = embeddings  # (B, T, E) then (B, T, H)
        hidden, x_parts, h_parts, pre = [], [], [], []
        for layer in range(self.rnn.num_layers):
            w_ih, w_hh, b_ih, b_hh = (
                getattr(self.rnn, f"{name}_l{layer}")
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
            )
            h = embeddings.new_zeros(batch, self.rnn.hidden_size)  # h_0 = 0
            x_contribution = layer_input @ w_ih.T + b_ih  # (B, T, H) W_xh x_t + b_xh, all steps
            layer_h, layer_rec = [], []
            for t in range(steps):
                recurrent = h @ w_hh.T + b_hh  # (B, H) W_hh h_{t-1} + b_hh
                h = act(x_contribution[:, t] + recurrent)  # h_t
                layer_h.append(h)
                layer_rec.append(recurrent)
            layer_states = torch.stack(layer_h, 1)  # (B, T, H)
            recurrent_all = torch.stack(layer_rec, 1)
            hidden.append(layer_states)
            x_parts.append(x_contribution)
            h_parts.append(recurrent_all)
            pre.append(x_contribution + recurrent_all)
            layer_input = self.rnn_dropout(layer_states)
        return Trace(
            embeddings=embeddings,
            hidden_states=torch.stack(hidden),
            input_contributions=torch.stack(x_parts),
            recurrent_contributions=torch.stack(h_parts),
            pre_activations=torch.stack(pre),
            step_hidden=layer_h,
        )

    def rnn_dropout(self, states: torch.Tensor) -> torch.Tensor:
        """The dropout nn.RNN applies between layers (only while training)."""
        return nn.functional.dropout(states, self.rnn.dropout, self.training)


def head_logits(
    model: SequenceModel, states: torch.Tensor, lengths: torch.Tensor, record: Trace | None
) -> torch.Tensor:
    """Per-step logits for next-word, or logits of the last real step for classification."""
    if model.per_step:
        return model.head(model.dropout(states))  # (B, T, V)
    pooled = last_valid(states, lengths)  # (B, H)
    if record is not None:
        record.pooled = pooled
    return model.head(model.dropout(pooled))  # (B, C)


def init_recurrent(rnn: nn.RNNBase, scheme: str) -> None:
    """Initialise W_hh: PyTorch's default, orthogonal, or identity with zero biases (IRNN)."""
    if scheme == "default":
        return
    for layer in range(rnn.num_layers):
        w_hh = getattr(rnn, f"weight_hh_l{layer}")
        with torch.no_grad():
            if scheme == "orthogonal":
                nn.init.orthogonal_(w_hh)
            elif scheme == "identity":
                w_hh.copy_(torch.eye(w_hh.shape[0], w_hh.shape[1]))
                getattr(rnn, f"bias_hh_l{layer}").zero_()
                getattr(rnn, f"bias_ih_l{layer}").zero_()
                nn.init.normal_(getattr(rnn, f"weight_ih_l{layer}"), std=0.01)
            else:
                raise ValueError(f"unknown initialisation {scheme!r}")
