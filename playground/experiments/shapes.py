"""The two task shapes the other pages lack: one-to-one (a word in, a class out) and one-to-many.

Many-to-one (sentiment) and many-to-many (next word, translation) are trained elsewhere; these two
complete the lecture's four shapes, each small enough to train in seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import torch
from torch import nn
from torch.nn import functional as F

from playground.data.datasets import pad
from playground.data.sentiment import LABELS, SENTIMENT_WORD_CLASSES, generate_sentiment
from playground.data.tokenizer import BOS_ID, EOS_ID, PAD_ID, SPECIAL_TOKENS, Vocabulary, tokenize

WORD_LABELS = ("negative", "neutral", "positive")
POSITIVE_WORDS = frozenset(SENTIMENT_WORD_CLASSES["positive word"])
NEGATIVE_WORDS = frozenset(SENTIMENT_WORD_CLASSES["negative word"])
FUNCTION_WORDS = ["the", "a", "was", "is", "i", "it", "and", "this", "my", "we", "they", "were"]


def word_polarity_lexicon() -> dict[str, str]:
    """Every word of the sentiment corpus's lexicon with its polarity; the rest are neutral."""
    lexicon = {w: "neutral" for words in SENTIMENT_WORD_CLASSES.values() for w in words}
    lexicon |= {w: "neutral" for w in FUNCTION_WORDS}
    lexicon |= {w: "positive" for w in SENTIMENT_WORD_CLASSES["positive word"]}
    lexicon |= {w: "negative" for w in SENTIMENT_WORD_CLASSES["negative word"]}
    return lexicon


class WordClassifier(nn.Module):
    """One-to-one: a word's one-hot vector through two dense layers to three classes; no sequence."""

    def __init__(self, vocab_size: int, hidden: int = 32):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(vocab_size, hidden), nn.ReLU(), nn.Linear(hidden, len(WORD_LABELS))
        )

    def forward(self, one_hot: torch.Tensor) -> torch.Tensor:
        return self.layers(one_hot)


@dataclass
class OneToOne:
    """A trained word classifier, its words and how well it fits them."""

    model: WordClassifier
    words: list[str]
    accuracy: float


def train_one_to_one(steps: int = 300, seed: int = 0) -> OneToOne:
    """Fit the word classifier to the polarity lexicon (full batch, Adam)."""
    torch.manual_seed(seed)
    lexicon = word_polarity_lexicon()
    words = sorted(lexicon)
    inputs = torch.eye(len(words))
    targets = torch.tensor([WORD_LABELS.index(lexicon[w]) for w in words])
    model = WordClassifier(len(words))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(steps):
        loss = F.cross_entropy(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        accuracy = float((model(inputs).argmax(-1) == targets).float().mean())
    return OneToOne(model, words, accuracy)


@torch.no_grad()
def classify_each_word(trained: OneToOne, text: str) -> pd.DataFrame:
    """The one-to-one model's class for every word of `text`, each read alone."""
    rows = []
    for word in tokenize(text):
        if word not in trained.words:
            rows.append({"word": word, "class": "never seen", **{label: None for label in WORD_LABELS}})
            continue
        one_hot = F.one_hot(torch.tensor(trained.words.index(word)), len(trained.words)).float()
        probabilities = torch.softmax(trained.model(one_hot), -1).tolist()
        rows.append(
            {
                "word": word,
                "class": WORD_LABELS[max(range(3), key=probabilities.__getitem__)],
                **dict(zip(WORD_LABELS, probabilities, strict=True)),
            }
        )
    return pd.DataFrame(rows, columns=["word", "class", *WORD_LABELS])


class ConditionedGenerator(nn.Module):
    """One-to-many: a label becomes the LSTM's first hidden state, which then writes a sentence."""

    def __init__(self, num_labels: int, vocab_size: int, embedding: int = 32, hidden: int = 96):
        super().__init__()
        self.label_state = nn.Embedding(num_labels, hidden)
        self.embedding = nn.Embedding(vocab_size, embedding, padding_idx=PAD_ID)
        self.lstm = nn.LSTM(embedding, hidden, batch_first=True)
        self.output = nn.Linear(hidden, vocab_size)

    def forward(self, labels: torch.Tensor, tokens: torch.Tensor, state=None) -> tuple[torch.Tensor, tuple]:
        if state is None:
            h0 = torch.tanh(self.label_state(labels))[None]
            state = (h0, torch.zeros_like(h0))
        outputs, state = self.lstm(self.embedding(tokens), state)
        return self.output(outputs), state


@dataclass
class OneToMany:
    """A trained generator, its vocabulary, and its held-out loss given the right and the wrong label."""

    model: ConditionedGenerator
    vocab: Vocabulary
    loss_with_label: float
    loss_with_other_label: float
    label_agreement: float = math.nan  # share of sampled reviews whose sentiment words all match the label
    samples: int = 0


def _encode(vocab: Vocabulary, texts: list[str]) -> torch.Tensor:
    return pad([[BOS_ID, *vocab.encode_tokens(tokenize(t)), EOS_ID] for t in texts])[0]


def _loss(model: ConditionedGenerator, labels: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    logits, _ = model(labels, tokens[:, :-1])
    return F.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), tokens[:, 1:].reshape(-1), ignore_index=PAD_ID
    )


