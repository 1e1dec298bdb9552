"""Bag of words: the mean of the word vectors and a linear layer, blind to word order."""

from __future__ import annotations

import torch
from torch import nn

from playground.models.common import ModelOutput, SequenceModel, Trace, masked_mean


class BagOfWordsModel(SequenceModel):
    """Classifies the mean embedding; for next-word, reads the mean of the words so far."""

    def __init__(
        self, vocab_size: int, num_outputs: int, task: str, embedding_dim: int = 32, dropout: float = 0.0
    ):
        super().__init__(vocab_size, embedding_dim, num_outputs, task)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(embedding_dim, num_outputs)

    def forward(
        self, tokens: torch.Tensor, lengths: torch.Tensor | None = None, trace: bool = False
    ) -> ModelOutput:
        lengths = self.lengths_or_full(tokens, lengths)
        embeddings = self.embedding(tokens)  # (B, T, E)
        if self.per_step:
            counts = torch.arange(1, tokens.shape[1] + 1, device=tokens.device)[None, :, None]
            means = embeddings.cumsum(1) / counts  # (B, T, E) mean of words 1..t
            record = Trace(embeddings=embeddings, hidden_states=means[None]) if trace else None
            return ModelOutput(self.head(self.dropout(means)), record)
        pooled = masked_mean(embeddings, lengths)  # (B, E)
        record = Trace(embeddings=embeddings, pooled=pooled) if trace else None
        return ModelOutput(self.head(self.dropout(pooled)), record)
