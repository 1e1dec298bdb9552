"""Draw the scaling benchmark as log-log PNGs for docs/benchmarks.md: scripts/bench_charts.py BENCH.json."""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from playground.figures.experiments import MODEL_COLORS  # noqa: E402
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

NAMES = {"rnn": "RNN", "lstm": "LSTM", "transformer": "Transformer"}


def scaling_frame(rows: list[dict]) -> pd.DataFrame:
    records = []
    for r in rows:
        if r["benchmark"] != "scaling":
            continue
        arch, length, hidden = re.match(r"(\w+), length (\d+), hidden (\d+)", r["case"]).groups()
        records.append(
            {"model": NAMES[arch], "length": int(length), "hidden": int(hidden), "ms": r["measured"]}
        )
    return pd.DataFrame(records).drop_duplicates(["model", "length", "hidden"])  # 64 × 128 is in both sweeps


def chart(frame: pd.DataFrame, x: str, fixed: str, value: int, title: str) -> go.Figure:
    fig = go.Figure()
    for name, rows in frame[frame[fixed] == value].groupby("model", sort=False):
        rows = rows.sort_values(x)
        fig.add_trace(
            go.Scatter(
                x=rows[x],
                y=rows["ms"],
                mode="lines+markers",
                name=name,
                line={"color": MODEL_COLORS.get(name)},
            )
        )
    values = sorted(frame.loc[frame[fixed] == value, x].unique())
    fig.update_layout(
        title=title,
        xaxis_title=f"{'sequence length' if x == 'length' else 'hidden size'} (log)",
        yaxis_title="ms per training step (log)",
        width=760,
        height=440,
        template="plotly_white",
    )
    fig.update_xaxes(type="log", tickvals=values)
    fig.update_yaxes(type="log")
    return fig


def main(path: Path) -> None:
    rows = json.loads(path.read_text())["rows"]
    frame = scaling_frame(rows)
    out = Path(__file__).resolve().parents[1] / "docs" / "img"
    out.mkdir(parents=True, exist_ok=True)
    figures = {
        "scaling-length.png": chart(
            frame, "length", "hidden", 128, "Step time against sequence length (hidden 128, batch 16)"
        ),
        "scaling-hidden.png": chart(
            frame, "hidden", "length", 64, "Step time against hidden size (length 64, batch 16)"
        ),
    }
    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 780, "height": 460})
        for name, fig in figures.items():
            html = Path(tmp) / "figure.html"
            fig.write_html(html, include_plotlyjs=True, full_html=True)
            page.goto(html.as_uri())
            page.wait_for_selector(".main-svg")
            page.screenshot(path=out / name)
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
