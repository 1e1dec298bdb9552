"""LSTM: gates that forget, store, update and output a cell state."""

from __future__ import annotations

import torch
from torch import nn

from playground.models.common import Trace
from playground.models.rnn import RecurrentModel


class LSTMModel(RecurrentModel):
    """A stacked LSTM; nn.LSTM for speed, an explicit loop over steps for the gates."""

    def __init__(
        self,
        vocab_size: int,
        num_outputs: int,
        task: str,
        embedding_dim: int = 32,
        hidden_dim: int = 64,
        num_layers: int = 1,
        dropout: float = 0.0,
    ):
        super().__init__(vocab_size, embedding_dim, num_outputs, task)
        self.lstm = nn.LSTM(
            embedding_dim,
            hidden_dim,
            num_layers,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_dim, num_outputs)

    @property
    def layer(self) -> nn.RNNBase:
        return self.lstm

    def unrolled(self, embeddings: torch.Tensor) -> Trace:
        """The LSTM one step at a time with nn.LSTM's own weights, keeping every gate."""
        batch, steps, _ = embeddings.shape
        size = self.lstm.hidden_size
        layer_input = embeddings
        records: dict[str, list[torch.Tensor]] = {k: [] for k in ("h", "c", "i", "f", "g", "o")}
        for layer in range(self.lstm.num_layers):
            w_ih, w_hh, b_ih, b_hh = (
                getattr(self.lstm, f"{name}_l{layer}")
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
            )
            h = embeddings.new_zeros(batch, size)
            c = embeddings.new_zeros(batch, size)
            x_part = layer_input @ w_ih.T + b_ih  # (B, T, 4H), gates in PyTorch's order i, f, g, o
            steps_out: dict[str, list[torch.Tensor]] = {k: [] for k in records}
            for t in range(steps):
                gates = x_part[:, t] + h @ w_hh.T + b_hh  # (B, 4H)
                i, f, g, o = gates.split(size, dim=1)
                i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
                c = f * c + i * g  # c_t = f_t * c_{t-1} + i_t * g_t
                h = o * torch.tanh(c)  # h_t = o_t * tanh(c_t)
                for key, value in zip("hcifgo", (h, c, i, f, g, o), strict=True):
                    steps_out[key].append(value)
            for key in records:
                records[key].append(torch.stack(steps_out[key], 1))  # (B, T, H)
            layer_input = nn.functional.dropout(records["h"][-1], self.lstm.dropout, self.training)
        stacked = {key: torch.stack(value) for key, value in records.items()}  # (L, B, T, H)
        return Trace(
            embeddings=embeddings,
            hidden_states=stacked["h"],
            cell_states=stacked["c"],
            input_gates=stacked["i"],
            forget_gates=stacked["f"],
            cell_candidates=stacked["g"],
            output_gates=stacked["o"],
            step_hidden=steps_out["h"],
        )
