"""The encoding bottleneck: translation with and without attention, against sentence length.

Bahdanau, Cho & Bengio (2015): an encoder-decoder that squeezes the whole sentence into one vector
loses quality as sentences grow; one that attends over every encoder state holds it. The source is
the built-in language, one to four sentences joined by "and"; the target is a second generated
language with its own words and the verb at the end of each clause.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from sacrebleu.metrics import BLEU
from torch import nn
from torch.nn import functional as F

from playground.data.datasets import pad
from playground.data.language import BE_VERBS, EATING_VERBS, MOTION_VERBS, SEEING_VERBS, _Grammar
from playground.experiments.common import (
    Clock,
    ExperimentResult,
    Progress,
    carry_over,
    check_names,
    no_progress,
)

VERBS = {w for pair in MOTION_VERBS + SEEING_VERBS + EATING_VERBS for w in pair} | set(BE_VERBS)
PAD, BOS, EOS = 0, 1, 2
SPECIALS = ["<pad>", "<bos>", "<eos>"]
MODELS = {"plain": "encoder-decoder (one vector)", "attention": "encoder-decoder with attention"}


def foreign_lexicon(words: list[str], seed: int = 7) -> dict[str, str]:
    """A made-up word of two or three syllables for every source word, distinct, the same for a seed."""
    rng = random.Random(seed)
    consonants, vowels = "bdfgklmnprstvz", "aeiou"
    lexicon, used = {}, set()
    for word in sorted(words):
        while True:
            syllables = rng.choice([2, 2, 3])
            candidate = "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(syllables))
            if candidate not in used:
                break
        lexicon[word] = candidate
        used.add(candidate)
    return lexicon


def reorder_clause(words: list[str]) -> list[str]:
    """Subject, object, verb: the clause's first verb moves to its end."""
    position = next((i for i, w in enumerate(words) if w in VERBS), None)
    if position is None:
        return words
    return words[:position] + words[position + 1 :] + [words[position]]


def translate(sentence: str, lexicon: dict[str, str]) -> str:
    """The reference translation: each clause reordered to verb-last, then every word replaced."""
    clauses, current = [], []
    for word in sentence.split():
        if word == "and":
            clauses.append(reorder_clause(current) + ["and"])
            current = []
        else:
            current.append(word)
    clauses.append(reorder_clause(current))
    return " ".join(lexicon[w] for clause in clauses for w in clause)


def source_sentences(count: int, max_clauses: int, seed: int) -> list[str]:
    """Sentences of 1 to `max_clauses` clauses of the built-in language joined by "and", drawn evenly."""
    grammar = _Grammar(random.Random(seed))
    return [
        " and ".join(grammar.sentence().text for _ in range(grammar.rng.randint(1, max_clauses)))
        for _ in range(count)
    ]


class Vocabulary:
    """Word <-> index for one side, with padding, start and end tokens."""

    def __init__(self, texts: list[str]):
        self.tokens = SPECIALS + sorted({w for t in texts for w in t.split()})
        self.index = {t: i for i, t in enumerate(self.tokens)}

    def encode(self, texts: list[str], add_bos: bool = False) -> torch.Tensor:
        rows = [([BOS] if add_bos else []) + [self.index[w] for w in t.split()] + [EOS] for t in texts]
        return pad(rows)[0]

    def decode(self, rows: torch.Tensor) -> list[str]:
        """Each row's words up to its first end token (padding and start tokens dropped)."""
        texts = []
        for row in rows.tolist():
            words = []
            for token in row:
                if token == EOS:
                    break
                if token not in (PAD, BOS):
                    words.append(self.tokens[token])
            texts.append(" ".join(words))
        return texts


