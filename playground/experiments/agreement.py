"""Long memory in language: agreeing the verb with a subject that lies further and further back.

After Linzen, Dupoux & Goldberg (2016), in their language-model setting: train next-word models on
the built-in language, whose sentences hold at most one "near the cats" between subject and verb
(and that noun always has the other number), then ask them to continue "the dog near the cats
beside the cats ..." and compare the probability of every singular verb form with every plural one.
Nouns of the other number (attractors) pull towards the wrong form; nouns of the same number only
add distance. Each point is a share of `per_point` prefixes, given with its 95% Wilson interval.
"""

from __future__ import annotations

import random

import torch
from scipy.stats import binomtest

from playground.analysis.prediction import next_word_probabilities
from playground.config import ARCH_LABELS, default_config
from playground.data.datasets import build_builtin
from playground.data.language import (
    ANIMALS,
    BE_VERBS,
    EATING_VERBS,
    MOTION_VERBS,
    NEAR_WORDS,
    PEOPLE,
    SEEING_VERBS,
    _Grammar,
    generate_language,
)
from playground.experiments.common import (
    Clock,
    ExperimentResult,
    Progress,
    carry_over,
    check_names,
    no_progress,
)
from playground.run import Run, create_run
from playground.train import train_run

ARCHITECTURES = ["rnn", "lstm", "transformer"]
VERB_PAIRS = sorted(set(MOTION_VERBS + SEEING_VERBS + EATING_VERBS) | {BE_VERBS})  # (singular, plural)
CONDITIONS = {
    "attractors": "every noun in between has the other number, so the nearest noun misleads",
    "same number": "every noun in between has the subject's number: the same distance, but "
    "the nearest noun gives the right answer",
}


NOUNS = {form for pair in ANIMALS + PEOPLE for form in pair}
VERB_FORMS = {form for pair in VERB_PAIRS for form in pair}


def subject_verb_distance(text: str) -> int | None:
    """Words between a sentence's subject noun (its first noun) and its verb (the first verb after it)."""
    words = text.split()
    noun = next((i for i, w in enumerate(words) if w in NOUNS), None)
    if noun is None:
        return None
    verb = next((i for i in range(noun + 1, len(words)) if words[i] in VERB_FORMS), None)
    return None if verb is None else verb - noun - 1


def training_profile(num_sentences: int, data_seed: int) -> dict:
    """What training shows: the longest sentence, the longest subject-verb distance, the attractors.

    `near_phrases_with_other_number` is the share of subjects with a "near ..." phrase whose noun
    has the other number (the built-in language never puts one of the same number there).
    """
    sentences = generate_language(num_sentences, data_seed)
    distances = [d for d in (subject_verb_distance(s.text) for s in sentences) if d is not None]
    with_phrase = [s for s in sentences if s.distractors]
    other = sum(_phrase_noun_is_other_number(s.text, s.plural_subject) for s in with_phrase)
    return {
        "longest_sentence_words": max(len(s.text.split()) for s in sentences),
        "longest_subject_verb_distance": max(distances),
        "subjects_with_a_phrase": len(with_phrase) / len(sentences),
        "near_phrases_with_other_number": other / len(with_phrase) if with_phrase else float("nan"),
    }


def _phrase_noun_is_other_number(text: str, plural: bool) -> bool:
    words = text.split()
    plural_nouns = {p for _, p in ANIMALS + PEOPLE}
    nouns = [w for w in words[: words.index(next(w for w in words if w in VERB_FORMS))] if w in NOUNS]
    return len(nouns) > 1 and (nouns[1] in plural_nouns) != plural


def wilson_interval(correct: int, count: int) -> tuple[float, float]:
    """The 95% Wilson score interval of a share `correct / count` (scipy's binomtest)."""
    interval = binomtest(correct, count).proportion_ci(confidence_level=0.95, method="wilson")
    return float(interval.low), float(interval.high)


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


def agreement_accuracy(
    run: Run, phrases: int, attractors: bool, count: int, seed: int
) -> tuple[int, float, float]:
    """How many of `count` prefixes get the verb's number right, their mean distance and mean words."""
    grammar = _Grammar(random.Random(seed))
    correct, distance, words = 0, 0, 0
    for _ in range(count):
        text, plural, words_between = agreement_prefix(grammar, phrases, attractors)
        correct += prefers_plural(run, text) == plural
        distance += words_between
        words += len(text.split())
    return correct, distance / count, words / count


def agreement_experiment(
    architectures: list[str],
    max_phrases: int = 6,
    num_sentences: int = 20_000,
    epochs: int = 3,
    per_point: int = 200,
    seed: int = 0,
    device: str | torch.device = "cpu",
    progress: Progress = no_progress,
    resume: ExperimentResult | None = None,
) -> ExperimentResult:
    """Accuracy of the verb's number against the phrases in between, per architecture and condition.

    `resume`: a stopped run with the same settings, whose points are kept and not measured again.
    """
    result = ExperimentResult(
        "agreement",
        {
            "architectures": architectures,
            "max_phrases": max_phrases,
            "num_sentences": num_sentences,
            "epochs": epochs,
            "per_point": per_point,
            "seed": seed,
        },
    )
    check_names(architectures, ARCH_LABELS, "architecture")
    profile = training_profile(num_sentences, default_config("next-word", architectures[0]).data.data_seed)
    result.settings["training"] = profile
    measured = carry_over(result, resume, lambda row: row["architecture"])
    clock = Clock(result)
    for done, arch in enumerate(architectures):
        if ARCH_LABELS[arch] in measured:
            continue
        config = default_config("next-word", arch)
        config.data.num_sentences, config.data.max_length = num_sentences, 64  # room for long prefixes
        config.train.epochs, config.train.seed = epochs, seed
        data = build_builtin(config.data)
        run = create_run(config, data)
        train_run(
            run,
            data,
            device,
            lambda run, p, done=done: progress(result, (done + 0.9 * p.fraction) / len(architectures)),
        )
        run.model.cpu()
        for condition in CONDITIONS:
            for phrases in range(max_phrases + 1):
                correct, distance, words = agreement_accuracy(
                    run, phrases, condition == "attractors", per_point, seed + 1000 * phrases
                )
                low, high = wilson_interval(correct, per_point)
                result.rows.append(
                    {
                        "architecture": ARCH_LABELS[arch],
                        "condition": condition,
                        "phrases": phrases,
                        "mean_distance": round(distance, 2),
                        "mean_prefix_words": round(words, 2),
                        "correct": correct,
                        "count": per_point,
                        "accuracy": correct / per_point,
                        "ci_low": low,
                        "ci_high": high,
                        "distance_seen_in_training": distance <= profile["longest_subject_verb_distance"],
                    }
                )
        clock.tick()
        progress(result, (done + 1) / len(architectures))
    result.complete = True
    return result
