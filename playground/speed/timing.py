"""Timing helpers: medians after a warm-up, and interleaved A/B comparisons measured in one run."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(work: Callable[[], object], repeats: int) -> float:
    """The median wall time of `repeats` runs of `work`, after one warm-up run."""
    work()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def interleaved(first: Callable[[], float], second: Callable[[], float], repeats: int) -> tuple[float, float]:
    """Median of each of two measurements taken A B A B ..., so drift on a shared machine hits both.

    Each callable runs once and returns the quantity it measured (for example ms per step).
    """
    a, b = [], []
    for _ in range(repeats):
        a.append(first())
        b.append(second())
    return statistics.median(a), statistics.median(b)


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of `values` by the nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def row(
    benchmark: str,
    case: str,
    measured: float,
    unit: str,
    *,
    reference: float | None = None,
    target: str = "",
    note: str = "",
) -> dict:
    """One line of the benchmark table; `ratio` is measured / reference when there is a reference."""
    return {
        "benchmark": benchmark,
        "case": case,
        "measured": round(measured, 4),
        "unit": unit,
        "reference": None if reference is None else round(reference, 4),
        "ratio": None if not reference else round(measured / reference, 3),
        "target": target,
        "note": note,
    }
