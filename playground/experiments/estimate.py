"""A rough time for an experiment's settings, scaled from the time its shipped measurements took.

Each experiment's cost is a count of work in its own units (training steps times the lengths a
model reads, epochs times sentences, ...); the shipped runs give seconds per unit of that work on
the machine that measured them (2 CPU threads), and a new setting costs its work at that rate. Some
shipped commands ran side by side (up to 5 times slower), so the rate is the fastest file's: the
time on an otherwise idle machine. A rough guide, within about a factor of two, not a measurement.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

from playground.experiments.registry import EXPERIMENTS
from playground.experiments.tables import reference_reports

# A step of these models against one of an RNN, from the shipped T = 100 runs (98 and 28 s a seed
# against 41 s for each recurrent model)
ADDING_STEP_COST = {"transformer": 2.4, "transformer-no-attention": 0.7}


def _adding(s: dict) -> float:
    # a step reads every position once; +25: the fixed cost of a step (batching, the optimizer)
    models = sum(ADDING_STEP_COST.get(arch, 1.0) for arch in s["architectures"])
    return s["steps"] * models * sum(length + 25 for length in s["lengths"])


def _agreement(s: dict) -> float:
    return s["epochs"] * len(s["architectures"]) * s["num_sentences"]


def _bottleneck(s: dict) -> float:
    steps = sum((s.get("plain_steps") or s["steps"]) if m == "plain" else s["steps"] for m in s["models"])
    return steps * (s["hidden"] + 64) * (s["max_clauses"] + 1)  # 64: the word vectors' width


def _parallel(s: dict) -> float:
    return len(s["models"]) * s.get("repeats", 5) * sum(s["lengths"])


WORK: dict[str, Callable[[dict], float]] = {
    "adding": _adding,
    "agreement": _agreement,
    "bottleneck": _bottleneck,
    "parallel": _parallel,
}


@functools.cache  # read once per process: the files ship with the app (as `reference_result`)
def seconds_per_work(name: str) -> float | None:
    """Seconds per unit of work in the fastest of the shipped runs of `name` (each file: its seeds)."""
    rates = [
        float(r["seconds"]) / (WORK[name](r["settings"]) * len(r["settings"].get("seeds", [0])))
        for r in reference_reports(name) or []
    ]
    return min(rates, default=None)


def rough_seconds(name: str, settings: dict) -> float | None:
    """About how long experiment `name` takes at `settings` (the rest at their defaults), one seed."""
    rate = seconds_per_work(name)
    if rate is None:
        return None
    return rate * WORK[name](with_defaults(name, settings))


def with_defaults(name: str, settings: dict) -> dict:
    """`settings` with the rest at the experiment's small settings, then its function's defaults."""
    parameters = inspect.signature(EXPERIMENTS[name].run).parameters.values()
    defaults = {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty}
    return defaults | EXPERIMENTS[name].small | settings


# Each experiment's unit of work (what a stopped run keeps whole), from its settings and from a row
UNITS: dict[str, tuple[Callable[[dict], int], Callable[[dict], object]]] = {
    "adding": (
        lambda s: len(s["lengths"]) * len(s["architectures"]),
        lambda r: (r["architecture"], r["length"]),
    ),
    "agreement": (lambda s: len(s["architectures"]), lambda r: r["architecture"]),
    "bottleneck": (lambda s: len(s["models"]), lambda r: r["model"]),
    "parallel": (lambda s: len(s["lengths"]) * len(s["models"]), lambda r: (r["model"], r["length"])),
}


def rough_seconds_left(name: str, settings: dict, rows: list[dict]) -> float | None:
    """About how long the rest of a stopped run takes: its whole time, less the units its rows finished."""
    whole = rough_seconds(name, settings)
    if whole is None:
        return None
    total, unit = UNITS[name]
    done = len({unit(row) for row in rows})
    return whole * max(0.0, 1.0 - done / max(total(with_defaults(name, settings)), 1))
