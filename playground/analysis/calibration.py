"""How far a classifier's confidence is from its accuracy, and what it says when it knows no word."""

from __future__ import annotations

import torch

from playground.data.datasets import SequenceSet
from playground.data.tokenizer import Vocabulary, tokenize
from playground.models import SequenceModel

# Inputs with no word of any built-in vocabulary: nonsense, symbols, emoji, another language.
NO_EVIDENCE_INPUTS = (
    "zzz qqq",
    "!!!",
    "😀😀😀",
    "asdf",
    "lorem ipsum dolor sit amet",
    "xyzzy plugh",
    "???",
    "blorft wibble",
    "...",
    "ok",
    "hmm",
    "la comida estaba rica",
)
CALIBRATION_BINS = 10


@torch.no_grad()
def predicted_probabilities(
    model: SequenceModel, dataset: SequenceSet, batch_size: int = 512
) -> torch.Tensor:
    """softmax of the model's logits for every example of a classification set: (N, C)."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    parts = []
    for start in range(0, len(dataset), batch_size):
        index = torch.arange(start, min(start + batch_size, len(dataset)))
        inputs, lengths, _ = dataset.batch(index)
        parts.append(torch.softmax(model(inputs.to(device), lengths.to(device)).logits, -1).cpu())
    model.train(was_training)
    return torch.cat(parts) if parts else torch.zeros(0, 2)


def expected_calibration_error(
    probabilities: torch.Tensor, labels: torch.Tensor, bins: int = CALIBRATION_BINS
) -> float:
    """ECE = sum_b |B_b| / N * |acc(B_b) - conf(B_b)| over equal-width bins of confidence.

    confidence = max_c p(c | x); a model that says 90% and is right 90% of the time scores 0
    (Guo et al., 2017, "On Calibration of Modern Neural Networks").
    """
    if len(labels) == 0:
        return float("nan")
    confidence, predicted = probabilities.max(-1)  # (N,), (N,)
    correct = (predicted == labels).float()
    # Bin b holds confidences in (b/bins, (b+1)/bins]; the lowest possible confidence is 1/C.
    which = ((confidence * bins).ceil().long() - 1).clamp(0, bins - 1)
    error = torch.zeros(())
    for b in range(bins):
        members = which == b
        if members.any():
            gap = (correct[members].mean() - confidence[members].mean()).abs()
            error += members.float().mean() * gap
    return float(error)


def known_words(vocab: Vocabulary, text: str) -> list[str]:
    """The words of `text` the model has an embedding for (punctuation marks are not words)."""
    return [t for t in tokenize(text, vocab.level) if t in vocab and any(c.isalnum() for c in t)]


@torch.no_grad()
def no_evidence_probabilities(
    model: SequenceModel, vocab: Vocabulary, texts: tuple[str, ...] = NO_EVIDENCE_INPUTS
) -> torch.Tensor:
    """The model's class probabilities (N, C) for inputs none of whose words it knows.

    Texts with a known word (for this vocabulary) are skipped; a model that learned that unknown
    words carry no sentiment gives each class about the same probability.
    """
    was_training = model.training
    model.eval()
    rows = [vocab.encode(t) for t in texts if tokenize(t, vocab.level) and not known_words(vocab, t)]
    device = next(model.parameters()).device
    out = [torch.softmax(model(torch.tensor([r], device=device)).logits[0], -1).cpu() for r in rows]
    model.train(was_training)
    return torch.stack(out) if out else torch.zeros(0, 2)