class Translator(nn.Module):
    """An LSTM encoder and an LSTM decoder; with `attention`, Luong's global attention on top.

    Without attention the decoder sees the source only through the encoder's final state.
    """

    def __init__(self, source_size: int, target_size: int, embedding: int, hidden: int, attention: bool):
        super().__init__()
        self.attention = attention
        self.source_embedding = nn.Embedding(source_size, embedding, padding_idx=PAD)
        self.target_embedding = nn.Embedding(target_size, embedding, padding_idx=PAD)
        self.encoder = nn.LSTM(embedding, hidden, batch_first=True)
        self.decoder = nn.LSTM(embedding, hidden, batch_first=True)
        if attention:
            self.score = nn.Linear(hidden, hidden, bias=False)  # "general" score h_dec W h_enc
            self.combine = nn.Linear(2 * hidden, hidden)
        self.output = nn.Linear(hidden, target_size)

    def encode(self, source: torch.Tensor) -> tuple[torch.Tensor, tuple, torch.Tensor]:
        lengths = (source != PAD).sum(1)
        packed = nn.utils.rnn.pack_padded_sequence(
            self.source_embedding(source), lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        outputs, state = self.encoder(packed)
        outputs, _ = nn.utils.rnn.pad_packed_sequence(outputs, batch_first=True, total_length=source.shape[1])
        return outputs, state, source != PAD

    def read_out(
        self, decoded: torch.Tensor, memory: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        if not self.attention:
            return self.output(decoded), None
        scores = self.score(decoded) @ memory.transpose(1, 2)  # (B, T_out, T_in)
        weights = torch.softmax(scores.masked_fill(~mask[:, None, :], float("-inf")), dim=-1)
        context = weights @ memory
        return self.output(torch.tanh(self.combine(torch.cat([context, decoded], -1)))), weights

    def forward(self, source: torch.Tensor, target_in: torch.Tensor) -> torch.Tensor:
        """Logits for every target position, teacher-forced: (B, T_out, V)."""
        memory, state, mask = self.encode(source)
        decoded, _ = self.decoder(self.target_embedding(target_in), state)
        return self.read_out(decoded, memory, mask)[0]

    @torch.no_grad()
    def greedy(
        self, source: torch.Tensor, max_length: int, with_weights: bool = False
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor | None]:
        """The likeliest word at every step, fed back in, until every row has ended: (B, T).

        With `with_weights`, also the attention weights of every output step (B, T, T_in), or None.
        """
        memory, state, mask = self.encode(source)
        token = torch.full((source.shape[0], 1), BOS, dtype=torch.long, device=source.device)
        produced, weights = [], []
        for _ in range(max_length):
            decoded, state = self.decoder(self.target_embedding(token), state)
            logits, step_weights = self.read_out(decoded, memory, mask)
            token = logits.argmax(-1)
            produced.append(token)
            weights.append(step_weights)
            if bool((torch.cat(produced, 1) == EOS).any(1).all()):
                break
        tokens = torch.cat(produced, 1)
        if not with_weights:
            return tokens
        return tokens, (torch.cat(weights, 1) if self.attention else None)


def fit(
    model: Translator,
    pairs: list[tuple[str, str]],
    source_vocab: Vocabulary,
    target_vocab: Vocabulary,
    steps: int,
    learning_rate: float,
    seed: int,
    device: str | torch.device = "cpu",
    on_step: Callable[[int], None] = lambda step: None,
) -> None:
    """Teacher-forced training on batches of 64 pairs (Adam, clipping at 1), then eval mode."""
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    rng = random.Random(seed)
    for step in range(steps):
        on_step(step)
        batch = rng.sample(pairs, 64)
        source = source_vocab.encode([s for s, _ in batch]).to(device)
        target = target_vocab.encode([t for _, t in batch], add_bos=True).to(device)
        logits = model(source, target[:, :-1])
        loss = F.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), target[:, 1:].reshape(-1), ignore_index=PAD
        )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    model.eval()


@dataclass
class TrainedTranslator:
    """A small translator trained in seconds, with what it needs to translate a typed sentence."""

    model: Translator
    source_vocab: Vocabulary
    target_vocab: Vocabulary
    lexicon: dict[str, str]
    word_accuracy: float


