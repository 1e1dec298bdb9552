"""Turning texts into padded index tensors for the two tasks, with baselines to beat."""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field

import torch

from playground.config import DataConfig
from playground.data.language import language_texts
from playground.data.sentiment import LABELS, PERTURBATIONS, SentimentExample, generate_sentiment
from playground.data.tokenizer import BOS_ID, EOS_ID, PAD_ID, UNK_ID, Vocabulary, join_tokens, tokenize


@dataclass
class SequenceSet:
    """Padded examples: inputs (N, T), lengths (N,), targets (N, T) per step or (N,) per sentence."""

    inputs: torch.Tensor
    lengths: torch.Tensor
    targets: torch.Tensor

    def __len__(self) -> int:
        return self.inputs.shape[0]

    def batch(self, index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Rows `index`, trimmed to the longest of them so padding costs nothing."""
        lengths = self.lengths[index]
        width = int(lengths.max())
        targets = self.targets[index]
        if targets.dim() == 2:
            targets = targets[:, :width]
        return self.inputs[index, :width], lengths, targets


@dataclass
class TaskData:
    """Everything a run trains and evaluates on."""

    task: str
    vocab: Vocabulary
    train: SequenceSet
    validation: SequenceSet
    test: SequenceSet
    class_names: list[str] = field(default_factory=list)  # empty for next-word
    order_test: SequenceSet | None = None  # tagged order-sensitive sentiment test sentences
    # More tagged test sets, each reported as "<name>_accuracy": unseen structures, edited test sentences.
    probes: dict[str, SequenceSet] = field(default_factory=dict)
    description: str = ""
    examples: list[str] = field(default_factory=list)  # a few held-out inputs to try on Predict

    @property
    def nbytes(self) -> int:
        """Memory its index tensors hold (every split, probe and tagged subset)."""
        parts = [self.train, self.validation, self.test, self.order_test, *self.probes.values()]
        return sum(
            t.nbytes for part in parts if part is not None for t in (part.inputs, part.lengths, part.targets)
        )

    @property
    def num_outputs(self) -> int:
        return len(self.vocab) if self.task == "next-word" else len(self.class_names)

    def baseline(self) -> dict[str, float]:
        """What a model that ignores its input scores: unigram or majority class."""
        if self.task == "next-word":
            return unigram_baseline(self.train, self.validation, len(self.vocab))
        return majority_baseline(self.train, self.validation)


def pad(rows: list[list[int]], width: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad index lists with <pad> into (N, T) and return it with the lengths (N,)."""
    width = width or max((len(r) for r in rows), default=1)
    out = torch.full((len(rows), max(width, 1)), PAD_ID, dtype=torch.long)
    for i, row in enumerate(rows):
        out[i, : len(row)] = torch.tensor(row[:width], dtype=torch.long)
    lengths = torch.tensor([min(len(r), width) for r in rows], dtype=torch.long)
    return out, lengths


def next_word_set(texts: list[str], vocab: Vocabulary, max_length: int) -> SequenceSet:
    """Each text as <bos> w1 .. wn <eos>, cut into windows of `max_length` predictions."""
    inputs, targets = [], []
    for text in texts:
        ids = [BOS_ID] + vocab.encode(text) + [EOS_ID]
        for start in range(0, len(ids) - 1, max_length):
            window = ids[start : start + max_length + 1]
            if len(window) >= 2:
                inputs.append(window[:-1])
                targets.append(window[1:])
    if not inputs:
        inputs, targets = [[BOS_ID]], [[EOS_ID]]
    padded_inputs, lengths = pad(inputs)
    padded_targets, _ = pad(targets, padded_inputs.shape[1])
    return SequenceSet(padded_inputs, lengths, padded_targets)


def classification_set(
    texts: list[str], labels: list[int], vocab: Vocabulary, max_length: int
) -> SequenceSet:
    """Each text as its first `max_length` token indices with one label; empty texts are dropped."""
    rows = [vocab.encode(text)[:max_length] for text in texts]
    return classification_rows(rows, labels)


def classification_rows(rows: list[list[int]], labels: list[int]) -> SequenceSet:
    """Index lists with one label each, padded; empty rows are dropped."""
    pairs = [(r, y) for r, y in zip(rows, labels, strict=True) if r]
    rows, kept = [r for r, _ in pairs], [y for _, y in pairs]
    if not rows:
        rows, kept = [[PAD_ID]], [0]
    padded, lengths = pad(rows)
    return SequenceSet(padded, lengths, torch.tensor(kept, dtype=torch.long))


def split(items: list, seed: int, validation: float = 0.1, test: float = 0.1) -> tuple[list, list, list]:
    """Shuffle with `seed` and split into train, validation and test (each non-empty if possible)."""
    items = list(items)
    random.Random(seed).shuffle(items)
    n_test = max(1, int(len(items) * test)) if len(items) >= 3 else 0
    n_val = max(1, int(len(items) * validation)) if len(items) >= 3 else 0
    return items[n_test + n_val :] or items, items[n_test : n_test + n_val] or items, items[:n_test] or items


def build_next_word(texts: list[str], config: DataConfig, description: str) -> TaskData:
    """Next-word data from raw texts: vocabulary from the training split only."""
    train, val, test = split(texts, config.data_seed)
    vocab = Vocabulary.build(train, config.tokenizer, config.min_count, config.max_vocab)
    make = lambda part: next_word_set(part, vocab, config.max_length)  # noqa: E731
    return TaskData(
        "next-word",
        vocab,
        make(train),
        make(val),
        make(test),
        description=description,
        examples=[prefix(t, config.tokenizer) for t in val[:6]],
    )


def stream_set(ids: torch.Tensor, length: int) -> SequenceSet:
    """A token stream (N,) cut into contiguous windows of `length` inputs, each target one token on."""
    count = (len(ids) - 1) // length
    if count <= 0:  # shorter than one window (or empty): one shorter example, or a placeholder
        if len(ids) < 2:
            ids = torch.tensor([BOS_ID, EOS_ID])
        inputs, targets = ids[:-1], ids[1:]
        return SequenceSet(inputs[None], torch.tensor([len(inputs)]), targets[None])
    inputs = ids[: count * length].view(count, length)
    targets = ids[1 : count * length + 1].view(count, length)
    return SequenceSet(inputs, torch.full((count,), length), targets)


def stream_parts(size: int) -> tuple[slice, slice, slice]:
    """Train, validation and test parts of a stream: the first 90%, the next 5%, the last 5%, in order."""
    train_end, val_end = int(size * 0.9), int(size * 0.95)
    return slice(0, train_end), slice(train_end, val_end), slice(val_end, size)


def build_stream(text: str, config: DataConfig, description: str) -> TaskData:
    """Next-word data from one long text, split in order so held-out text was never seen in training."""
    tokens = tokenize(text, config.tokenizer)
    train, val, test = stream_parts(len(tokens))
    vocab = Vocabulary.from_counts(
        Counter(tokens[train]), config.tokenizer, config.min_count, config.max_vocab
    )
    ids = torch.tensor(vocab.encode_tokens(tokens), dtype=torch.long)
    make = lambda part: stream_set(ids[part], config.max_length)  # noqa: E731
    return TaskData(
        "next-word",
        vocab,
        make(train),
        make(val),
        make(test),
        description=description,
        examples=stream_examples(tokens[val], config.tokenizer),
    )


def stream_examples(tokens: list[str], level: str, count: int = 6) -> list[str]:
    """A few one-line prompts from held-out text (whole lines for characters, 8 words otherwise)."""
    examples = []
    for i in range(count):
        start = len(tokens) * i // count
        if level == "char":
            piece = first_full_line("".join(tokens[start : start + 2000]))[:40]
        else:
            piece = join_tokens(tokens[start : start + 8], level)
        if piece and piece not in examples:
            examples.append(piece)
    return examples


def first_full_line(text: str, shortest: int = 12) -> str:
    """The first complete line of `text` (after its first line break) with at least `shortest` characters."""
    for line in text.split("\n")[1:-1]:
        if len(line.strip()) >= shortest:
            return line.strip()
    return ""


def build_classification(
    texts: list[str], labels: list[str], config: DataConfig, description: str
) -> TaskData:
    """Classification data from texts and string labels."""
    class_names = sorted(set(labels))
    label_ids = [class_names.index(label) for label in labels]
    train, val, test = split(list(zip(texts, label_ids, strict=True)), config.data_seed)
    vocab = Vocabulary.build([t for t, _ in train], config.tokenizer, config.min_count, config.max_vocab)

    def make(part):
        return classification_set([t for t, _ in part], [y for _, y in part], vocab, config.max_length)

    return TaskData(
        "sentiment",
        vocab,
        make(train),
        make(val),
        make(test),
        class_names,
        description=description,
        examples=[t[:150] for t, _ in val[:6]],
    )


def build_builtin(config: DataConfig) -> TaskData:
    """The built-in corpus of the configured task, generated from the data seed."""
    if config.task == "next-word":
        texts = language_texts(config.num_sentences, config.data_seed)
        if config.text_layout == "stream":
            return build_stream(
                "\n".join(texts), config, f"built-in toy language as one stream, {len(texts):,} sentences"
            )
        return build_next_word(texts, config, f"built-in toy language, {len(texts):,} sentences")
    corpus = generate_sentiment(config.num_sentences, config.data_seed)
    vocab = Vocabulary.build(
        [e.text for e in corpus.train], config.tokenizer, config.min_count, config.max_vocab
    )

    def make(examples: list[SentimentExample], edit=None):
        return classification_set(
            [edit(e.text) if edit else e.text for e in examples],
            [e.label for e in examples],
            vocab,
            config.max_length,
        )

    train_rows = [vocab.encode(e.text)[: config.max_length] for e in corpus.train]
    train_labels = [e.label for e in corpus.train]
    noise = no_evidence_rows(vocab, len(train_rows) // NO_EVIDENCE_SHARE, config.data_seed)
    train = classification_rows(train_rows + noise, train_labels + [NO_EVIDENCE_TARGET] * len(noise))
    unseen = corpus.unseen_structure_test
    probes = {
        "unseen_structure": make(unseen),
        "unseen_order_sensitive": make([e for e in unseen if e.order_sensitive]),
    }
    probes |= {f"test_{name}": make(corpus.test, edit) for name, edit in PERTURBATIONS.items()}
    total = len(corpus.train) + len(corpus.validation) + len(corpus.test)
    return TaskData(
        "sentiment",
        vocab,
        train,
        make(corpus.validation),
        make(corpus.test),
        list(LABELS),
        order_test=make(corpus.order_sensitive_test),
        probes=probes,
        examples=[e.text for e in corpus.validation[:6]],
        description=f"built-in reviews, {total:,} sentences "
        f"({len(corpus.order_sensitive_test)} order-sensitive and "
        f"{len(unseen)} unseen-structure test sentences)",
    )


NO_EVIDENCE_SHARE = 6  # per 6 training sentences, one row with no known word
# The target of a row with no known word: every class alike (the loss's uniform target), not a class.
NO_EVIDENCE_TARGET = -1


def no_evidence_rows(vocab: Vocabulary, count: int, seed: int) -> list[list[int]]:
    """`count` rows of 1-8 tokens, each <unk> or a punctuation mark, for training towards no verdict.

    Their target is NO_EVIDENCE_TARGET, every class alike: with no known word there is no evidence.
    """
    rng = random.Random(seed)
    marks = [i for t, i in vocab.index.items() if len(t) == 1 and not t.isalnum() and i > EOS_ID]
    rows = []
    for i in range(count):  # in turn: only <unk> ("zzz qqq"), one mark ("???"), both ("zzz!")
        if i % 3 == 0 or not marks:
            choices = [UNK_ID]
        elif i % 3 == 1:
            choices = [rng.choice(marks)]
        else:
            choices = [UNK_ID] * len(marks) + marks
        rows.append([rng.choice(choices) for _ in range(rng.randint(1, 8))])
    return rows


def prefix(text: str, level: str, fraction: float = 0.5) -> str:
    """The first part of a text, as a prompt whose continuation the model can guess."""
    if level == "char":
        return text[: max(1, min(60, int(len(text) * fraction)))]
    words = text.split()
    return " ".join(words[: max(1, min(12, int(len(words) * fraction)))])


def unigram_baseline(train: SequenceSet, validation: SequenceSet, vocab_size: int) -> dict[str, float]:
    """Loss and accuracy of always predicting the training unigram distribution."""
    counts = Counter(train.targets[train.targets != PAD_ID].tolist())
    total = sum(counts.values()) + vocab_size  # add-one smoothing
    val_targets = validation.targets[validation.targets != PAD_ID].tolist()
    if not val_targets:
        return {"loss": float("nan"), "accuracy": float("nan")}
    loss = -sum(math.log((counts[t] + 1) / total) for t in val_targets) / len(val_targets)
    most_common = counts.most_common(1)[0][0] if counts else EOS_ID
    accuracy = sum(t == most_common for t in val_targets) / len(val_targets)
    return {"loss": loss, "accuracy": accuracy}


def majority_baseline(train: SequenceSet, validation: SequenceSet) -> dict[str, float]:
    """Loss and accuracy of always predicting the training class frequencies."""
    counts = Counter(y for y in train.targets.tolist() if y != NO_EVIDENCE_TARGET)
    total = sum(counts.values())
    majority = counts.most_common(1)[0][0]
    val = validation.targets.tolist()
    loss = -sum(math.log(max(counts[y], 1) / total) for y in val) / max(len(val), 1)
    return {"loss": loss, "accuracy": sum(y == majority for y in val) / max(len(val), 1)}
