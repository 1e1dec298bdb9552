"""From words to vectors: one-hot codes, learned embeddings, similarities and projections."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch.nn import functional as F

from playground.data.language import word_class
from playground.data.sentiment import sentiment_word_class
from playground.data.tokenizer import SPECIAL_TOKENS, tokenize
from playground.run import Run
from playground.text import token_label

MAX_SENTENCE_TOKENS = 40


@dataclass
class EncodedSentence:
    """A sentence as tokens, vocabulary indices, one-hot rows (T, V) and embeddings (T, E)."""

    tokens: list[str]
    ids: list[int]
    known: list[bool]
    one_hot: np.ndarray
    embeddings: np.ndarray


def encode_sentence(run: Run, text: str) -> EncodedSentence:
    """The same sentence in each of the codes a network could read, from the run's vocabulary."""
    tokens = tokenize(text, run.vocab.level)[:MAX_SENTENCE_TOKENS]
    ids = run.vocab.encode_tokens(tokens)
    index = torch.tensor(ids, dtype=torch.long)
    one_hot = F.one_hot(index, len(run.vocab)).numpy().astype(np.uint8)  # (T, V), also for T = 0
    with torch.no_grad():
        embeddings = run.model.embedding.weight[index].numpy().copy()  # (T, E)
    labels = [token_label(t) for t in tokens]  # spaces and line breaks drawn as ␣ and ↵
    return EncodedSentence(labels, ids, [t in run.vocab for t in tokens], one_hot, embeddings)


def cosine_similarities(vectors: np.ndarray) -> np.ndarray:
    """Pairwise cosine similarity of the rows of `vectors`: (N, D) -> (N, N); zero rows give 0."""
    x = torch.as_tensor(np.asarray(vectors, dtype=np.float32))
    return F.cosine_similarity(x[:, None, :], x[None, :, :], dim=-1, eps=1e-12).numpy()


def euclidean_distances(vectors: np.ndarray) -> np.ndarray:
    """Pairwise Euclidean distance of the rows of `vectors`: (N, D) -> (N, N)."""
    x = torch.as_tensor(np.asarray(vectors, dtype=np.float32))
    return torch.cdist(x, x).numpy()


def vocabulary_words(run: Run, limit: int | None = None) -> list[tuple[int, str]]:
    """(index, token) of the vocabulary without special tokens, most frequent first."""
    words = [(i, t) for i, t in enumerate(run.vocab.tokens) if t not in SPECIAL_TOKENS]
    return words[:limit] if limit else words


def word_classes(run: Run, words: list[str]) -> list[str]:
    """A colour group per word: its class in the built-in corpora, else a frequency band."""
    if run.config.data.source == "built-in" and run.vocab.level == "word":
        classify = word_class if run.task == "next-word" else sentiment_word_class
        return [classify(w) for w in words]
    counts = [run.vocab.counts.get(w, 0) for w in words]
    if not counts:
        return []
    ranks = pd.Series(counts).rank(ascending=False, method="first")
    n = len(counts)
    return [frequency_band(r / n) for r in ranks]


def frequency_band(rank_fraction: float) -> str:
    if rank_fraction <= 0.1:
        return "top 10% most frequent"
    if rank_fraction <= 0.5:
        return "next 40%"
    return "least frequent 50%"


def perplexity_for(n_points: int) -> float:
    """A t-SNE perplexity that suits `n_points` (it must stay below the number of points)."""
    return float(min(30.0, max(1.0, (n_points - 1) / 3)))


def project(matrix: np.ndarray, method: str = "pca", dims: int = 2, seed: int = 0) -> np.ndarray:
    """Coordinates (N, dims) of the rows of `matrix` by PCA or t-SNE; padded with zeros if N is tiny."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    matrix = np.asarray(matrix, dtype=np.float32)
    n, features = matrix.shape
    out = np.zeros((n, dims), dtype=np.float32)
    usable = min(dims, n, features)
    if n < 2 or usable < 1:
        return out
    if method == "tsne" and n >= 4:
        tsne = TSNE(
            min(dims, 3),
            perplexity=perplexity_for(n),
            init="pca",
            random_state=seed,
            max_iter=500,
            metric="cosine",
        )
        out[:, :dims] = tsne.fit_transform(matrix)[:, :dims]
    else:
        out[:, :usable] = PCA(usable, random_state=seed).fit_transform(matrix)
    return out


def embedding_rows(run: Run, words: list[tuple[int, str]], weights: np.ndarray | None = None) -> np.ndarray:
    """The embedding vectors (N, E) of `words`, from the trained model or from given weights."""
    matrix = run.model.embedding.weight.detach().numpy() if weights is None else np.asarray(weights)
    return matrix[[i for i, _ in words]]


def describe_words(run: Run, words: list[tuple[int, str]], coordinates: np.ndarray) -> pd.DataFrame:
    """One row per word: index, word, class, count and its coordinates x, y (and z)."""
    tokens = [t for _, t in words]
    frame = pd.DataFrame(
        {
            "index": [i for i, _ in words],
            "word": [token_label(t) for t in tokens],
            "class": word_classes(run, tokens),
            "count": [run.vocab.counts.get(t, 0) for t in tokens],
        }
    )
    for d in range(coordinates.shape[1]):
        frame["xyz"[d]] = coordinates[:, d]
    return frame


def projection_frame(
    run: Run, method: str = "pca", dims: int = 2, limit: int | None = None, seed: int = 0
) -> pd.DataFrame:
    """The vocabulary's most frequent words projected to `dims` dimensions, described."""
    words = vocabulary_words(run, limit)
    return describe_words(run, words, project(embedding_rows(run, words), method, dims, seed))


