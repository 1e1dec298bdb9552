"""Long memory in language: agreeing the verb with a subject that lies further and further back.

After Linzen, Dupoux & Goldberg (2016), in their language-model setting: train next-word models on
the built-in language, whose sentences hold at most one "near the cats" between subject and verb,
then ask them to continue "the dog near the cats beside the cats ..." and compare the probability
of every singular verb form with every plural one. Nouns of the other number (attractors) pull
towards the wrong form; nouns of the same number only add distance.
"""

from __future__ import annotations

import random

import torch

from playground.analysis.prediction import next_word_probabilities
from playground.config import ARCH_LABELS, default_config
from playground.data.datasets import build_builtin
from playground.data.language import BE_VERBS, EATING_VERBS, MOTION_VERBS, NEAR_WORDS, SEEING_VERBS, _Grammar
from playground.experiments.common import Clock, ExperimentResult, Progress, check_names, no_progress
from playground.train import Run, create_run, train_run

ARCHITECTURES = ["rnn", "lstm", "transformer"]
VERB_PAIRS = sorted(set(MOTION_VERBS + SEEING_VERBS + EATING_VERBS) | {BE_VERBS})  # (singular, plural)
CONDITIONS = {"attractors": "every noun in between has the other number, so the nearest noun misleads",
              "same number": "every noun in between has the subject's number: the same distance, but "
                             "the nearest noun gives the right answer"}


def agreement_prefix(grammar: _Grammar, phrases: int, attractors: bool) -> tuple[str, bool, int]:
    """A subject and `phrases` phrases like "near the cats": (words, plural subject, distance).

    The distance counts the words between the subject's noun and the verb that would follow.
    """
    plural = grammar.rng.random() < 0.5
    words = grammar.noun_phrase(plural).split()
    noun_index = len(words) - 1
    for _ in range(phrases):
        words += [grammar.pick(NEAR_WORDS), *grammar.noun_phrase(plural != attractors).split()]
    return " ".join(words), plural, len(words) - 1 - noun_index


def prefers_plural(run: Run, text: str) -> bool:
    """Whether the model puts more probability on plural verb forms than on singular ones next."""
    probabilities = next_word_probabilities(run, text)
    index = run.vocab.index
    singular = sum(float(probabilities[index[s]]) for s, _ in VERB_PAIRS if s in index)
    plural = sum(float(probabilities[index[p]]) for _, p in VERB_PAIRS if p in index)
    return plural > singular


def agreement_accuracy(run: Run, phrases: int, attractors: bool, count: int,
                       seed: int) -> tuple[float, float]:
    """Share of `count` prefixes whose verb number the model gets right, and their mean distance."""
    grammar = _Grammar(random.Random(seed))
    correct, distance = 0, 0
    for _ in range(count):
        text, plural, words_between = agreement_prefix(grammar, phrases, attractors)
        correct += prefers_plural(run, text) == plural
        distance += words_between
    return correct / count, distance / count


def agreement_experiment(architectures: list[str], max_phrases: int = 6, num_sentences: int = 20_000,
                         epochs: int = 3, per_point: int = 200, seed: int = 0,
                         device: str | torch.device = "cpu",
                         progress: Progress = no_progress) -> ExperimentResult:
    """Accuracy of the verb's number against the phrases in between, per architecture and condition."""
    result = ExperimentResult("agreement", {
        "architectures": architectures, "max_phrases": max_phrases, "num_sentences": num_sentences,
        "epochs": epochs, "per_point": per_point, "seed": seed})
    check_names(architectures, ARCH_LABELS, "architecture")
    clock = Clock(result)
    for done, arch in enumerate(architectures):
        config = default_config("next-word", arch)
        config.data.num_sentences, config.data.max_length = num_sentences, 64  # room for long prefixes
        config.train.epochs, config.train.seed = epochs, seed
        data = build_builtin(config.data)
        run = create_run(config, data)
        train_run(run, data, device,
                  lambda run, p, done=done: progress(result, (done + 0.9 * p.fraction) / len(architectures)))
        run.model.cpu()
        for condition in CONDITIONS:
            for phrases in range(max_phrases + 1):
                accuracy, distance = agreement_accuracy(run, phrases, condition == "attractors", per_point,
                                                        seed + 1000 * phrases)
                result.rows.append({"architecture": ARCH_LABELS[arch], "condition": condition,
                                    "phrases": phrases, "mean_distance": round(distance, 2),
                                    "accuracy": accuracy, "seen_in_training": phrases <= 1})
        clock.tick()
        progress(result, (done + 1) / len(architectures))
    result.complete = True
    return result
