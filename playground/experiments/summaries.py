"""Plain sentences that say what an experiment's table shows, next to the published result.

Every claim is over all the seeds in the table: a verdict is stated only where every seed agrees,
otherwise the count of seeds is given; a share is "below chance" only where every seed's 95%
interval lies below one half.
"""

from __future__ import annotations

import pandas as pd

from playground.experiments.tables import adding_table, agreement_table, bottleneck_table, parallel_table


def _seeds(count: int, mean: bool = False) -> str:
    """'1 seed' or '3 seeds' (', mean' where a mean over several is what follows)."""
    return f"{count} seed" if count == 1 else f"{count} seeds" + (", mean" if mean else "")


def adding_summary(table: pd.DataFrame) -> list[str]:
    """For each architecture: the lengths every seed solved, those where every seed stayed at the
    baseline, and the mixed ones with their counts."""
    summary = adding_table(table)
    lines = []
    for name, rows in summary.groupby("architecture", sort=False):
        parts = []
        agreed = rows[rows["all_seeds_agree"]]
        for verdict, text in [
            ("solved", "solved"),
            ("at the baseline", "stayed at the baseline at"),
            ("worse than the baseline", "did worse than the baseline at"),
            ("partly", "partly learned"),
        ]:
            lengths = sorted(int(x) for x in agreed.loc[agreed["verdict"].str.startswith(verdict), "length"])
            if lengths:
                parts.append(f"{text} T = {', '.join(map(str, lengths))}")
        for _, row in rows[~rows["all_seeds_agree"]].iterrows():
            parts.append(
                f"at T = {int(row['length'])} the seeds differ ({row['verdict']}; MSE "
                f"{row['low']:.3g} to {row['high']:.3g})"
            )
        count = int(rows["seeds"].max())
        lines.append(f"**{name}** ({_seeds(count)}): " + "; ".join(parts) + ".")
    return lines


def agreement_summary(table: pd.DataFrame) -> list[str]:
    """For each architecture: mean accuracy with no phrase, one attractor and the most, where it is
    below chance for every seed, and what the same-number control says the failures are."""
    summary = agreement_table(table)
    lines = []
    attractors = summary[summary["condition"] == "attractors"]
    same = summary[summary["condition"] == "same number"]
    for name, rows in attractors.groupby("architecture", sort=False):
        rows = rows.set_index("phrases")
        most = int(rows.index.max())
        count = int(rows["seeds"].max())
        text = (
            f"**{name}** ({_seeds(count, mean=True)}): {rows['mean'].iloc[0]:.0%} with nothing in "
            f"between, "
            f"{rows['mean'].get(1, float('nan')):.0%} with one attractor, {rows.loc[most, 'mean']:.0%} "
            f"with {most}"
        )
        if "against_chance" in rows:
            below = [int(k) for k, v in rows["against_chance"].items() if v == "below"]
            interval = "its 95% interval" if count == 1 else "every seed's 95% interval"
            text += (
                f"; below chance ({interval} under 50%) at {', '.join(map(str, below))} attractors"
                if below
                else "; never clearly below chance"
            )
        control = same[same["architecture"] == name].set_index("phrases")
        if most in control.index:
            text += f". With {most} phrases whose nouns agree (same number): {control.loc[most, 'mean']:.0%}"
            text += "." + agreement_reading(rows, control, most, count)
        else:
            text += "."
        lines.append(text)
    return lines


NEAREST_NOUN_HIGH = 0.9  # right this often when the nearest noun agrees: distance alone did not erase it


def agreement_reading(attractors: pd.DataFrame, control: pd.DataFrame, most: int, seeds: int) -> str:
    """What the two conditions, at the same distances, say one architecture's errors are."""
    misled, held = float(attractors.loc[most, "mean"]), float(control.loc[most, "mean"])
    if held >= NEAREST_NOUN_HIGH and misled <= 0.5:
        return (
            " Not distance, then: at the same distance it is right when the nouns agree, so its errors "
            "come from the misleading nouns (attraction errors, as Linzen et al. found)."
        )
    if held >= NEAREST_NOUN_HIGH:
        return f" It carries the subject's number past {most} misleading nouns."
    worst = control.drop(index=0, errors="ignore")
    if "low" in worst and len(worst) and float(worst["low"].min()) <= 0.1 and seeds > 1:
        phrases = int(worst["low"].idxmin())
        opposite = f" One seed scores {float(worst['low'].min()):.0%} with {phrases} phrase"
        opposite += "s whose nouns agree" if phrases > 1 else " whose noun agrees"
        opposite += ": it gives the verb the number opposite to the noun in between."
    else:
        opposite = ""
    return (
        " Even nouns that agree mislead it: in training the noun in between always has the other number, "
        "so “the opposite of that noun” fits every training sentence as well as “the subject's number”."
        + opposite
    )


def bottleneck_summary(table: pd.DataFrame) -> list[str]:
    """For each model: words in place and BLEU on the shortest and the longest sentences."""
    summary = bottleneck_table(table)
    lines = []
    for name, rows in summary.groupby("model", sort=False):
        rows = rows.sort_values("mean_source_words")
        first, last = rows.iloc[0], rows.iloc[-1]
        bleu = "bleu_mean" in rows
        lines.append(
            f"**{name}** ({_seeds(int(first['word_accuracy_seeds']), mean=True)}): "
            f"{first['word_accuracy_mean']:.0%} of words in place"
            + (f", BLEU {first['bleu_mean']:.1f}" if bleu else "")
            + f", {first['exact_mean']:.0%} exact on {first['source_words']}-word sentences; "
            f"{last['word_accuracy_mean']:.0%}"
            + (f", BLEU {last['bleu_mean']:.1f}" if bleu else "")
            + f", {last['exact_mean']:.0%} exact on {last['source_words']}-word ones."
        )
    return lines


def parallel_summary(table: pd.DataFrame) -> list[str]:
    """How much each model slows down from the shortest to the longest length, and its critical path."""
    summary = parallel_table(table)
    lines = []
    for name, rows in summary.groupby("model", sort=False):
        rows = rows.set_index("length")
        # Each model's own range: a run stopped part-way has measured some models at fewer lengths
        longest, shortest = int(rows.index.max()), int(rows.index.min())
        if longest == shortest:
            lines.append(
                f"**{name}**: {rows.loc[shortest, 'mean']:.2f} ms at length {shortest} (one length so far)."
            )
            continue
        growth = rows.loc[longest, "mean"] / rows.loc[shortest, "mean"]
        text = (
            f"**{name}**: {rows.loc[shortest, 'mean']:.2f} ms at length {shortest}, "
            f"{rows.loc[longest, 'mean']:.2f} ms at {longest} ({growth:.1f}× for "
            f"{longest // shortest}× the length)"
        )
        if "critical_path_ops" in rows:
            text += (
                f"; {int(rows.loc[shortest, 'critical_path_ops'])} operations in sequence at "
                f"{shortest}, {int(rows.loc[longest, 'critical_path_ops'])} at {longest}"
            )
        lines.append(text + ".")
    return lines