def train_translator(
    steps: int = 1500, max_clauses: int = 1, hidden: int = 64, train_size: int = 4000, seed: int = 0
) -> TrainedTranslator:
    """An encoder-decoder with attention on short sentences, for the many-to-many example."""
    torch.manual_seed(seed)
    sources = source_sentences(train_size + 200, max_clauses, seed)
    lexicon = foreign_lexicon(sorted({w for s in sources for w in s.split()} | set(_all_words())))
    targets = [translate(s, lexicon) for s in sources]
    source_vocab, target_vocab = (
        Vocabulary(sources + list(lexicon)),
        Vocabulary(targets + list(lexicon.values())),
    )
    model = Translator(len(source_vocab.tokens), len(target_vocab.tokens), 32, hidden, attention=True)
    pairs = list(zip(sources[:train_size], targets[:train_size], strict=True))
    fit(model, pairs, source_vocab, target_vocab, steps, 3e-3, seed)
    accuracy, _ = evaluate_translator(
        model, source_vocab.encode(sources[train_size:]), target_vocab.encode(targets[train_size:])
    )
    return TrainedTranslator(model, source_vocab, target_vocab, lexicon, float(accuracy.mean()))


def _all_words() -> list[str]:
    from playground.data.language import WORD_CLASSES

    return [w for words in WORD_CLASSES.values() for w in words]


@dataclass
class Translation:
    """A typed sentence translated: the model's words, the reference, and who attended to what."""

    source: list[str]
    output: list[str]
    reference: list[str]
    attention: np.ndarray  # (output words, source words + end)

    def score(self) -> str:
        """How many reference words it wrote in their place, and how many words it wrote too many or few."""
        right = sum(a == b for a, b in zip(self.output, self.reference, strict=False))
        line = f"{right} of {len(self.reference)} words right, in place"
        surplus = len(self.output) - len(self.reference)
        if surplus:
            count = f"{abs(surplus)} word{'s' if abs(surplus) > 1 else ''}"
            line += f", and {count} {'too many' if surplus > 0 else 'missing'}"
        return line + "."


def translate_sentence(trained: TrainedTranslator, sentence: str) -> Translation:
    """Translate `sentence`; raises ValueError naming the words the translator has never seen."""
    words = sentence.lower().split()
    unknown = [w for w in words if w not in trained.source_vocab.index]
    if unknown or not words:
        if not unknown:
            raise ValueError("type a sentence")
        message = f"this translator never saw: {', '.join(dict.fromkeys(unknown[:8]))}"
        if "and" in unknown:  # a word of the language, but this translator learnt one clause at a time
            message += " (it learnt single sentences: type one without “and”)"
        raise ValueError(message)
    source = trained.source_vocab.encode([" ".join(words)])
    tokens, weights = trained.model.greedy(source, 3 * len(words) + 4, with_weights=True)
    output = []
    for token in tokens[0].tolist():
        if token == EOS:
            break
        output.append(trained.target_vocab.tokens[token])
    return Translation(
        words + ["<end>"],
        output,
        translate(" ".join(words), trained.lexicon).split(),
        weights[0, : len(output)].numpy(),
    )


