"""`predict` and `show`: use and describe a model file from the Runs page, the CLI or `save_model`."""

from __future__ import annotations

import argparse
import json
import re
import sys

from playground.api import load_model, predict
from playground.cli.flags import to_flags
from playground.io import ModelFileError
from playground.outcomes import trust_note
from playground.run import Run
from playground.text import for_terminal


def add_model_parsers(commands) -> None:
    predict_parser = commands.add_parser(
        "predict",
        help="what a saved model predicts for a text",
        description="Print what a model file predicts, as the Predict page shows it: the likeliest next "
        "words, or the sentiment and each class's probability.",
    )
    predict_parser.add_argument("model", metavar="MODEL.safetensors", help="a model file")
    predict_parser.add_argument("texts", metavar="TEXT", nargs="+", help="one or more texts (quote each)")
    predict_parser.add_argument(
        "--top",
        type=int,
        default=5,
        metavar="K",
        help="next-word models: how many next words to list (1 to 50, default 5)",
    )
    predict_parser.add_argument("--json", action="store_true", help="one JSON object per text, one per line")
    show = commands.add_parser(
        "show",
        help="a saved model's configuration, vocabulary and history",
        description="Describe a model file: its configuration, vocabulary size, "
        "parameters, training history and scores.",
    )
    show.add_argument("model", metavar="MODEL.safetensors", help="a model file")
    show.add_argument("--json", action="store_true", help="print one JSON object")


def _load(path: str) -> Run | None:
    try:
        return load_model(path, keep_status=True)
    except ModelFileError as error:
        print(for_terminal(f"error: {error}"), file=sys.stderr)
        return None


def predict_command(args: argparse.Namespace) -> int:
    if not 1 <= args.top <= 50:
        print("error: --top must be between 1 and 50", file=sys.stderr)
        return 2
    run = _load(args.model)
    if run is None:
        return 2
    if (note := trust_note(run)) is not None:
        print(for_terminal(f"note: {note}"), file=sys.stderr)
    for text in args.texts:
        try:
            answer = predict(run, text, args.top)
        except ValueError as error:
            print(for_terminal(f"error: {text[:60]!r}: {error}"), file=sys.stderr)
            return 2
        if args.json:
            print(json.dumps(answer, ensure_ascii=False))
        else:
            print(for_terminal(describe_prediction(answer)))
    return 0


def retrain_flags(run: Run) -> list[str]:
    """The `train` flags that give this run again: its changed settings, and the CPU threads it had
    (the same seed gives the same numbers only with the same threads) or its GPU."""
    flags = to_flags(run.config, changed_only=True)
    if threads := re.fullmatch(r"CPU \((\d+) threads?\)", run.device):
        flags += ["--device", "cpu", "--threads", threads.group(1)]
    elif run.device.startswith("GPU (Apple"):
        flags += ["--device", "mps"]
    elif run.device.startswith("GPU"):
        flags += ["--device", "cuda"]
    return flags


def describe_prediction(answer: dict) -> str:
    """A prediction in a few readable lines."""
    one = lambda text: for_terminal(text, one_line=True)  # noqa: E731 (a label with a newline stays on its line)
    lines = [one(answer["text"])]
    if answer["task"] == "next-word":
        lines += [f"  {p['probability']:7.2%}  {one(p['token'])}" for p in answer["next"]]
    else:
        lines.append(f"  -> {one(answer['label'])}")
        ranked = sorted(answer["probabilities"].items(), key=lambda item: -item[1])
        lines += [f"  {p:7.2%}  {one(name)}" for name, p in ranked]
    if answer["unknown"]:
        lines.append(f"  unknown to the model (read as <unk>): {one(', '.join(answer['unknown']))}")
    if answer["unread"]:
        end = "first" if answer["task"] == "next-word" else "last"
        lines.append(f"  not read: the {end} {answer['unread']:,} tokens (past what the model reads at once)")
    return "\n".join(lines)


def model_summary(run: Run) -> dict:
    """What a model file holds: config, vocabulary, size, scores and a summary of its history."""
    history = run.history
    train_rows = history[history["split"] == "train"]
    validation_rows = history[history["split"] == "validation"]
    summary = {
        "task": run.task,
        "arch": run.config.model.arch,
        "parameters": run.num_parameters,
        "vocabulary_size": len(run.vocab),
        "tokens": run.vocab.level,
        "classes": run.class_names,
        "data": run.data_description,
        "status": run.status,
        "message": run.message,
        "steps": run.steps,
        "total_steps": run.total_steps,
        "device": run.device,
        "history": {
            "logged_points": len(history),
            "first_train_loss": float(train_rows["loss"].iloc[0]) if len(train_rows) else None,
            "last_train_loss": float(train_rows["loss"].iloc[-1]) if len(train_rows) else None,
            "best_val_loss": float(validation_rows["loss"].min()) if len(validation_rows) else None,
            "last_val_accuracy": (
                float(validation_rows["accuracy"].iloc[-1]) if len(validation_rows) else None
            ),
        },
        "metrics": run.metrics,
        "baseline": run.baseline,
        "config": run.config.to_dict(),
    }
    if run.config.data.source == "built-in":
        summary["retrain"] = "python -m playground train " + " ".join(retrain_flags(run))
        if run.status not in ("finished", "loaded"):
            summary["retrain_note"] = (
                f"trains to the end; this file's training ended at step {run.steps:,} of {run.total_steps:,}"
            )
    return summary


def show_command(args: argparse.Namespace) -> int:
    run = _load(args.model)
    if run is None:
        return 2
    summary = model_summary(run)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return 0
    for key, value in summary.items():
        if isinstance(value, dict):
            print(for_terminal(f"{key}:"))
            for inner, inner_value in value.items():
                if isinstance(inner_value, dict):
                    inner_value = ", ".join(f"{k}={v}" for k, v in inner_value.items())
                print(for_terminal(f"  {inner:>22}: {inner_value}"))
        else:
            print(for_terminal(f"{key:>24}: {value}"))
    return 0
