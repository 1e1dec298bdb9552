"""Plain sentences that say what an experiment's table shows, next to the published result."""

from __future__ import annotations

import pandas as pd


def _lengths(rows: pd.DataFrame, verdict: str) -> list[int]:
    return sorted(int(x) for x in rows.loc[rows["verdict"] == verdict, "length"])


def adding_summary(table: pd.DataFrame) -> list[str]:
    """For each architecture: the lengths it solved and those where it stayed at the baseline."""
    lines = []
    for name, rows in table.groupby("architecture", sort=False):
        solved, stuck = _lengths(rows, "solved"), _lengths(rows, "at the baseline")
        parts = []
        if solved:
            parts.append(f"solved T = {', '.join(map(str, solved))}")
        if stuck:
            parts.append(f"stayed at the baseline at T = {', '.join(map(str, stuck))}")
        partly = _lengths(rows, "partly")
        if partly:
            parts.append(f"partly learned T = {', '.join(map(str, partly))}")
        lines.append(f"**{name}**: " + "; ".join(parts) + ".")
    return lines


def agreement_summary(table: pd.DataFrame) -> list[str]:
    """For each architecture: accuracy with no phrase, with one attractor and with the most attractors."""
    lines = []
    attractors = table[table["condition"] == "attractors"]
    same = table[table["condition"] == "same number"]
    for name, rows in attractors.groupby("architecture", sort=False):
        rows = rows.set_index("phrases")["accuracy"]
        most = int(rows.index.max())
        below = [int(k) for k, v in rows.items() if v < 0.5]
        one = rows.get(1, float("nan"))
        text = (f"**{name}**: {rows.iloc[0]:.0%} with nothing in between, {one:.0%} with one attractor, "
                f"{rows[most]:.0%} with {most}")
        text += f"; below chance from {below[0]} attractors" if below else "; never below chance"
        distance_only = same[same["architecture"] == name].set_index("phrases")["accuracy"]
        if most in distance_only:
            text += f". With the same distance but no attractors: {distance_only[most]:.0%}"
        lines.append(text + ".")
    return lines


def bottleneck_summary(table: pd.DataFrame) -> list[str]:
    """For each model: word accuracy on the shortest and the longest sentences."""
    lines = []
    for name, rows in table.groupby("model", sort=False):
        rows = rows.sort_values("mean_source_words")
        first, last = rows.iloc[0], rows.iloc[-1]
        lines.append(f"**{name}**: {first['word_accuracy']:.0%} of words right on "
                     f"{first['source_words']}-word sentences, {last['word_accuracy']:.0%} on "
                     f"{last['source_words']}-word ones "
                     f"({last['exact']:.0%} exact).")
    return lines


def parallel_summary(table: pd.DataFrame) -> list[str]:
    """How much each model slows down from the shortest to the longest length, and who is faster there."""
    lines = []
    longest = int(table["length"].max())
    shortest = int(table["length"].min())
    for name, rows in table.groupby("model", sort=False):
        rows = rows.set_index("length")["forward_backward_ms"]
        growth = rows[longest] / rows[shortest]
        lines.append(f"**{name}**: {rows[shortest]:.2f} ms at length {shortest}, {rows[longest]:.2f} ms at "
                     f"{longest} ({growth:.1f}× for {longest // shortest}× the length).")
    at_longest = table[table["length"] == longest].set_index("model")["forward_backward_ms"]
    if "Transformer" in at_longest and len(at_longest) > 1:
        transformer = at_longest["Transformer"]
        recurrent = at_longest.drop("Transformer")
        others = ", ".join(f"the {n} {v / transformer:.1f}× that" for n, v in recurrent.items())
        lines.append(f"At length {longest} the Transformer layer takes {transformer:.2f} ms, {others}.")
    return lines
