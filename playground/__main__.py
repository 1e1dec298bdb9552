"""Command line: python -m playground train | bench | experiment NAME (see --help)."""

from __future__ import annotations

import argparse
import inspect
import json
import math
import sys

import pandas as pd

from playground.config import ARCHITECTURES, TASKS, ExperimentConfig, default_config
from playground.data.datasets import build_builtin
from playground.device import DEVICE_CHOICES, describe_device, pick_device
from playground.train import ConfigError, Progress, Run, create_run, train_run


def train_command(args: argparse.Namespace) -> int:
    config = default_config(args.task, args.arch)
    if args.epochs is not None:
        config.train.epochs = args.epochs
    if args.seed is not None:
        config.train.seed = args.seed
    config, warnings = ExperimentConfig.from_dict(config.to_dict())
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    try:
        device = pick_device(args.device)
        data = build_builtin(config.data)
        run = create_run(config, data)
    except (ConfigError, RuntimeError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    def show(run: Run, progress: Progress) -> None:
        if not args.json and progress.val_loss is not None:
            print(f"step {progress.step:>5}/{progress.total_steps}  epoch {progress.epoch:5.2f}  "
                  f"train loss {progress.train_loss:.3f}  val loss {progress.val_loss:.3f}  "
                  f"val acc {progress.val_accuracy:.3f}  {progress.seconds:6.1f}s", file=sys.stderr)

    train_run(run, data, device, show)
    result = run_report(run)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>24}: {value}")
    return 0 if run.status == "finished" else 1


def run_report(run: Run) -> dict:
    """The numbers that say how good a run is, next to its baseline."""
    m = run.metrics
    report = {
        "task": run.task, "arch": run.config.model.arch, "device": run.device,
        "status": run.status, "steps": run.steps, "seconds": round(run.seconds, 3),
        "parameters": run.num_parameters, "train_loss": _last_train_loss(run),
        "val_loss": m.get("val_loss"), "val_accuracy": m.get("val_accuracy"),
        "test_accuracy": m.get("test_accuracy"),
        "baseline_loss": run.baseline.get("loss"), "baseline_accuracy": run.baseline.get("accuracy"),
    }
    if run.task == "next-word" and m.get("val_loss") is not None:
        report["val_perplexity"] = math.exp(m["val_loss"])
        report["baseline_perplexity"] = math.exp(run.baseline["loss"])
    report |= {key: value for key, value in m.items() if key in SENTIMENT_CHECKS}
    if run.status != "finished":
        report["message"] = run.message
    return report


# Sentiment checks (issue 23): order, unseen structures, edits that keep the meaning, calibration.
SENTIMENT_CHECKS = ("order_subset_accuracy", "unseen_structure_accuracy", "unseen_order_sensitive_accuracy",
                    "test_full_stop_accuracy", "test_comma_accuracy", "test_capitals_accuracy",
                    "test_no_punctuation_accuracy", "test_ece", "unknown_p_positive_min",
                    "unknown_p_positive_max")


def _last_train_loss(run: Run) -> float | None:
    rows = [r for r in run.history_rows if r["split"] == "train"]
    return rows[-1]["loss"] if rows else None


def bench_command(args: argparse.Namespace) -> int:
    from playground.bench import BENCHMARKS, run_benchmarks

    only = tuple(args.only.split(",")) if args.only else BENCHMARKS
    unknown = [name for name in only if name not in BENCHMARKS]
    if unknown:
        print(f"error: unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}",
              file=sys.stderr)
        return 2
    device = pick_device(args.device)
    rows = run_benchmarks(quick=args.quick, only=only, data=args.data, device=device)
    with pd.option_context("display.width", 200, "display.max_colwidth", 70):
        print(pd.DataFrame(rows).to_string(index=False))
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"machine": describe_device(device), "quick": args.quick, "rows": rows}, out, indent=2)
    return 0


def experiment_command(args: argparse.Namespace) -> int:
    from playground.experiments.registry import EXPERIMENTS

    experiment = EXPERIMENTS[args.name]
    settings = dict(experiment.large if args.size == "large" else experiment.small)
    accepted = inspect.signature(experiment.run).parameters
    for name, value in (("lengths", args.lengths), ("steps", args.steps), ("hidden", args.hidden),
                        ("seed", args.seed), (experiment.models_argument, args.models)):
        if value is None:
            continue
        if name not in accepted:
            print(f"error: --{name} does not apply to the {args.name} experiment", file=sys.stderr)
            return 2
        settings[name] = value
    device = pick_device(args.device)

    printed = 0

    def show(result, fraction: float) -> None:
        nonlocal printed
        for row in result.rows[printed:]:
            print(f"{fraction:6.1%} done, {result.seconds:7.1f} s: {row}", file=sys.stderr)
        printed = len(result.rows)

    try:
        result = experiment.run(**settings, device=device, progress=show)
    except (TypeError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    report = result.to_dict() | {"title": experiment.title, "device": str(device),
                                 "machine": describe_device(device), "published": experiment.published}
    if args.json:
        with open(args.json, "w") as out:
            json.dump(report, out, indent=2)
    print(result.table.to_string(index=False))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m playground", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a model on built-in data")
    train.add_argument("--task", choices=TASKS, default="next-word")
    train.add_argument("--arch", choices=ARCHITECTURES, default="lstm")
    train.add_argument("--epochs", type=int, help="passes over the data (default: the task's)")
    train.add_argument("--seed", type=int, help="seed for weights and batch order")
    train.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    train.add_argument("--json", action="store_true", help="print one JSON object")
    bench = commands.add_parser("bench", help="measure speed (never a timed test)")
    bench.add_argument("--quick", action="store_true", help="small sizes, to prove the benchmarks run")
    bench.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    bench.add_argument("--only", help="comma-separated, from: overhead, first-model, latency, scaling, "
                                      "projection, recording")
    bench.add_argument("--data", metavar="PATH", help="a text file for the character-level benchmarks")
    bench.add_argument("--device", choices=DEVICE_CHOICES, default="cpu")
    experiment = commands.add_parser("experiment",
                                     help="reproduce a classic result (see docs/experiments.md)")
    experiment.add_argument("name", choices=["adding", "agreement", "bottleneck", "parallel"])
    experiment.add_argument("--size", choices=["small", "large"], default="small",
                            help="small: minutes on 2 CPU cores; large: for a GPU")
    experiment.add_argument("--lengths", type=_int_list, help="sequence lengths, e.g. 10,50,100")
    experiment.add_argument("--models", type=lambda text: text.split(","),
                            help="which models: tanh,irnn,lstm,transformer (adding), rnn,lstm,transformer,"
                                 "bow (agreement), plain,attention (bottleneck), rnn,lstm,transformer")
    experiment.add_argument("--steps", type=int, help="training steps per model")
    experiment.add_argument("--hidden", type=int, help="hidden size")
    experiment.add_argument("--seed", type=int)
    experiment.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    experiment.add_argument("--json", metavar="PATH", help="also write the settings and rows as JSON")
    args = parser.parse_args(argv)
    if args.command == "experiment":
        return experiment_command(args)
    return bench_command(args) if args.command == "bench" else train_command(args)


def _int_list(text: str) -> list[int]:
    return [int(item) for item in text.split(",")]


if __name__ == "__main__":
    sys.exit(main())
