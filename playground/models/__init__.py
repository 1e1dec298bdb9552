"""Models with one call shape: model(tokens, lengths=None, trace=False) -> ModelOutput."""

from __future__ import annotations

from playground.config import ModelConfig
from playground.models.bow import BagOfWordsModel
from playground.models.common import ModelOutput, SequenceModel, Trace, count_parameters
from playground.models.lstm import LSTMModel
from playground.models.rnn import RNNModel
from playground.models.transformer import TransformerModel, attention

__all__ = ["ModelOutput", "SequenceModel", "Trace", "attention", "build_model", "count_parameters"]


def build_model(
    config: ModelConfig, vocab_size: int, num_outputs: int, task: str, max_length: int
) -> SequenceModel:
    """The model a config describes, with `num_outputs` logits per step or per sentence."""
    common = dict(
        vocab_size=vocab_size, num_outputs=num_outputs, task=task, embedding_dim=config.embedding_dim
    )
    if config.arch == "rnn":
        return RNNModel(
            **common,
            hidden_dim=config.hidden_dim,
            num_layers=config.num_layers,
            dropout=config.dropout,
            activation=config.activation,
            recurrent_init=config.recurrent_init,
        )
    if config.arch == "lstm":
        return LSTMModel(
            **common, hidden_dim=config.hidden_dim, num_layers=config.num_layers, dropout=config.dropout
        )
    if config.arch == "transformer":
        return TransformerModel(
            **common,
            hidden_dim=config.hidden_dim,
            num_layers=config.num_layers,
            num_heads=config.num_heads,
            dropout=config.dropout,
            max_length=max_length,
            positional=config.positional,
            pooling=config.pooling,
        )
    if config.arch == "bow":
        return BagOfWordsModel(**common, dropout=config.dropout)
    raise ValueError(f"unknown architecture {config.arch!r}")