def nearest_neighbours(run: Run, word: str, k: int = 10, weights: np.ndarray | None = None) -> pd.DataFrame:
    """The k words whose embeddings have the highest cosine similarity to `word`'s, in the full space."""
    if word not in run.vocab:
        raise KeyError(f"“{word}” is not in this model's vocabulary")
    matrix = torch.as_tensor(run.model.embedding.weight.detach().numpy() if weights is None else weights)
    target = matrix[run.vocab.index[word]]
    similarity = F.cosine_similarity(matrix, target[None, :], dim=-1, eps=1e-12)  # (V,)
    for special in SPECIAL_TOKENS:
        similarity[run.vocab.index[special]] = float("-inf")
    similarity[run.vocab.index[word]] = float("-inf")
    k = min(k, len(run.vocab) - len(SPECIAL_TOKENS) - 1)
    values, indices = similarity.topk(max(k, 0))
    neighbours = [token_label(t) for t in run.vocab.decode(indices.tolist())]
    return pd.DataFrame(
        {"rank": range(1, len(values) + 1), "word": neighbours, "cosine similarity": values.tolist()}
    )


def snapshot_frames(run: Run, limit: int | None = None) -> pd.DataFrame:
    """Every embedding snapshot projected by one PCA fitted on all of them, so frames share axes.

    Each snapshot is first scaled to unit root-mean-square length: training grows the vectors
    from a tiny start, and without the scaling the first frames would be a dot. Scaling keeps
    every cosine similarity, so the shapes shown are the real ones.
    """
    from sklearn.decomposition import PCA

    words = vocabulary_words(run, limit)
    index = [i for i, _ in words]
    tokens = [t for _, t in words]
    blocks = [s.weights.numpy()[index] for s in run.snapshots]
    blocks = [b / max(float(np.sqrt((b**2).sum(1).mean())), 1e-12) for b in blocks]
    stacked = np.concatenate(blocks)  # (S*N, E)
    dims = min(2, stacked.shape[1], stacked.shape[0])
    coordinates = np.zeros((stacked.shape[0], 2), dtype=np.float32)
    if stacked.shape[0] >= 2:
        coordinates[:, :dims] = PCA(dims, random_state=0).fit_transform(stacked)
    classes = word_classes(run, tokens)
    frames = []
    for s, snapshot in enumerate(run.snapshots):
        block = coordinates[s * len(tokens) : (s + 1) * len(tokens)]
        frames.append(
            pd.DataFrame(
                {
                    "epoch": snapshot.epoch,
                    "step": snapshot.step,
                    "word": [token_label(t) for t in tokens],
                    "class": classes,
                    "x": block[:, 0],
                    "y": block[:, 1],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def class_cohesion(weights: np.ndarray, classes: list[str]) -> dict[str, float]:
    """Mean cosine between words of the same class and of different classes ('other' left out)."""
    keep = [i for i, c in enumerate(classes) if c != "other"]
    similarity = cosine_similarities(np.asarray(weights)[keep])
    labels = np.array([classes[i] for i in keep])
    same = labels[:, None] == labels[None, :]
    off_diagonal = ~np.eye(len(keep), dtype=bool)
    within = float(similarity[same & off_diagonal].mean())
    between = float(similarity[~same].mean())
    return {"within": within, "between": between, "margin": within - between}


def aligned(reference: np.ndarray, other: np.ndarray) -> np.ndarray:
    """`other` rotated (and reflected) to best match `reference` (orthogonal Procrustes)."""
    u, _, vt = np.linalg.svd(other.T @ reference)
    return other @ (u @ vt)


def shared_vocabulary(
    run: Run, other: Run, words: list[tuple[int, str]]
) -> tuple[list[tuple[int, str]], np.ndarray]:
    """The words of `words` (indices in `run`) that `other` also knows, and their rows in `other`."""
    shared = [(i, t) for i, t in words if t in other.vocab]
    return shared, embedding_rows(other, [(other.vocab.index[t], t) for _, t in shared])
