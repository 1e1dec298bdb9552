"""Self-attention step by step: positions, queries, keys, values, scores, weights and outputs."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from playground.analysis.recurrence import step_inputs
from playground.data.language import ANIMALS, NEAR_WORDS, PEOPLE, generate_language
from playground.data.tokenizer import BOS_ID
from playground.models.common import Trace
from playground.run import Run

NOUNS = {w for pair in ANIMALS + PEOPLE for w in pair}


@dataclass
class AttentionView:
    """One sentence through a Transformer run: step labels, ids and its trace."""

    steps: list[str]
    ids: list[int]
    trace: Trace
    truncated: bool
    causal: bool

    @property
    def num_layers(self) -> int:
        return self.trace.attention_weights.shape[0]

    @property
    def num_heads(self) -> int:
        return self.trace.attention_weights.shape[2]


def is_transformer(run: Run) -> bool:
    return run.config.model.arch == "transformer"


@torch.no_grad()
def trace_attention(run: Run, text: str) -> AttentionView:
    """Run `text` through the Transformer's traced path (at most as many tokens as it has positions)."""
    if not is_transformer(run):
        raise ValueError("only Transformer runs have attention to look at")
    max_words = run.model.max_length - (1 if run.reads_bos else 0)  # <bos> takes a position
    tokens, ids, truncated = step_inputs(run, text, max_words)
    if not ids or ids == [BOS_ID]:
        raise ValueError("type at least one word")
    run.model.eval()
    trace = run.model(torch.tensor([ids]), trace=True).trace
    trace.positions = trace.positions.detach()  # learned positions are a slice of a parameter
    if trace.position_bias is not None:
        trace.position_bias = trace.position_bias.detach()
    return AttentionView(tokens, ids, trace, truncated, run.task == "next-word")


@dataclass
class AttentionSteps:
    """The steps of one head: Q K^T, scaled, plus the position bias (if any), masked, softmax; the output."""

    inputs: np.ndarray  # (T, E) LayerNorm of the block's input: what W_q, W_k and W_v multiply
    queries: np.ndarray  # (T, D)
    keys: np.ndarray
    values: np.ndarray
    raw_scores: np.ndarray  # (T, T) Q K^T
    scaled_scores: np.ndarray  # Q K^T / sqrt(d_k)
    position_bias: np.ndarray  # (T, T) b_h(j - i) of a relative-position run; zeros otherwise
    masked_scores: np.ndarray  # scaled + bias, -inf where a query may not look
    weights: np.ndarray  # softmax of the masked scores; rows sum to 1
    unscaled_weights: np.ndarray  # softmax without the scaling, to show saturation
    output: np.ndarray  # (T, D) weights @ values
    mask: np.ndarray  # (T, T) True where allowed


def attention_steps(view: AttentionView, layer: int, head: int) -> AttentionSteps:
    """Recompute one head's attention from its Q, K, V, keeping every intermediate."""
    q = view.trace.queries[layer, 0, head]  # (T, D)
    k = view.trace.keys[layer, 0, head]
    v = view.trace.values[layer, 0, head]
    steps = q.shape[0]
    mask = torch.ones(steps, steps, dtype=torch.bool)
    if view.causal:
        mask = mask.tril()
    raw = q @ k.T  # pairwise similarity
    scaled = raw / math.sqrt(q.shape[-1])
    bias = torch.zeros(steps, steps)
    if view.trace.position_bias is not None:
        bias = view.trace.position_bias[head]  # (T, T) b_h(j - i), the same in every layer
    masked = (scaled + bias).masked_fill(~mask, float("-inf"))
    weights = torch.softmax(masked, dim=-1)
    unscaled = torch.softmax((raw + bias).masked_fill(~mask, float("-inf")), dim=-1)
    inputs = view.trace.attention_inputs[layer, 0]  # (T, E)
    return AttentionSteps(
        inputs.numpy(),
        q.numpy(),
        k.numpy(),
        v.numpy(),
        raw.numpy(),
        scaled.numpy(),
        bias.numpy(),
        masked.numpy(),
        weights.numpy(),
        unscaled.numpy(),
        (weights @ v).numpy(),
        mask.numpy(),
    )


def row_entropy(weights: np.ndarray) -> np.ndarray:
    """Entropy (bits) of each row of an attention matrix: 0 = all on one word, high = spread out."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(weights > 0, -weights * np.log2(weights), 0.0)
    return terms.sum(-1)


def agreement_sentences(count: int = 300, seed: int = 7) -> list[tuple[str, int]]:
    """Toy-language prefixes that end just before a verb, with a distractor noun between the
    subject and the verb ("the dogs near the cat"), and the position of the subject noun.

    Positions count <bos> as 0, as the next-word model reads them.
    """
    found = []
    for sentence in generate_language(count * 20, seed):
        if sentence.distractors == 0:
            continue
        words = sentence.text.split()
        near = next(i for i, w in enumerate(words) if w in NEAR_WORDS)
        subject = next(i for i in range(near) if words[i] in NOUNS)
        prefix_end = next(i for i in range(near + 1, len(words)) if words[i] in NOUNS)
        found.append((" ".join(words[: prefix_end + 1]), subject + 1))
        if len(found) == count:
            break
    return found


@torch.no_grad()
def subject_attention(run: Run, count: int = 300) -> pd.DataFrame:
    """For every head: the fraction of agreement prefixes in which the last word's attention
    peaks on the subject noun (the word the next verb must agree with)."""
    sentences = agreement_sentences(count)
    hits = None
    for text, subject in sentences:
        view = trace_attention(run, text)
        last = view.trace.attention_weights[:, 0, :, -1, :]  # (L, N, T) the last query's weights
        peak = (last.argmax(-1) == subject).numpy()  # (L, N)
        hits = peak.astype(int) if hits is None else hits + peak
    rows = [
        {"layer": layer + 1, "head": head + 1, "fraction": hits[layer, head] / len(sentences)}
        for layer in range(hits.shape[0])
        for head in range(hits.shape[1])
    ]
    return pd.DataFrame(rows).sort_values("fraction", ascending=False, ignore_index=True)
