"""Threads per training: the old policy (PyTorch's default, every core per training) against the new one
(max(1, cores // trainings)), for one training alone, two at once, and two at once beside another
process that keeps every core busy. Each scenario runs in a fresh process, all in one invocation:

    python -m bench.threads [--steps 300] [--repeats 3] [--json out.json]

Old and new alternate within each repeat (A B A B), so both see the same background load; the
table takes the median seconds per training over the repeats.

The trainings are the default sentiment LSTM (12,000 reviews), cut at `--steps` steps, trained as
the server trains them: each in its own thread of one process.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

SCENARIOS = [  # (name, trainings at once, other process keeps the cores busy)
    ("one training alone", 1, False),
    ("two at once", 2, False),
    ("two at once, cores busy elsewhere", 2, True),
]
TIME_LIMIT_S = 150.0  # a training still going then is stopped; its rate still counts


def _busy_process() -> subprocess.Popen:
    """Another process keeping every core busy with matrix products (PyTorch's default threads)."""
    code = "import torch\na = torch.randn(512, 512)\nwhile True:\n    a @ a\n"
    return subprocess.Popen([sys.executable, "-c", code])


def scenario(trainings: int, threads: int | None, steps: int) -> list[dict]:
    """Train `trainings` runs at once in threads of this process; `threads` None keeps PyTorch's default."""
    import torch

    from playground.config import default_config
    from playground.data.datasets import build_builtin
    from playground.threads import use_threads
    from playground.train import create_run, train_run

    config = default_config("sentiment", "lstm")
    config.train.max_steps = steps
    data = build_builtin(config.data)
    results: list[dict] = []

    def one(seed: int) -> None:
        if threads is not None:
            use_threads(threads)
        run_config = default_config("sentiment", "lstm")
        run_config.train.max_steps, run_config.train.seed = steps, seed
        run = create_run(run_config, data)
        started = time.perf_counter()
        train_run(run, data, time_limit=TIME_LIMIT_S)
        seconds = time.perf_counter() - started
        results.append(
            {
                "steps": run.steps,
                "seconds": round(seconds, 2),
                "steps_per_s": round(run.steps / seconds, 1),
                "threads": torch.get_num_threads(),
                "status": run.status,
            }
        )

    workers = [threading.Thread(target=one, args=(seed,)) for seed in range(trainings)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


def measure(trainings: int, threads: int | None, steps: int, busy: bool) -> list[dict]:
    """One scenario in a fresh process, with another process keeping the cores busy if `busy`."""
    other = _busy_process() if busy else None
    try:
        output = subprocess.run(
            [sys.executable, "-m", "bench.threads", "--one", json.dumps([trainings, threads, steps])],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        if other is not None:
            other.kill()
            other.wait()
    return json.loads(output.strip().splitlines()[-1])


def run(steps: int, repeats: int) -> list[dict]:
    """Every scenario under both policies, alternating, `repeats` times; medians per scenario and policy."""
    from playground.threads import available_cores, threads_per_training

    cores = available_cores()
    seconds: dict[tuple[str, str], list[float]] = {}
    used: dict[tuple[str, str], int] = {}
    for _ in range(repeats):
        for name, trainings, busy in SCENARIOS:
            for policy in ("old", "new"):
                threads = None if policy == "old" else threads_per_training(trainings, cores)
                results = measure(trainings, threads, steps, busy)
                seconds.setdefault((name, policy), []).extend(r["seconds"] for r in results)
                used[name, policy] = results[0]["threads"]
                print(json.dumps({"scenario": name, "policy": policy, "results": results}), flush=True)
    rows = []
    for (name, policy), values in seconds.items():
        rows.append(
            {
                "scenario": name,
                "policy": policy,
                "threads_per_training": used[name, policy],
                "median_s_per_training": round(statistics.median(values), 2),
                "all_s": values,
                "steps": steps,
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.threads", description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=300, help="steps per training")
    parser.add_argument("--repeats", type=int, default=3, help="alternating old/new rounds")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: one scenario in this process
    args = parser.parse_args()
    if args.one:
        trainings, threads, steps = json.loads(args.one)
        print(json.dumps(scenario(trainings, threads, steps)))
        return
    rows = run(args.steps, args.repeats)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
