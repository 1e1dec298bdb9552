"""The command line (`python -m playground` or `sequence-playground`).

Subcommands: train, predict, show, app, bench, experiment.
Each subcommand has --help.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import sys
from pathlib import Path

import pandas as pd

from playground import __version__
from playground.cli.app import app_command
from playground.cli.checks import bounded_int, bounded_int_list, name_list, unreadable_text, unwritable
from playground.cli.flags import normalize_flags
from playground.cli.models import add_model_parsers, predict_command, show_command
from playground.cli.training import add_train_parser, train_command
from playground.device import DEVICE_CHOICES, describe_device, pick_device
from playground.text import for_terminal

# The experiment flags' bounds: the large settings fit (lengths to 2,048, 12,000 steps, hidden 256),
# and nothing asks for hundreds of GB.
MAX_LENGTH = 2048
MAX_LENGTHS = 16
MAX_EXPERIMENT_STEPS = 100_000
MAX_HIDDEN = 1024
MAX_SEEDS = 20


def bench_command(args: argparse.Namespace) -> int:
    from playground.speed import BENCHMARKS, run_benchmarks

    only = tuple(args.only.split(",")) if args.only else BENCHMARKS
    unknown = [name for name in only if name not in BENCHMARKS]
    if unknown:
        print(
            f"error: unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}",
            file=sys.stderr,
        )
        return 2
    if args.json and (problem := unwritable(Path(args.json))):
        print(f"error: --json {args.json}: {problem}.", file=sys.stderr)
        return 2
    if args.data:
        from playground.speed.gpt import MIN_CHARACTERS

        at_least = MIN_CHARACTERS if "gpt" in only else 1
        if problem := unreadable_text(Path(args.data), at_least, "the gpt benchmark"):
            print(for_terminal(f"error: --data {args.data}: {problem}."), file=sys.stderr)
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
    from playground.experiments.common import run_seeds
    from playground.experiments.registry import EXPERIMENTS

    experiment = EXPERIMENTS[args.name]
    settings = dict(experiment.large if args.size == "large" else experiment.small)
    accepted = inspect.signature(experiment.run).parameters
    for name, value in (
        ("lengths", args.lengths),
        ("steps", args.steps),
        ("hidden", args.hidden),
        ("plain_steps", args.plain_steps),
        (experiment.models_argument, args.models),
    ):
        if value is None:
            continue
        if name not in accepted:
            print(
                f"error: --{name.replace('_', '-')} does not apply to the {args.name} experiment",
                file=sys.stderr,
            )
            return 2
        settings[name] = value
    if args.json and (problem := unwritable(Path(args.json))):
        print(f"error: --json {args.json}: {problem}.", file=sys.stderr)
        return 2
    first = args.seed if args.seed is not None else 0
    seeds = list(range(first, first + args.seeds))
    device = pick_device(args.device)

    printed = 0

    def show(result, fraction: float) -> None:
        nonlocal printed
        for row in result.rows[printed:]:
            print(f"{fraction:6.1%} done, {result.seconds:7.1f} s: {row}", file=sys.stderr)
        printed = len(result.rows)

    try:
        result = run_seeds(args.name, experiment.run, settings, seeds, show, device=device)
    except (TypeError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    report = result.to_dict() | {
        "title": experiment.title,
        "device": str(device),
        "machine": describe_device(device),
        "published": experiment.published,
    }
    if args.json:
        with open(args.json, "w") as out:
            json.dump(report, out, indent=2)
    print(result.table.to_string(index=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m playground", description=__doc__)
    parser.add_argument("--version", action="version", version=f"sequence-playground {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    add_train_parser(commands)
    add_model_parsers(commands)
    commands.add_parser(
        "app",
        help="start the Streamlit app (from any folder)",
        description="Start the Streamlit app with the project's settings; any further "
        "arguments go to `streamlit run`, e.g. --server.port 8502.",
    )
    bench = commands.add_parser("bench", help="measure speed (never a timed test)")
    bench.add_argument("--quick", action="store_true", help="small sizes, to prove the benchmarks run")
    bench.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    bench.add_argument(
        "--only",
        help="comma-separated, from: overhead, gpt, first-model, latency, scaling, projection, recording, "
        "gpu (default: all)",
    )
    bench.add_argument("--data", metavar="PATH", help="a text file for the character-level benchmarks")
    bench.add_argument("--device", choices=DEVICE_CHOICES, default="cpu")
    experiment = commands.add_parser(
        "experiment", help="reproduce a classic result (see docs/experiments.md)"
    )
    experiment.add_argument("name", choices=["adding", "agreement", "bottleneck", "parallel"])
    experiment.add_argument(
        "--size",
        choices=["small", "large"],
        default="small",
        help="small: minutes on 2 CPU cores; large: for a GPU",
    )
    experiment.add_argument(
        "--lengths",
        type=bounded_int_list(1, MAX_LENGTH, MAX_LENGTHS),
        help=f"sequence lengths, e.g. 10,50,100 (each 1 to {MAX_LENGTH:,}, at most {MAX_LENGTHS})",
    )
    experiment.add_argument(
        "--models",
        type=name_list,
        help="which models: tanh,irnn,lstm,transformer,transformer-no-attention "
        "(adding), rnn,lstm,transformer,bow (agreement), plain,attention "
        "(bottleneck), rnn,lstm,transformer (parallel)",
    )
    steps = bounded_int(1, MAX_EXPERIMENT_STEPS)
    experiment.add_argument("--steps", type=steps, help="training steps per model")
    experiment.add_argument("--hidden", type=bounded_int(1, MAX_HIDDEN), help="hidden size")
    experiment.add_argument("--seed", type=bounded_int(0, 2**31 - 1), help="the first seed (default 0)")
    experiment.add_argument(
        "--seeds",
        type=bounded_int(1, MAX_SEEDS),
        default=1,
        help="how many seeds, from --seed on: the tables report their mean and spread",
    )
    experiment.add_argument(
        "--plain-steps", type=steps, help="bottleneck: training steps for the plain model (default: --steps)"
    )
    experiment.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    experiment.add_argument("--json", metavar="PATH", help="also write the settings and rows as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = normalize_flags(sys.argv[1:] if argv is None else list(argv))
    args, extra = parser.parse_known_args(argv)
    if args.command == "app":
        return app_command(extra)  # the rest is for `streamlit run`
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    commands = {
        "train": train_command,
        "predict": predict_command,
        "show": show_command,
        "experiment": experiment_command,
        "bench": bench_command,
    }
    try:
        return commands[args.command](args)
    except KeyboardInterrupt:  # before or after training (`train` keeps a run stopped while it trains)
        print("\nstopped (Ctrl+C)", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `show FILE | head`: the reader left; no traceback (Python's docs, signal)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
