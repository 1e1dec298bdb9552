"""`train`: what the Train page does, every form field, a data file, a share link, a model file."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from playground.api import load_data
from playground.cli.checks import unwritable
from playground.cli.flags import add_config_flags, config_from_flags, flag
from playground.cli.progress import ProgressBar
from playground.data.uploads import UploadError
from playground.device import DEVICE_CHOICES, pick_device
from playground.io import save_run
from playground.outcomes import not_learned
from playground.run import ConfigError, Run, count_model_parameters, create_run, edit_changes
from playground.share_links import config_from_link
from playground.text import for_terminal
from playground.threads import available_cores, use_threads
from playground.train import train_run


def add_train_parser(commands) -> None:
    train = commands.add_parser(
        "train",
        help="train a model as the Train page does (every form field is a flag)",
        description="Train a model as the Train page does. Every field of the form is a flag with the "
        "form's bounds; --link starts from a share link, --data from your own file, and "
        "--save writes the model file the Runs page loads.",
    )
    source = train.add_argument_group("where the settings and data come from")
    source.add_argument(
        "--link",
        metavar="URL",
        help="a share link (the whole URL, its query string, or the part after '?'): "
        "trains the model it describes; flags given too override its values",
    )
    source.add_argument(
        "--data",
        metavar="FILE",
        help="your own data instead of the built-in corpus: a .txt for next-word (one "
        "sentence per line, or --stream), a .csv for sentiment; at most 10 MB",
    )
    source.add_argument(
        "--stream",
        action="store_true",
        help="read the .txt as one stream cut into blocks (same as --text-layout stream)",
    )
    source.add_argument(
        "--text-column",
        metavar="NAME",
        help="the .csv column with the texts (default: guessed from the header, as the app does)",
    )
    source.add_argument(
        "--label-column", metavar="NAME", help="the .csv column with the labels (default: guessed)"
    )
    add_config_flags(train)
    output = train.add_argument_group("running and output")
    output.add_argument(
        "--device",
        choices=DEVICE_CHOICES,
        default="auto",
        help="auto: a CUDA GPU, then Apple MPS, then the CPU",
    )
    output.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="CPU threads PyTorch may use (default: all cores). The same seed trains to the same "
        "numbers only with the same threads: the app gives each training its share of the cores, "
        "and a run's device line says how many, e.g. 'CPU (1 thread)'",
    )
    output.add_argument(
        "--save",
        metavar="MODEL.safetensors",
        help="write the trained model to this file: the Runs page and `predict` load it",
    )
    output.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    output.add_argument("--quiet", action="store_true", help="no progress on stderr (warnings still show)")


def fail(message: str) -> int:
    print(for_terminal(f"error: {message}"), file=sys.stderr)
    return 2


def train_command(args: argparse.Namespace) -> int:
    try:
        base, link_warnings = config_from_link(args.link) if args.link is not None else (None, [])
        config, changed = config_from_flags(args, base)
    except ValueError as error:
        return fail(str(error))
    if args.stream:
        if config.data.task != "next-word":
            return fail("--stream reads a .txt as one stream of text: it is for next-word prediction only.")
        if args.text_layout == "lines":
            return fail(f"--stream and {flag('text_layout')} lines contradict each other.")
        config.data.text_layout = "stream"
    if args.data is not None:
        if args.source == "built-in":
            return fail(f"--data reads a file, but {flag('source')} built-in asks for the built-in corpus.")
        config.data.source = "upload"
    elif config.data.source == "upload":
        return fail(f"{flag('source')} upload needs a file: add --data FILE.")
    if args.threads is not None and not 1 <= args.threads <= available_cores():
        return fail(
            f"--threads must be from 1 to {available_cores()} (the cores this process may use), "
            f"not {args.threads}."
        )
    if args.save and (message := save_problem(Path(args.save))):
        return fail(message)  # before training, so no run is trained only to be lost
    for note in [*link_warnings, *changed]:
        print(for_terminal(f"warning: {note}"), file=sys.stderr)
    if args.threads is not None:
        use_threads(args.threads)
    try:
        device = pick_device(args.device)
        data, notes = load_data(config, args.data, args.text_column, args.label_column)
        for note in notes:
            print(for_terminal(f"warning: {note}"), file=sys.stderr)
        run = create_run(config, data)
    except (ConfigError, UploadError, RuntimeError, ValueError) as error:
        return fail(str(error))
    if not args.quiet:
        print(
            for_terminal(f"Data: {data.description}")
            + f" · vocabulary {len(data.vocab):,} tokens · {len(data.train):,} "
            f"training and {len(data.validation):,} validation examples · model: "
            f"{count_model_parameters(config, data):,} parameters",
            file=sys.stderr,
        )
    progress = None if args.quiet else ProgressBar()
    try:
        train_run(run, data, device, progress)
    except KeyboardInterrupt:
        # the Trainer marked the run interrupted; keep it
        print(for_terminal(f"\n{run.message}"), file=sys.stderr)
    except Exception:
        print(for_terminal(f"error: {run.message}"), file=sys.stderr)
    finally:
        if progress is not None:
            progress.close()
    if args.save:
        Path(args.save).write_bytes(save_run(run))
    if run.status == "finished" and (how := not_learned(run)) is not None:
        print(
            f"note: the model is {how} than one that ignores its input: it has not learned the task "
            "yet (train longer, raise the learning rate or enlarge it).",
            file=sys.stderr,
        )
    report = run_report(run) | ({"saved": str(args.save)} if args.save else {})
    if args.json:
        print(json.dumps(report | {"config": run.config.to_dict()}))
    else:
        for key, value in report.items():
            print(for_terminal(f"{key:>24}: {value}"))
    return 0 if run.status == "finished" else 1


def save_problem(path: Path) -> str | None:
    """Why the model could not be saved to `path`, checked before training."""
    if path.suffix != ".safetensors":
        return (
            f"--save {path.name}: a model file's name ends in .safetensors (the Runs page loads only those)."
        )
    problem = unwritable(path)
    return None if problem is None else f"--save {path}: {problem}."


def run_report(run: Run) -> dict:
    """The numbers that say how good a run is, next to its baseline."""
    m = run.metrics
    report = {
        "task": run.task,
        "arch": run.config.model.arch,
        "device": run.device,
        "status": run.status,
        "steps": run.steps,
        "seconds": round(run.seconds, 3),
        "parameters": run.num_parameters,
        "train_loss": _last_train_loss(run),
        "val_loss": m.get("val_loss"),
        "val_accuracy": m.get("val_accuracy"),
        "test_accuracy": m.get("test_accuracy"),
        "baseline_loss": run.baseline.get("loss"),
        "baseline_accuracy": run.baseline.get("accuracy"),
        "data": run.data_description,
    }
    if run.task == "next-word" and m.get("val_loss") is not None:
        report["val_perplexity"] = math.exp(m["val_loss"])
        report["baseline_perplexity"] = math.exp(run.baseline["loss"])
    report |= {key: value for key, value in m.items() if key in SENTIMENT_CHECKS}
    if changes := edit_changes(m):
        report["test_edit_changes"] = changes  # accuracy with each edit minus without it
    if run.status != "finished":
        report["message"] = run.message
    return report


# Sentiment checks: order, unseen structures, edits that keep the meaning, calibration.
SENTIMENT_CHECKS = (
    "order_subset_accuracy",
    "unseen_structure_accuracy",
    "unseen_order_sensitive_accuracy",
    "test_full_stop_accuracy",
    "test_comma_accuracy",
    "test_capitals_accuracy",
    "test_no_punctuation_accuracy",
    "test_ece",
    "unknown_p_positive_min",
    "unknown_p_positive_max",
)


def _last_train_loss(run: Run) -> float | None:
    rows = [r for r in run.history_rows if r["split"] == "train"]
    return rows[-1]["loss"] if rows else None