def token_accuracy(predicted: torch.Tensor, reference: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per sentence: the share of reference words (and the end) produced at the right position,
    and whether the whole translation is exact."""
    width = max(predicted.shape[1], reference.shape[1])
    predicted = F.pad(predicted, (0, width - predicted.shape[1]), value=PAD)
    reference = F.pad(reference, (0, width - reference.shape[1]), value=PAD)
    real = reference != PAD
    hits = (predicted == reference) & real
    return hits.sum(1) / real.sum(1), (hits.sum(1) == real.sum(1))


def evaluate_translator(
    model: Translator,
    source: torch.Tensor,
    reference: torch.Tensor,
    batch: int = 256,
    outputs: list[torch.Tensor] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Greedy translations of every source row scored against the references (see token_accuracy).

    The translations themselves are appended to `outputs` when it is given (for BLEU).
    """
    accuracy, exact = [], []
    for start in range(0, len(source), batch):
        rows = slice(start, start + batch)
        predicted = model.greedy(source[rows], reference.shape[1] + 2)
        a, e = token_accuracy(predicted, reference[rows])
        accuracy.append(a.cpu())
        exact.append(e.cpu())
        if outputs is not None:
            outputs.extend(predicted.cpu())
    return torch.cat(accuracy), torch.cat(exact)


def corpus_bleu(hypotheses: list[str], references: list[str]) -> float:
    """Corpus BLEU (0-100) with sacrebleu's standard settings: 4-grams, brevity penalty, no smoothing tricks.

    Unlike the in-place word score, a word produced one position late still earns its n-grams.
    """
    return float(BLEU().corpus_score(hypotheses, [references]).score)


def bottleneck_experiment(
    models: list[str],
    max_clauses: int = 4,
    train_size: int = 20_000,
    steps: int = 3000,
    hidden: int = 128,
    test_size: int = 1200,
    seed: int = 0,
    device: str | torch.device = "cpu",
    progress: Progress = no_progress,
    plain_steps: int | None = None,
    resume: ExperimentResult | None = None,
) -> ExperimentResult:
    """Word accuracy, BLEU and exact translations against source length, for each model.

    `plain_steps` trains the plain model longer (or shorter) than `steps`, to compare a plain model
    that has learned its short sentences with the attention model. `resume`: a stopped run with the
    same settings, whose points are kept and not measured again.
    """
    plain_steps = steps if plain_steps is None else plain_steps
    result = ExperimentResult(
        "bottleneck",
        {
            "models": models,
            "max_clauses": max_clauses,
            "train_size": train_size,
            "steps": steps,
            "plain_steps": plain_steps,
            "hidden": hidden,
            "test_size": test_size,
            "seed": seed,
            "batch": 64,
        },
    )
    check_names(models, MODELS, "model")
    measured = carry_over(result, resume, lambda row: row["model"])
    clock = Clock(result)
    sources = source_sentences(train_size + test_size, max_clauses, seed)
    lexicon = foreign_lexicon(sorted({w for s in sources for w in s.split()}))
    targets = [translate(s, lexicon) for s in sources]
    source_vocab, target_vocab = Vocabulary(sources), Vocabulary(targets)
    train_pairs = list(zip(sources[:train_size], targets[:train_size], strict=True))
    test_sources, test_targets = sources[train_size:], targets[train_size:]
    test_source = source_vocab.encode(test_sources).to(device)
    test_reference = target_vocab.encode(test_targets).to(device)
    lengths = torch.tensor([len(s.split()) for s in test_sources])
    for done, kind in enumerate(models):
        if MODELS[kind] in measured:
            continue
        torch.manual_seed(seed)
        model = Translator(
            len(source_vocab.tokens), len(target_vocab.tokens), 64, hidden, kind == "attention"
        ).to(device)

        model_steps = plain_steps if kind == "plain" else steps

        def report(step: int, done: int = done, model_steps: int = model_steps) -> None:
            if step % 50 == 0:
                progress(result, (done + 0.95 * step / model_steps) / len(models))

        fit(model, train_pairs, source_vocab, target_vocab, model_steps, 2e-3, seed, device, report)
        produced: list[torch.Tensor] = []
        accuracy, exact = evaluate_translator(model, test_source, test_reference, outputs=produced)
        hypotheses = [target_vocab.decode(row[None])[0] for row in produced]
        for low in range(1, int(lengths.max()) + 1, 8):
            inside = (lengths >= low) & (lengths < low + 8)
            if inside.sum() < 10:
                continue
            result.rows.append(
                {
                    "model": MODELS[kind],
                    "source_words": f"{low}–{low + 7}",
                    "mean_source_words": float(lengths[inside].float().mean()),
                    "steps": model_steps,
                    "word_accuracy": float(accuracy[inside].mean()),
                    "bleu": corpus_bleu(
                        [hypotheses[i] for i in np.flatnonzero(inside.numpy())],
                        [test_targets[i] for i in np.flatnonzero(inside.numpy())],
                    ),
                    "exact": float(exact[inside].float().mean()),
                    "sentences": int(inside.sum()),
                }
            )
        clock.tick()
        progress(result, (done + 1) / len(models))
    result.complete = True
    return result
