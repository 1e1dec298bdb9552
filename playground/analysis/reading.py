"""The prediction as each word is read: the likeliest outputs after every prefix, for stepping charts."""

from __future__ import annotations

import pandas as pd
import torch

from playground.analysis.prediction import context_ids, sentiment_trajectory
from playground.data.tokenizer import BOS_ID, PAD_ID
from playground.run import Run
from playground.text import token_label


@torch.no_grad()
def next_word_steps(run: Run, text: str, k: int = 5) -> tuple[list[str], list[pd.DataFrame]]:
    """What a next-word model reads (one label per input) and its k likeliest next tokens after each.

    One forward pass: a causal model's output at position t depends on positions ≤ t only, so it is the
    prediction after the prefix ending there (the same as asking with that prefix alone, unless a
    Transformer had to cut the text to its positions).
    """
    run.model.eval()
    ids = context_ids(run, text)
    labels = ["<bos>" if i == BOS_ID else token_label(run.vocab.tokens[i]) for i in ids]
    probabilities = torch.softmax(run.model(torch.tensor([ids])).logits[0], dim=-1)  # (T, V)
    probabilities[:, PAD_ID] = 0.0
    tables = []
    for row in probabilities:
        values, indices = row.topk(min(k, len(row)))
        words = [token_label(t) for t in run.vocab.decode(indices.tolist())]
        tables.append(pd.DataFrame({"output": words, "probability": values.tolist()}))
    return labels, tables


def sentiment_steps(run: Run, text: str) -> tuple[list[str], list[pd.DataFrame]]:
    """The words a classifier reads and its class probabilities after each (from `sentiment_trajectory`)."""
    trajectory = sentiment_trajectory(run, text)
    labels = [
        token_label(w) + ("" if known else " (?)")
        for w, known in zip(trajectory["word"], trajectory["known"], strict=True)
    ]
    tables = [
        pd.DataFrame(
            {"output": run.class_names, "probability": row[run.class_names].astype(float).to_numpy()}
        )
        for _, row in trajectory.iterrows()
    ]
    return labels, tables


def reading_steps(run: Run, text: str, k: int = 5) -> tuple[list[str], list[pd.DataFrame]]:
    """The prediction after each word, for either task; ValueError if there is nothing to read."""
    labels, tables = next_word_steps(run, text, k) if run.task == "next-word" else sentiment_steps(run, text)
    if not tables:
        raise ValueError("type at least one word")
    return labels, tables
