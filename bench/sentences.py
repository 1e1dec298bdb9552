"""Sentiment models on sentences people type: the built-in checks over seeds, and hand-written reviews.

    python -m bench.sentences [--seeds 0,1,2] [--archs lstm,transformer,bow] [--json out.json]

For each architecture and seed it trains the default sentiment model (as `python -m playground
train --task sentiment`) and reports test accuracy, accuracy on the held-out structures, on the test
split with a full stop, commas, capitals or no punctuation, expected calibration error, P(positive)
for inputs with no known word, training time, and accuracy on tests/fixtures/typed_reviews.tsv
(61 reviews written by hand, not by the generator) and on
tests/fixtures/typed_reviews_new_structures.tsv (24 more, in structures neither uses, written before
the Transformer's defaults were re-tuned), and on tests/fixtures/typed_reviews_fresh.tsv (60 written
by a tester who saw only the vocabulary, after the last change to the defaults), and on
tests/fixtures/typed_reviews_blind.tsv (60 by a second such tester, told to vary negation, contrast,
questions and punctuation). With --next-word it
also shows what the default next-word models predict after prefixes the toy-language generator never
produces.
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections import defaultdict

import torch

from playground.analysis.prediction import classify_texts, read_labelled_texts, top_next_words
from playground.config import default_config
from playground.data.datasets import build_builtin
from playground.data.sentiment import generate_sentiment
from playground.run import create_run
from playground.train import train_run

TYPED = "tests/fixtures/typed_reviews.tsv"
# Written before the Transformer's defaults were re-tuned, in structures neither the generator nor TYPED uses.
NEW_STRUCTURES = "tests/fixtures/typed_reviews_new_structures.tsv"
# Written by a tester who saw only the vocabulary, after the last change to the sentiment defaults.
FRESH = "tests/fixtures/typed_reviews_fresh.tsv"
BLIND = "tests/fixtures/typed_reviews_blind.tsv"
# Reported as "<name>_accuracy".
WRITTEN_SETS = {"typed": TYPED, "new_structures": NEW_STRUCTURES, "fresh": FRESH, "blind": BLIND}
REPORTED = (
    "seconds",
    "test_accuracy",
    "order_subset_accuracy",
    "unseen_structure_accuracy",
    "test_full_stop_accuracy",
    "test_comma_accuracy",
    "test_capitals_accuracy",
    "test_no_punctuation_accuracy",
    "test_ece",
    "unknown_p_positive_min",
    "unknown_p_positive_max",
    "typed_accuracy",
    "new_structures_accuracy",
    "fresh_accuracy",
    "blind_accuracy",
)
# Prefixes no sentence of the toy language starts with: word orders and words it never uses.
UNSEEN_PREFIXES = (
    "the park",
    "runs the",
    "the dog the",
    "the happy",
    "dogs",
    "the dogs is",
    "in the morning the",
    "the cat runs runs",
    "the dog runs to the dog",
    "the car",
)


def set_value(config, assignment: str) -> None:
    """Apply 'section.field=value' to a config (for trying other settings)."""
    key, value = assignment.split("=", 1)
    section, name = key.split(".")
    part = getattr(config, section)
    setattr(part, name, type(getattr(part, name))(value))


def sentiment_rows(archs: list[str], seeds: list[int], settings: list[str]) -> list[dict]:
    written = {name: read_labelled_texts(path) for name, path in WRITTEN_SETS.items()}
    rows = []
    for arch in archs:
        for seed in seeds:
            config = default_config("sentiment", arch)
            config.train.seed = seed
            for assignment in settings:
                set_value(config, assignment)
            data = build_builtin(config.data)
            run = train_run(create_run(config, data), data)
            row = {"arch": arch, "seed": seed, "seconds": run.seconds, **run.metrics}
            for name, (texts, labels) in written.items():
                correct = (classify_texts(run, texts).argmax(-1) == torch.tensor(labels)).tolist()
                row[f"{name}_accuracy"] = sum(correct) / len(correct)
                row[f"{name}_wrong"] = [t for t, ok in zip(texts, correct, strict=True) if not ok]
            row["unseen_by_structure"] = unseen_by_structure(run, config)
            rows.append(row)
            print(
                json.dumps(
                    {
                        k: round(v, 4) if isinstance(v, float) else v
                        for k, v in row.items()
                        if k in REPORTED or k in ("arch", "seed")
                    }
                ),
                flush=True,
            )
    return rows


def unseen_by_structure(run, config) -> dict[str, float]:
    """Accuracy on the test sentences of each held-out structure."""
    corpus = generate_sentiment(config.data.num_sentences, config.data.data_seed)
    groups = defaultdict(list)
    for example in corpus.unseen_structure_test:
        groups[example.structure].append(example)
    result = {}
    for structure, examples in sorted(groups.items()):
        predicted = classify_texts(run, [e.text for e in examples]).argmax(-1).tolist()
        right = sum(p == e.label for p, e in zip(predicted, examples, strict=True))
        result[structure] = right / len(examples)
    return result


def summary(rows: list[dict]) -> list[dict]:
    """Mean and spread (min to max) over seeds, per architecture."""
    out = []
    for arch in dict.fromkeys(r["arch"] for r in rows):
        mine = [r for r in rows if r["arch"] == arch]
        line = {"arch": arch}
        for key in REPORTED:
            values = [r[key] for r in mine if key in r]
            if values:
                line[key] = f"{statistics.mean(values):.3f} ({min(values):.3f}–{max(values):.3f})"
        structures = defaultdict(list)
        for r in mine:
            for name, value in r["unseen_by_structure"].items():
                structures[name].append(value)
        line["unseen_by_structure"] = {k: round(statistics.mean(v), 3) for k, v in structures.items()}
        out.append(line)
    return out


def next_word_rows(seed: int = 0) -> list[dict]:
    """The three likeliest next words of the default next-word models after unseen prefixes."""
    rows = []
    for arch in ("lstm", "transformer"):
        config = default_config("next-word", arch)
        config.train.seed = seed
        data = build_builtin(config.data)
        run = train_run(create_run(config, data), data)
        for prefix in UNSEEN_PREFIXES:
            top = top_next_words(run, prefix, 3)
            rows.append(
                {
                    "arch": arch,
                    "prefix": prefix,
                    "next": ", ".join(
                        f"{w} {p:.0%}" for w, p in zip(top["word"], top["probability"], strict=True)
                    ),
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sentences", description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--archs", default="lstm,transformer,bow", help='"" for none')
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.FIELD=VALUE",
        help="change a default setting, e.g. train.epochs=8",
    )
    parser.add_argument("--next-word", action="store_true", help="also check next-word models")
    parser.add_argument("--json", metavar="PATH", help="also write every row as JSON")
    parser.add_argument(
        "--threads", type=int, default=2, help="CPU threads (1 for runs niced beside other work)"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    archs = [a for a in args.archs.split(",") if a]  # --archs "" checks next-word models only
    rows = sentiment_rows(archs, [int(s) for s in args.seeds.split(",")], args.set)
    table = summary(rows)
    for line in table:
        print(json.dumps(line, ensure_ascii=False))
    words = next_word_rows() if args.next_word else []
    if args.json:
        with open(args.json, "w") as out:
            json.dump(
                {"settings": args.set, "rows": rows, "summary": table, "next_word": words},
                out,
                indent=2,
                ensure_ascii=False,
            )


if __name__ == "__main__":
    main()
