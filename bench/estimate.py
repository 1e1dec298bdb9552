"""Calibrate and check playground.budget: measured peak memory and step time against the estimate.

    python -m bench.estimate [--json bench/estimate.json]

Each configuration trains for a few steps (and evaluates, as a run does) in a fresh Python
process, so its peak resident memory (ru_maxrss) is its own; the peak above the memory held once
its data and untrained model exist is what the estimate predicts. Step time is the median of
steps 2 onwards; bench/estimate.json keeps the faster of two runs, as other work shared the cores.
tests/test_budget.py holds the estimate within a factor of 2 of every row of the
saved JSON, so a change to the models or to the estimate must re-run this.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

SAVED = Path(__file__).with_name("estimate.json")
STEPS = 5

# A spread: each architecture, both tasks, small to ~1 GB, long and short sequences, big vocabularies.
CONFIGS: list[dict[str, dict]] = [
    {
        "data": {
            "task": "next-word",
            "tokenizer": "char",
            "text_layout": "stream",
            "max_length": 128,
            "num_sentences": 3000,
        },
        "model": {
            "arch": "transformer",
            "embedding_dim": 128,
            "hidden_dim": 256,
            "num_layers": 2,
            "num_heads": 4,
        },
        "train": {"batch_size": 128},
    },
    {
        "data": {
            "task": "next-word",
            "tokenizer": "char",
            "text_layout": "stream",
            "max_length": 256,
            "num_sentences": 3000,
        },
        "model": {
            "arch": "transformer",
            "embedding_dim": 64,
            "hidden_dim": 128,
            "num_layers": 2,
            "num_heads": 8,
        },
        "train": {"batch_size": 64},
    },
    {
        "data": {
            "task": "next-word",
            "tokenizer": "word",
            "text_layout": "stream",
            "max_length": 64,
            "num_sentences": 6000,
        },
        "model": {
            "arch": "transformer",
            "embedding_dim": 256,
            "hidden_dim": 512,
            "num_layers": 3,
            "num_heads": 4,
        },
        "train": {"batch_size": 256},
    },
    {
        "data": {"task": "sentiment", "num_sentences": 3000},
        "model": {
            "arch": "transformer",
            "embedding_dim": 128,
            "hidden_dim": 512,
            "num_layers": 2,
            "num_heads": 4,
        },
        "train": {"batch_size": 512},
    },
    {
        "data": {
            "task": "next-word",
            "tokenizer": "char",
            "text_layout": "stream",
            "max_length": 256,
            "num_sentences": 3000,
        },
        "model": {"arch": "lstm", "embedding_dim": 64, "hidden_dim": 512, "num_layers": 2},
        "train": {"batch_size": 128},
    },
    {
        "data": {
            "task": "next-word",
            "tokenizer": "word",
            "text_layout": "lines",
            "max_length": 32,
            "num_sentences": 6000,
        },
        "model": {"arch": "lstm", "embedding_dim": 128, "hidden_dim": 256, "num_layers": 1},
        "train": {"batch_size": 512},
    },
    {
        "data": {"task": "sentiment", "num_sentences": 3000},
        "model": {"arch": "lstm", "embedding_dim": 64, "hidden_dim": 1024, "num_layers": 1},
        "train": {"batch_size": 256},
    },
    {
        "data": {
            "task": "next-word",
            "tokenizer": "char",
            "text_layout": "stream",
            "max_length": 256,
            "num_sentences": 3000,
        },
        "model": {"arch": "rnn", "embedding_dim": 64, "hidden_dim": 512, "num_layers": 2},
        "train": {"batch_size": 256},
    },
    {
        "data": {
            "task": "next-word",
            "tokenizer": "word",
            "text_layout": "stream",
            "max_length": 128,
            "num_sentences": 6000,
        },
        "model": {"arch": "bow", "embedding_dim": 256},
        "train": {"batch_size": 256},
    },
    {
        "data": {
            "task": "next-word",
            "tokenizer": "word",
            "text_layout": "lines",
            "max_length": 32,
            "num_sentences": 1000,
        },
        "model": {"arch": "lstm", "embedding_dim": 32, "hidden_dim": 64, "num_layers": 1},
        "train": {"batch_size": 64},
    },
    # Held out: measured after the coefficients were fitted to the ten above, to check them (the
    # last one, a bag of words, showed a missing per-token cost and then joined the fit).
    {
        "data": {"task": "sentiment", "num_sentences": 3000},
        "model": {
            "arch": "transformer",
            "embedding_dim": 256,
            "hidden_dim": 1024,
            "num_layers": 3,
            "num_heads": 8,
        },
        "train": {"batch_size": 256},
    },
    {
        "data": {
            "task": "next-word",
            "tokenizer": "word",
            "text_layout": "lines",
            "max_length": 32,
            "num_sentences": 6000,
        },
        "model": {"arch": "rnn", "embedding_dim": 128, "hidden_dim": 256, "num_layers": 3},
        "train": {"batch_size": 256},
    },
    {
        "data": {
            "task": "next-word",
            "tokenizer": "char",
            "text_layout": "stream",
            "max_length": 128,
            "num_sentences": 3000,
        },
        "model": {"arch": "lstm", "embedding_dim": 32, "hidden_dim": 256, "num_layers": 3},
        "train": {"batch_size": 64},
    },
    {
        "data": {
            "task": "next-word",
            "tokenizer": "word",
            "text_layout": "stream",
            "max_length": 128,
            "num_sentences": 6000,
        },
        "model": {
            "arch": "transformer",
            "embedding_dim": 64,
            "hidden_dim": 128,
            "num_layers": 1,
            "num_heads": 2,
        },
        "train": {"batch_size": 16},
    },
    {
        "data": {"task": "sentiment", "num_sentences": 3000},
        "model": {"arch": "bow", "embedding_dim": 512},
        "train": {"batch_size": 512},
    },
]
HELD_OUT = range(10, 14)  # not used to fit playground.budget's coefficients

CHILD = r"""
import json, resource, statistics, sys, time
import torch
torch.set_num_threads(int(sys.argv[2]))
from playground.config import ExperimentConfig
from playground.data.datasets import build_builtin
from playground.run import create_run
from playground.train import Trainer
from playground.budget import estimate_run
spec = json.loads(sys.argv[1])
config, _ = ExperimentConfig.from_dict(spec)
config.train.max_steps = 0
data = build_builtin(config.data)
run = create_run(config, data)
import torch._dynamo  # the server imports it at start (ui.state.warm_up_in_background): not the run's
torch.optim.Adam([torch.zeros(1, requires_grad=True)])
import gc; gc.collect()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
rss = lambda: int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20
base = rss()
estimate = estimate_run(config, data)
config.train.max_steps = int(sys.argv[3])
trainer = Trainer(run, data, record_gradients=False, log_every=1)
trainer.train()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
times = [r["seconds"] for r in run.history_rows if r["split"] == "train"]
steps = [b - a for a, b in zip(times, times[1:])][1:]
print(json.dumps({"peak_mb": peak - max(before, base), "step_seconds": statistics.median(steps),
                  "estimate_mb": estimate.peak_mb, "estimate_step_seconds": estimate.step_seconds,
                  "vocabulary": len(data.vocab), "train_examples": len(data.train),
                  "parameters": run.num_parameters, "status": run.status}))
