"""A training beside pages being drawn: in a thread of the server (sharing the interpreter lock with
the pages) against a child process (`playground.training_process`), in one invocation:

    python -m bench.interpreter_lock [--steps 20] [--repeats 2] [--pages 0 1 2]

"Pages" are threads that build plotly figures without pause, as the scripts of sessions drawing
their pages do. The training is the default sentiment LSTM cut at `--steps` steps, on one thread (a
server's share of two cores with two trainings at once). Thread and child alternate within each
repeat, so both see the same load; the table gives the median seconds and the ratio to the same
training with no pages.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time

TIME_LIMIT_S = 60.0  # a training still going then stops; its seconds are then a lower bound


def _pages(count: int) -> tuple[threading.Event, list[threading.Thread]]:
    import plotly.graph_objects as go

    stop = threading.Event()

    def draw() -> None:
        while not stop.is_set():
            heatmaps = [go.Heatmap(z=[[i * j for j in range(30)] for i in range(30)]) for _ in range(5)]
            go.Figure(heatmaps).to_dict()

    threads = [threading.Thread(target=draw, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    return stop, threads


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.interpreter_lock", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--pages", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args()

    from playground.config import default_config
    from playground.data.datasets import build_builtin
    from playground.run import create_run
    from playground.threads import use_threads
    from playground.train import train_run
    from playground.training_process import ChildTraining, start_forkserver

    start_forkserver()
    use_threads(1)
    config = default_config("sentiment", "lstm")
    config.train.max_steps = args.steps
    data = build_builtin(config.data)
    ChildTraining(create_run(config, data), data, 1).train()  # the forkserver's imports, once

    def in_thread() -> float:
        run = create_run(config, data)
        started = time.perf_counter()
        train_run(run, data, time_limit=TIME_LIMIT_S)
        return time.perf_counter() - started

    def in_child() -> float:
        run = create_run(config, data)
        started = time.perf_counter()
        ChildTraining(run, data, 1, TIME_LIMIT_S).train()
        return time.perf_counter() - started

    seconds: dict[tuple[int, str], list[float]] = {}
    for _ in range(args.repeats):
        for pages in args.pages:
            stop, threads = _pages(pages)
            time.sleep(0.2)
            for name, train in (("thread", in_thread), ("child process", in_child)):
                seconds.setdefault((pages, name), []).append(train())
            stop.set()
            for thread in threads:
                thread.join()
    rows = []
    for (pages, name), values in seconds.items():
        alone = statistics.median(seconds[(min(args.pages), name)])
        median = statistics.median(values)
        ratio = round(median / alone, 1)
        rows.append({"pages": pages, "where": name, "seconds": round(median, 3), "ratio": ratio})
    print(f"| page threads | training in | {args.steps} steps, median s | × with {min(args.pages)} pages |")
    print("|---|---|---|---|")
    for row in sorted(rows, key=lambda r: (r["pages"], r["where"])):
        print(f"| {row['pages']} | {row['where']} | {row['seconds']:.2f} | {row['ratio']:.1f} |")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(rows, out, indent=1)


if __name__ == "__main__":
    main()
