"""What every experiment shares: a table that grows point by point, progress, and a stop signal."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

import pandas as pd
import torch

from playground.models.transformer import sinusoidal_positions


@dataclass
class ExperimentResult:
    """Rows measured so far, the settings that produced them, and how long it took."""

    name: str
    settings: dict
    rows: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    complete: bool = False
    carried: int = 0  # rows carried over from a stopped run this one goes on from (not written out)

    @property
    def table(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)

    @classmethod
    def from_dict(cls, data: dict) -> ExperimentResult:
        """The result `to_dict` wrote (as the CLI's --json files hold it)."""
        return cls(
            data["experiment"],
            data["settings"],
            list(data["rows"]),
            float(data["seconds"]),
            bool(data["complete"]),
        )

    def to_dict(self) -> dict:
        return {
            "experiment": self.name,
            "settings": self.settings,
            "complete": self.complete,
            "seconds": round(self.seconds, 2),
            "rows": self.rows,
        }


# Called after every finished point with the result so far and the fraction done; a caller that
# wants to stop raises from it, and every point measured before stays in the result.
Progress = Callable[[ExperimentResult, float], None]


def no_progress(result: ExperimentResult, fraction: float) -> None:
    """The default: nothing to show."""


def carry_over(
    result: ExperimentResult, stopped: ExperimentResult | None, unit: Callable[[dict], Hashable]
) -> set:
    """Start `result` from the points of `stopped`, a stopped run with the same settings; their units.

    An experiment reports progress only between whole units (a model at a length, a model), so a
    stopped run's rows are whole units: the run goes on with the units not in the returned set, and
    each unit seeds itself, so the points are those one unstopped run would have measured.
    """
    if (
        stopped is None
        or stopped.complete
        or (stopped.name, stopped.settings) != (result.name, result.settings)
    ):
        return set()
    result.rows, result.seconds = [dict(row) for row in stopped.rows], stopped.seconds
    result.carried = len(result.rows)
    return {unit(row) for row in result.rows}


class Clock:
    """Seconds since the experiment started (including a stopped run it goes on from), written as it goes."""

    def __init__(self, result: ExperimentResult):
        self.result, self.start = result, time.perf_counter() - result.seconds

    def tick(self) -> None:
        self.result.seconds = time.perf_counter() - self.start


class FeedForwardOnly(torch.nn.Module):
    """A pre-norm encoder block with its attention removed: x + FF(LayerNorm(x)), position by position.

    The ablation that shows what attention adds: no position can see any other.
    """

    def __init__(self, dim: int, layers: int):
        super().__init__()
        self.blocks = torch.nn.ModuleList(
            torch.nn.Sequential(
                torch.nn.LayerNorm(dim),
                torch.nn.Linear(dim, 2 * dim),
                torch.nn.ReLU(),
                torch.nn.Linear(2 * dim, dim),
            )
            for _ in range(layers)
        )

    def forward(self, x: torch.Tensor, **_: object) -> torch.Tensor:
        for block in self.blocks:
            x = x + block(x)
        return x


class PositionalEncoder(torch.nn.Module):
    """A Transformer encoder over vectors (not tokens): project, add sine positions, attend.

    `attention=False` keeps everything but the attention (see FeedForwardOnly).
    """

    def __init__(
        self,
        input_size: int,
        dim: int,
        layers: int = 2,
        heads: int = 4,
        max_length: int = 2048,
        attention: bool = True,
    ):
        super().__init__()
        self.project = torch.nn.Linear(input_size, dim)
        self.register_buffer("positions", sinusoidal_positions(max_length, dim), persistent=False)
        if attention:
            layer = torch.nn.TransformerEncoderLayer(
                dim, heads, 2 * dim, dropout=0.0, batch_first=True, norm_first=True
            )
            self.encoder = torch.nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        else:
            self.encoder = FeedForwardOnly(dim, layers)

    def forward(
        self, inputs: torch.Tensor, padding: torch.Tensor | None = None, causal: bool = False
    ) -> torch.Tensor:
        length = inputs.shape[1]
        x = self.project(inputs) + self.positions[:length]
        mask = (
            torch.nn.Transformer.generate_square_subsequent_mask(length, device=x.device) if causal else None
        )
        return self.encoder(x, mask=mask, src_key_padding_mask=padding, is_causal=causal)


def run_seeds(
    name: str,
    run: Callable[..., ExperimentResult],
    settings: dict,
    seeds: list[int],
    progress: Progress = no_progress,
    **kwargs: object,
) -> ExperimentResult:
    """`run(**settings, seed=s)` for every seed, its rows tagged with the seed, in one result.

    Every table of the docs and the page reports the mean and the spread over these seeds. A run
    stopped part-way keeps the rows measured so far.
    """
    if not seeds:
        raise ValueError("give at least one seed")
    settings = {k: v for k, v in settings.items() if k != "seed"}
    merged = ExperimentResult(name, settings | {"seeds": list(seeds)})
    start = time.perf_counter()
    for index, seed in enumerate(seeds):
        before = len(merged.rows)

        def within(
            result: ExperimentResult,
            fraction: float,
            index: int = index,
            seed: int = seed,
            before: int = before,
        ) -> None:
            merged.rows[before:] = [row | {"seed": seed} for row in result.rows]
            merged.seconds = time.perf_counter() - start
            progress(merged, (index + fraction) / len(seeds))

        result = run(**settings, seed=seed, progress=within, **kwargs)
        extra = {k: v for k, v in result.settings.items() if k not in merged.settings and k != "seed"}
        merged.settings |= extra  # what a run measured about its setup, e.g. agreement's training profile
        merged.rows[before:] = [row | {"seed": seed} for row in result.rows]
        merged.seconds = time.perf_counter() - start
        if not result.complete:
            return merged
    merged.complete = True
    return merged


def seed_key_columns(table: pd.DataFrame, values: list[str]) -> list[str]:
    """The columns that name a point (everything but the seed and the measured values)."""
    return [c for c in table.columns if c not in values and c != "seed"]


def over_seeds(table: pd.DataFrame, keys: list[str], value: str) -> pd.DataFrame:
    """Mean, standard deviation, min, max and count of `value` over seeds for each point `keys`."""
    grouped = table.groupby(keys, sort=False)[value]
    summary = grouped.agg(mean="mean", std="std", low="min", high="max", seeds="count").reset_index()
    summary["std"] = summary["std"].fillna(0.0)
    return summary


def check_names(names: list[str], known: dict | list, what: str) -> None:
    """Refuse an empty or unknown list of models with a message that lists the known ones."""
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise ValueError(
            f"unknown {what} {', '.join(map(repr, unknown)) or '(none given)'}; "
            f"choose from {', '.join(known)}"
        )


SOLVED_BELOW, PARTLY_BELOW, WORSE_ABOVE = 0.1, 0.9, 1.1  # of the trivial baseline's error


def verdict(value: float, baseline: float) -> str:
    """'solved', 'partly', 'at the baseline' or 'worse than the baseline' for an error against the
    trivial baseline's error (ten times the baseline's error was called "at the baseline")."""
    if not math.isfinite(value) or value > WORSE_ABOVE * baseline:
        return "worse than the baseline"
    if value >= PARTLY_BELOW * baseline:
        return "at the baseline"
    return "solved" if value <= SOLVED_BELOW * baseline else "partly"
