"""Each experiment's rows over seeds: mean, spread and per-seed verdicts, for the page, figures and docs.

`python -m playground.experiments.tables` prints the markdown tables of docs/experiments.md from
the result files shipped in assets/experiments/; `--write docs/experiments.md` puts them in place
(a test checks that the doc holds exactly these).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

from playground.app_files import assets_folder
from playground.experiments.common import over_seeds

REFERENCE_DIR = assets_folder() / "experiments"  # in a checkout or an installed package alike
# The shipped result files behind each table, and the one command that wrote each (each fits the
# 10-minute slot a shared machine gives; docs/experiments.md lists them, a test checks they match).
EXPERIMENT = "python -m playground experiment"
REFERENCE_COMMANDS = {
    "adding-25.json": f"{EXPERIMENT} adding --seeds 3 --lengths 25 "
    "--models tanh,irnn,lstm,transformer,transformer-no-attention",
    "adding-100.json": f"{EXPERIMENT} adding --seeds 3 --lengths 100 --models tanh,irnn,lstm",
    "adding-100-transformer.json": f"{EXPERIMENT} adding --seeds 3 --lengths 100 --models transformer",
    "adding-100-no-attention.json": f"{EXPERIMENT} adding --seeds 3 --lengths 100 "
    "--models transformer-no-attention",
    "adding-100-long.json": f"{EXPERIMENT} adding --lengths 100 --models tanh,irnn,lstm --steps 10000",
    **{
        f"adding-100-long-seed{seed}.json": f"{EXPERIMENT} adding --lengths 100 --models tanh,irnn,lstm "
        f"--steps 10000 --seed {seed}"
        for seed in (1, 2)
    },
    "agreement.json": f"{EXPERIMENT} agreement --seeds 3",
    "bottleneck.json": f"{EXPERIMENT} bottleneck",  # seed 0, both models at 3,000 steps
    **{
        f"bottleneck-plain-12000-seed{seed}.json": f"{EXPERIMENT} bottleneck --models plain "
        f"--plain-steps 12000 --seed {seed}"
        for seed in range(3)
    },
    **{
        f"bottleneck-attention-seed{seed}.json": f"{EXPERIMENT} bottleneck --models attention --seed {seed}"
        for seed in (1, 2)
    },
    "parallel.json": f"{EXPERIMENT} parallel --seeds 3",
}
REFERENCE_FILES = {
    "adding": [
        "adding-25.json",
        "adding-100.json",
        "adding-100-transformer.json",
        "adding-100-no-attention.json",
    ],
    "adding-long": ["adding-100-long.json", *(f"adding-100-long-seed{seed}.json" for seed in (1, 2))],
    "agreement": ["agreement.json"],
    "bottleneck": [
        "bottleneck.json",
        *(f"bottleneck-plain-12000-seed{seed}.json" for seed in range(3)),
        *(f"bottleneck-attention-seed{seed}.json" for seed in (1, 2)),
    ],
    "parallel": ["parallel.json"],
}


def with_seeds(table: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """The rows with a seed column (results written before seeds were recorded ran one seed)."""
    return table if "seed" in table.columns or table.empty else table.assign(seed=seed)


def _spread(summary: pd.DataFrame, digits: int | None, percent: bool = False) -> pd.Series:
    """'mean ± sd (min–max)' for each row of an over_seeds summary; digits None: 3 significant."""

    def cell(row: pd.Series) -> str:
        if percent:
            text = f"{row['mean']:.0%}"
            if row["seeds"] > 1:
                text += f" ± {row['std']:.0%} ({row['low']:.0%}–{row['high']:.0%})"
            return text
        form = ".3g" if digits is None else f".{digits}f"
        text = f"{row['mean']:{form}}"
        if row["seeds"] > 1:
            text += f" ± {row['std']:{form}} ({row['low']:{form}}–{row['high']:{form}})"
        return text

    return summary.apply(cell, axis=1)


def verdict_over_seeds(verdicts: pd.Series) -> str:
    """The verdict if every seed agrees, otherwise how many seeds reached each one."""
    counts = verdicts.value_counts()
    if len(counts) == 1:
        return f"{counts.index[0]} (all {counts.iloc[0]})" if counts.iloc[0] > 1 else str(counts.index[0])
    return ", ".join(f"{verdict} in {count} of {len(verdicts)}" for verdict, count in counts.items())


def adding_table(table: pd.DataFrame) -> pd.DataFrame:
    """Per architecture and length: test MSE over seeds and the verdict of each seed."""
    table = with_seeds(table)
    keys = ["architecture", "length"]
    summary = over_seeds(table, keys, "test_mse")
    groups = [rows for _, rows in table.groupby(keys, sort=False)]
    summary["verdict"] = [verdict_over_seeds(rows["verdict"]) for rows in groups]
    summary["all_seeds_agree"] = [rows["verdict"].nunique() == 1 for rows in groups]
    return summary


def agreement_table(table: pd.DataFrame) -> pd.DataFrame:
    """Per architecture, condition and phrases: accuracy over seeds, and where every seed's 95% interval
    lies (all above 0.5, all below, or some containing it)."""
    table = with_seeds(table)
    keys = ["architecture", "condition", "phrases"]
    summary = over_seeds(table, keys, "accuracy")
    groups = [rows for _, rows in table.groupby(keys, sort=False)]
    summary["mean_distance"] = [float(rows["mean_distance"].mean()) for rows in groups]
    if "ci_low" in table.columns:
        summary["ci_low"] = [float(rows["ci_low"].min()) for rows in groups]
        summary["ci_high"] = [float(rows["ci_high"].max()) for rows in groups]
        summary["against_chance"] = [
            "above"
            if (rows["ci_low"] > 0.5).all()
            else "below"
            if (rows["ci_high"] < 0.5).all()
            else "not distinguishable"
            for rows in groups
        ]
    return summary


def with_step_labels(table: pd.DataFrame) -> pd.DataFrame:
    """A model trained for several step counts gets the count in its name, so its runs stay apart."""
    if "steps" not in table.columns or table.empty:
        return table
    several = table["model"].map(table.groupby("model")["steps"].nunique()) > 1
    if not several.any():
        return table
    table = table.copy()
    table.loc[several, "model"] = (
        table.loc[several, "model"] + ", " + table.loc[several, "steps"].map("{:,} steps".format)
    )
    return table


def bottleneck_table(table: pd.DataFrame) -> pd.DataFrame:
    """Per model (and step count, where one model has several) and source length: words in place,
    BLEU and exact translations over seeds."""
    table = with_step_labels(with_seeds(table))
    keys = ["model", "source_words"]
    merged = None
    for value in ["word_accuracy", "bleu", "exact"]:
        if value not in table.columns:
            continue
        part = over_seeds(table, keys, value).rename(
            columns={c: f"{value}_{c}" for c in ["mean", "std", "low", "high", "seeds"]}
        )
        merged = part if merged is None else merged.merge(part, on=keys, sort=False)
    groups = table.groupby(keys, sort=False)
    merged["mean_source_words"] = list(groups["mean_source_words"].mean())
    merged["sentences"] = list(groups["sentences"].mean().round().astype(int))
    return merged


def parallel_table(table: pd.DataFrame) -> pd.DataFrame:
    """Per model and length: forward-and-backward milliseconds over seeds, and the critical path."""
    table = with_seeds(table)
    keys = ["model", "length"]
    summary = over_seeds(table, keys, "forward_backward_ms")
    if "critical_path_ops" in table.columns:
        summary["critical_path_ops"] = list(table.groupby(keys, sort=False)["critical_path_ops"].first())
    return summary


def _pivot(summary: pd.DataFrame, index: str, columns: str, cells: pd.Series) -> pd.DataFrame:
    frame = summary[[index, columns]].assign(cell=cells.to_numpy())
    return frame.pivot(index=index, columns=columns, values="cell").reindex(
        columns=list(dict.fromkeys(summary[columns]))
    )


def _markdown(frame: pd.DataFrame, first: str) -> str:
    header = [first, *map(str, frame.columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for index, row in frame.iterrows():
        lines.append("| " + " | ".join([str(index), *("" if pd.isna(v) else str(v) for v in row)]) + " |")
    return "\n".join(lines)


def adding_markdown(table: pd.DataFrame) -> str:
    """Test MSE as 'mean ± sd (min–max)' and the verdict per seed, lengths down, models across."""
    summary = adding_table(table)
    cells = _spread(summary, None) + "<br>" + summary["verdict"]
    return _markdown(_pivot(summary, "length", "architecture", cells), "length")


def agreement_markdown(table: pd.DataFrame, condition: str) -> str:
    """Accuracy per number of phrases for one condition, with the widest per-seed 95% interval."""
    summary = agreement_table(table)
    summary = summary[summary["condition"] == condition].reset_index(drop=True)
    cells = _spread(summary, 2, percent=True)
    if "ci_low" in summary:
        cells = cells + summary.apply(lambda r: f"<br>95% CI {r['ci_low']:.0%}–{r['ci_high']:.0%}", axis=1)
    frame = _pivot(summary, "phrases", "architecture", cells)
    distance = summary.groupby("phrases", sort=False)["mean_distance"].mean()
    frame.index = [f"{k} ({distance[k]:.1f})" for k in frame.index]
    return _markdown(frame, "phrases (mean words between)")


def bottleneck_markdown(table: pd.DataFrame) -> str:
    """Words in place, BLEU and exact share per source length, both models side by side."""
    summary = bottleneck_table(table)
    frames = []
    for value, digits, percent, label in [
        ("word_accuracy", 2, True, "words"),
        ("bleu", 1, False, "BLEU"),
        ("exact", 2, True, "exact"),
    ]:
        if f"{value}_mean" not in summary:
            continue
        part = summary[["model", "source_words"]].copy()
        stats = summary[[f"{value}_{c}" for c in ["mean", "std", "low", "high", "seeds"]]]
        stats.columns = ["mean", "std", "low", "high", "seeds"]
        part["cell"] = _spread(stats, digits, percent).to_numpy()
        part["column"] = part["model"].map(short_model_name) + ": " + label
        frames.append(part)
    long = pd.concat(frames)
    frame = long.pivot(index="source_words", columns="column", values="cell")
    frame = frame.reindex(
        index=list(dict.fromkeys(summary["source_words"])), columns=list(dict.fromkeys(long["column"]))
    )
    frame["sentences"] = summary.groupby("source_words", sort=False)["sentences"].first()
    return _markdown(frame, "source words")


SHORT_MODELS = {"encoder-decoder (one vector)": "one vector", "encoder-decoder with attention": "attention"}


def short_model_name(model: str) -> str:
    """'one vector' for 'encoder-decoder (one vector)', keeping a step count after it."""
    for long, short in SHORT_MODELS.items():
        if model.startswith(long):
            return short + model[len(long) :]
    return model


def parallel_markdown(table: pd.DataFrame) -> str:
    """Milliseconds (mean ± sd over seeds) and the critical path in operations, per length."""
    summary = parallel_table(table)
    cells = _spread(summary, 2)
    if "critical_path_ops" in summary:
        cells = cells + summary["critical_path_ops"].map(lambda n: f"<br>{int(n)} ops in sequence")
    return _markdown(_pivot(summary, "length", "model", cells), "length")


def reference_reports(name: str) -> list[dict] | None:
    """The shipped JSON reports behind table `name`, each with the command that wrote it; None if one
    is missing."""
    reports = []
    for file in REFERENCE_FILES[name]:
        path = REFERENCE_DIR / file
        if not path.exists():
            return None
        reports.append(json.loads(path.read_text()) | {"file": file, "command": REFERENCE_COMMANDS[file]})
    return reports


def reference_table(name: str) -> pd.DataFrame | None:
    """The shipped rows behind table `name`, every file together; None if a file is missing."""
    reports = reference_reports(name)
    if reports is None:
        return None
    frames = [with_seeds(pd.DataFrame(r["rows"]), r["settings"].get("seed", 0)) for r in reports]
    return pd.concat(frames, ignore_index=True)


def doc_tables() -> dict[str, str]:
    """Every markdown table of docs/experiments.md, by a name the doc's comments use."""
    tables = {}
    builders = {
        "adding": adding_markdown,
        "adding-long": adding_markdown,
        "bottleneck": bottleneck_markdown,
        "parallel": parallel_markdown,
    }
    for name, build in builders.items():
        table = reference_table(name)
        if table is not None:
            tables[name] = build(table)
    agreement = reference_table("agreement")
    if agreement is not None:
        for condition in agreement["condition"].unique():
            tables[f"agreement {condition}"] = agreement_markdown(agreement, condition)
    return tables


def update_doc(text: str, tables: dict[str, str]) -> str:
    """`text` with the table after every `<!-- table: NAME -->` line replaced by tables[NAME]."""
    lines, out, index = text.split("\n"), [], 0
    while index < len(lines):
        line = lines[index]
        out.append(line)
        index += 1
        marker = line.startswith("<!-- table: ")
        name = line.removeprefix("<!-- table: ").removesuffix(" -->") if marker else None
        if name in tables:
            while index < len(lines) and lines[index].startswith("|"):
                index += 1  # the old table
            out.extend(tables[name].split("\n"))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Print every table, or with `--write PATH` replace the tables in that markdown file."""
    argv = sys.argv[1:] if argv is None else argv
    tables = doc_tables()
    if argv[:1] == ["--write"] and len(argv) == 2:
        path = Path(argv[1])
        path.write_text(update_doc(path.read_text(), tables))
        return 0
    for name, table in tables.items():
        print(f"<!-- table: {name} -->\n{table}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
