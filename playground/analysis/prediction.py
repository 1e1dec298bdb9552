"""Using a trained run: next-word distributions, generation, and sentiment word by word."""

from __future__ import annotations

import pandas as pd
import torch

from playground.data.tokenizer import BOS_ID, EOS_ID, PAD_ID, SPECIAL_TOKENS, join_tokens, tokenize
from playground.run import Run
from playground.text import token_label

MAX_INPUT_TOKENS = 200


def input_limit(run: Run) -> int:
    """How many tokens the model reads at once: a Transformer has max_length positions; a recurrent
    model or a bag of words reads any length (up to MAX_INPUT_TOKENS here)."""
    if run.config.model.arch == "transformer":
        return min(run.config.data.max_length, MAX_INPUT_TOKENS)
    return MAX_INPUT_TOKENS


def tokens_read(run: Run, from_start: bool) -> int:
    """How many of the typed tokens the model reads: its limit, less the position <bos> takes in front
    of a next-word prefix (it read one there in every training sentence)."""
    return input_limit(run) - (1 if run.reads_bos and not from_start else 0)


def unread_tokens(run: Run, text: str, from_start: bool) -> list[str]:
    """The tokens of `text` the model does not read: past its limit, or (for next-word, which reads
    the end) before it."""
    tokens = tokenize(text, run.vocab.level)
    limit = tokens_read(run, from_start)
    if len(tokens) <= limit:
        return []
    return tokens[limit:] if from_start else tokens[:-limit]


def context_ids(run: Run, text: str) -> list[int]:
    """<bos> (if the model reads one) and the indices of the last tokens of `text` it can read after it."""
    ids = run.vocab.encode_tokens(tokenize(text, run.vocab.level)[-tokens_read(run, from_start=False) :])
    if run.reads_bos:
        return [BOS_ID] + ids
    return ids or [EOS_ID]  # nothing typed: a stream model still needs one input to predict from


@torch.no_grad()
def next_word_probabilities(run: Run, text: str) -> torch.Tensor:
    """The model's probability (V,) for each vocabulary entry to come after `text`."""
    run.model.eval()
    tokens = torch.tensor([context_ids(run, text)])  # (1, T)
    logits = run.model(tokens).logits[0, -1]  # (V,)
    return torch.softmax(logits, dim=-1)


def top_next_words(run: Run, text: str, k: int = 10) -> pd.DataFrame:
    """The k likeliest next tokens after `text` (spaces and line breaks drawn as ␣ and ↵), likeliest first."""
    probabilities = next_word_probabilities(run, text)
    probabilities[PAD_ID] = 0.0  # never a real prediction
    values, indices = probabilities.topk(min(k, len(probabilities)))
    words = [token_label(t) for t in run.vocab.decode(indices.tolist())]
    return pd.DataFrame({"word": words, "probability": values.tolist()})


@torch.no_grad()
def generate(
    run: Run, prefix: str, max_tokens: int = 20, temperature: float = 1.0, top_k: int = 10, seed: int = 0
) -> str:
    """Continue `prefix` by sampling from the model, stopping at the end of the sentence."""
    run.model.eval()
    generator = torch.Generator().manual_seed(seed)
    ids = context_ids(run, prefix)
    new_tokens: list[str] = []
    for _ in range(max_tokens):
        tokens = torch.tensor([ids[-input_limit(run) :]])  # (1, T)
        logits = run.model(tokens).logits[0, -1] / max(temperature, 1e-3)  # (V,)
        logits[PAD_ID] = float("-inf")
        if top_k and top_k < logits.numel():
            threshold = logits.topk(top_k).values[-1]
            logits[logits < threshold] = float("-inf")
        choice = int(torch.multinomial(torch.softmax(logits, -1), 1, generator=generator))
        if choice == EOS_ID:
            break
        ids.append(choice)
        token = run.vocab.tokens[choice]
        if token not in SPECIAL_TOKENS:
            new_tokens.append(token)
    return join_tokens(new_tokens, run.vocab.level)


@torch.no_grad()
def class_probabilities(run: Run, text: str) -> pd.Series:
    """The model's probability of each class for `text`."""
    trajectory = sentiment_trajectory(run, text)
    if trajectory.empty:
        return pd.Series(1 / len(run.class_names), index=run.class_names)
    return trajectory.iloc[-1][run.class_names].astype(float)


@torch.no_grad()
def sentiment_trajectory(run: Run, text: str) -> pd.DataFrame:
    """The prediction after each word: one row per word, a probability column per class.

    Each row is the model's output for the sentence cut after that word, computed in one batch.
    """
    run.model.eval()
    words = tokenize(text, run.vocab.level)[: input_limit(run)]
    if not words:
        return pd.DataFrame(columns=["position", "word", "known", *run.class_names])
    ids = run.vocab.encode_tokens(words)
    steps = len(ids)
    tokens = torch.tensor(ids).expand(steps, steps).clone()  # (T, T): row t is the prefix of t+1 words
    lengths = torch.arange(1, steps + 1)
    tokens[torch.arange(steps)[None, :] >= lengths[:, None]] = PAD_ID
    probabilities = torch.softmax(run.model(tokens, lengths).logits, -1)  # (T, C)
    frame = pd.DataFrame(probabilities.numpy(), columns=run.class_names)
    frame.insert(0, "known", [w in run.vocab for w in words])
    frame.insert(0, "word", words)
    frame.insert(0, "position", range(1, steps + 1))
    return frame


@torch.no_grad()
def classify_texts(run: Run, texts: list[str]) -> torch.Tensor:
    """The model's class probabilities (N, C) for each text, read whole as on the Predict page."""
    run.model.eval()
    rows = [run.vocab.encode(t)[: run.config.data.max_length] or [PAD_ID] for t in texts]
    width = max(len(r) for r in rows)
    tokens = torch.tensor([r + [PAD_ID] * (width - len(r)) for r in rows])  # (N, T)
    lengths = torch.tensor([len(r) for r in rows])
    return torch.softmax(run.model(tokens, lengths).logits, -1)


def read_labelled_texts(path: str) -> tuple[list[str], list[int]]:
    """Sentences and labels from a file of 'label<TAB>sentence' lines ('#' starts a comment line)."""
    texts, labels = [], []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.strip() and not line.startswith("#"):
                label, text = line.rstrip("\n").split("\t", 1)
                texts.append(text)
                labels.append(int(label))
    return texts, labels


def verdict_text(run: Run, text: str) -> str:
    """What the model says of `text` in a few words: its likeliest next token or class, and how likely."""
    if run.task == "next-word":
        probabilities = next_word_probabilities(run, text)
        best = int(probabilities.argmax())
        return f"next: “{run.vocab.tokens[best]}” ({float(probabilities[best]):.0%})"
    p = class_probabilities(run, text)
    return f"{p.idxmax()} ({p.max():.0%})"