"""


def measure(spec: dict, threads: int = 2, steps: int = STEPS) -> dict:
    """One configuration in a fresh process: its peak memory above its baseline and its step time."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(spec), str(threads), str(steps)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    measured = json.loads(out.stdout.strip().splitlines()[-1])
    return {
        "config": spec,
        "peak_mb": round(measured["peak_mb"], 1),
        "step_seconds": round(measured["step_seconds"], 4),
        **measured,
    }


IDLE_CHILD = r"""
import gc, json, sys
import torch
torch.set_num_threads(2)
import torch._dynamo
from playground.config import ExperimentConfig
from playground.data.datasets import build_builtin
from playground.memory import release_memory, resident_mb
from playground.run import create_run
from playground.train import Trainer
config, _ = ExperimentConfig.from_dict(json.loads(sys.argv[1]))
data = build_builtin(config.data)
figures = {"before": resident_mb()}
run = create_run(config, data)
Trainer(run, data, record_gradients=False).train()
figures["after training, run kept"] = resident_mb()
del run
gc.collect()
figures["run dropped (gc only)"] = resident_mb()
release_memory()
figures["after release_memory()"] = resident_mb()
print(json.dumps(figures))
"""
IDLE_CONFIG = {
    "data": {"task": "sentiment", "num_sentences": 3000},
    "model": {"arch": "lstm", "embedding_dim": 64, "hidden_dim": 1024, "num_layers": 1},
    "train": {"batch_size": 256, "max_steps": 10},
}


def idle_memory() -> dict[str, float]:
    """Resident MB of a fresh process around one ~400 MB training: what stays, what is given back."""
    out = subprocess.run(
        [sys.executable, "-c", IDLE_CHILD, json.dumps(IDLE_CONFIG)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=SAVED)
    parser.add_argument("--only", type=int, nargs="*", help="indices of CONFIGS to run")
    parser.add_argument("--idle", action="store_true", help="only the memory given back after a training")
    args = parser.parse_args()
    if args.idle:
        for name, mb in idle_memory().items():
            print(f"{name:<28} {mb:7.0f} MB")
        return
    rows = []
    for i, spec in enumerate(CONFIGS):
        if args.only and i not in args.only:
            continue
        row = measure(spec)
        rows.append({"held_out": i in HELD_OUT, **row})
        print(
            f"{i}: {spec['model']['arch']:<11} peak {row['peak_mb']:7.0f} MB (estimate "
            f"{row['estimate_mb']:7.0f}), step {row['step_seconds']:.3f} s (estimate "
            f"{row['estimate_step_seconds']:.3f})",
            flush=True,
        )
    ratios = [r["estimate_mb"] / r["peak_mb"] for r in rows] + [
        r["estimate_step_seconds"] / r["step_seconds"] for r in rows
    ]
    print(
        f"estimate / measured: {min(ratios):.2f} to {max(ratios):.2f}, median {statistics.median(ratios):.2f}"
    )
    args.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