def train_one_to_many(num_sentences: int = 4000, steps: int = 600, seed: int = 0) -> OneToMany:
    """Teach the generator to write a review of the asked-for sentiment (teacher forcing, Adam)."""
    torch.manual_seed(seed)
    corpus = generate_sentiment(num_sentences, seed)
    # Reviews whose verdict is in their words: with negations and contrasts ("not good", "bad but
    # great") a label that only sets the first state barely showed in what the writer wrote.
    train = [e for e in corpus.train if not e.order_sensitive]
    vocab = Vocabulary.build([e.text for e in train])
    train_tokens = _encode(vocab, [e.text for e in train])
    train_labels = torch.tensor([e.label for e in train])
    model = ConditionedGenerator(len(LABELS), len(vocab))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        rows = torch.randint(0, len(train_tokens), (64,), generator=generator)
        loss = _loss(model, train_labels[rows], train_tokens[rows])
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    held_out = [e for e in corpus.validation if not e.order_sensitive]
    tokens = _encode(vocab, [e.text for e in held_out])
    labels = torch.tensor([e.label for e in held_out])
    model.eval()
    with torch.no_grad():
        right, wrong = float(_loss(model, labels, tokens)), float(_loss(model, 1 - labels, tokens))
    trained = OneToMany(model, vocab, right, wrong)
    trained.label_agreement, trained.samples = label_agreement(trained)
    return trained


def review_polarity(sentence: str) -> str | None:
    """'positive' or 'negative' when a review's sentiment words all lean one way; None if mixed or none."""
    words = set(sentence.split())
    positive = bool(words & POSITIVE_WORDS)
    negative = bool(words & NEGATIVE_WORDS)
    return None if positive == negative else ("positive" if positive else "negative")


def label_agreement(trained: OneToMany, per_label: int = 100, temperature: float = 0.8) -> tuple[float, int]:
    """How often the writer's reviews carry the sentiment it was asked for: the share of `per_label`
    samples per label whose sentiment words all match it, and the number of samples."""
    agree = sum(
        review_polarity(sentence) == label
        for label in LABELS
        for sentence in write_from_label(trained, label, per_label, temperature, seed=1)
    )
    return agree / (per_label * len(LABELS)), per_label * len(LABELS)


@torch.no_grad()
def write_from_label(
    trained: OneToMany,
    label: str,
    count: int = 3,
    temperature: float = 0.8,
    seed: int = 0,
    max_words: int = 25,
) -> list[str]:
    """`count` sentences sampled from the generator given only `label`."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.full((count,), LABELS.index(label))
    tokens = torch.full((count, 1), BOS_ID)
    state, words, done = None, [[] for _ in range(count)], torch.zeros(count, dtype=torch.bool)
    for _ in range(max_words):
        logits, state = trained.model(labels, tokens, state)
        logits = logits[:, -1] / max(temperature, 1e-3)
        logits[:, PAD_ID] = -math.inf
        tokens = torch.multinomial(torch.softmax(logits, -1), 1, generator=generator)
        for i, token in enumerate(tokens[:, 0].tolist()):
            if done[i]:
                continue
            if token == EOS_ID:
                done[i] = True
            elif trained.vocab.tokens[token] not in SPECIAL_TOKENS:
                words[i].append(trained.vocab.tokens[token])
        if done.all():
            break
    return [" ".join(w) for w in words]
