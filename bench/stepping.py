"""Cost of one step of the browser-stepped charts, measured in headless Chromium.

    python -m bench.stepping [--rounds 5] [--baseline OLD_STEPPING_PY] [--json out.json]

Builds Inside the recurrence's stepper (`recurrence_stepper`) for the default LSTM (hidden size
64) on an eight-word sentence, and the reading and attention steppers; draws each in a page with
the plotly.js of the plotly package (Streamlit 1.67 bundles plotly.js 4 as well); moves through
every frame exactly as the slider does (its own `Plotly.animate` arguments) and times each step
until the chart on screen equals a fresh drawing of that step (to a pixel), checked at every
paint; the time spent checking (reading every mark back) is not counted. `--baseline` also times
another revision's `stepping.py` (e.g. `git show main:playground/figures/stepping.py > /tmp/old.py`),
interleaved round by round with the current one.
A step that never reaches its fresh drawing (within 120 paints) is reported: a cheap step must still
be a correct one.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import tempfile
from pathlib import Path
from types import ModuleType

import plotly.graph_objects as go
from playwright.sync_api import sync_playwright
from plotly.offline import get_plotlyjs

from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS

SENTENCE = "the dogs near the cat are happy today"

# Steps through every frame with the slider's own arguments; returns ms per step and whether each
# step's drawing equals a fresh drawing of that frame (its figure given as `fresh[t]`).
STEP_ALL = r"""async ([id, fresh]) => {
  const gd = document.getElementById(id);
  const steps = gd.layout.sliders[0].steps;
  const painted = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  const drawn = (div) => [...div.querySelectorAll(
      '.trace path.point, .trace .point path, .trace text, .trace path.js-fill, .trace path.js-line')]
    .map((e) => (e.style.fill || e.getAttribute('fill') || '') + '|' + (e.textContent || '')
      + '|' + (e.style.opacity || '') + '|' + (e.getAttribute('d') || '')
      + '|' + (e.getAttribute('x') || '') + ',' + (e.getAttribute('y') || '')
      + '|' + (e.getAttribute('transform') || ''));
  // Equal up to a pixel: a bar moved in place keeps fractional edges that a fresh drawing rounds.
  const number = /-?\d+(\.\d+)?/g;
  const same = (a, b) => {
    const [na, nb] = [a.match(number) || [], b.match(number) || []];
    return a.replace(number, '#') === b.replace(number, '#') && na.length === nb.length
      && na.every((x, i) => Math.abs(parseFloat(x) - parseFloat(nb[i])) <= 1.01);
  };
  const matches = (seen, want) => seen.length === want.length && seen.every((s, i) => same(s, want[i]));
  const expected = [];
  for (const figure of fresh) {
    const check = document.createElement('div');
    check.style.width = gd.style.width; check.style.height = gd.style.height;
    document.body.appendChild(check);
    await Plotly.newPlot(check, figure.data, figure.layout);
    expected.push(drawn(check));
    Plotly.purge(check); check.remove();
  }
  const times = [], wrong = [];
  for (let t = 0; t < steps.length; t++) {
    // The step's own time: the animation, then any paints until the chart shows the frame; the checks
    // themselves (reading every mark back) are not counted.
    let started = performance.now();
    await Plotly.animate(gd, ...steps[t].args);
    let spent = performance.now() - started;
    let shown = matches(drawn(gd), expected[t]);
    for (let k = 0; k < 120 && !shown; k++) {
      started = performance.now();
      await painted();
      spent += performance.now() - started;
      shown = matches(drawn(gd), expected[t]);
    }
    times.push(spent);
    if (!shown) wrong.push(t);
  }
  return {times, wrong};
}"""


def load_module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"stepping_{abs(hash(path))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def recurrence_inputs():
    """Step tables and outputs of the default LSTM (untrained: sizes, not values, set the cost)."""
    from playground.analysis.recurrence import step_table, top_outputs, trace_sentence
    from playground.config import default_config
    from playground.data.datasets import build_builtin
    from playground.run import create_run

    config = default_config("next-word", "lstm")
    config.data.num_sentences = 1500
    run = create_run(config, build_builtin(config.data))
    run.model.eval()
    view = trace_sentence(run, SENTENCE)
    count = len(view.steps)
    tables = [step_table(view, run, 0, t) for t in range(count)]
    outputs = [top_outputs(view, run, t, 5) for t in range(count)]
    return view.steps, tables, outputs


def frame_figures(fig: go.Figure) -> list[dict]:
    """Fresh figures of each frame: the base figure with the frame's traces and layout applied."""
    base = fig.to_plotly_json()
    figures = []
    for frame in fig.frames:
        data = [dict(trace) for trace in base["data"]]
        frame_json = frame.to_plotly_json()
        indices = frame_json.get("traces", list(range(len(frame_json.get("data", [])))))
        for index, trace in zip(indices, frame_json.get("data", []), strict=True):
            data[index] = {**data[index], **trace}
        layout = json.loads(json.dumps(base["layout"]))
        for key, value in frame_json.get("layout", {}).items():
            layout[key] = {**layout.get(key, {}), **value} if isinstance(value, dict) else value
        layout["sliders"][0]["active"] = len(figures)  # the same margins, the slider at this frame
        figures.append(json.loads(go.Figure(data=data, layout=layout).to_json()))
    return figures


def page_html(figures: dict[str, go.Figure]) -> str:
    divs = "".join(f'<div id="{name}" style="width:1100px;height:720px"></div>' for name in figures)
    draw = "".join(f"Plotly.newPlot('{name}', {fig.to_json()});" for name, fig in figures.items())
    return f"<html><body>{divs}<script src='plotly.js'></script><script>{draw}</script></body></html>"


def build(module: ModuleType) -> dict[str, go.Figure]:
    import numpy as np

    steps, tables, outputs = recurrence_inputs()
    words = SENTENCE.split()
    weights = np.tril(np.random.default_rng(0).random((len(words), len(words))))
    weights /= weights.sum(1, keepdims=True)
    return {
        "recurrence": module.recurrence_stepper(steps, tables, outputs, "LSTM"),
        "reading": module.reading_figure(words, outputs),
        "attention": module.attention_rows_figure(weights, words, "head 1"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.stepping", description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline", type=Path, help="another revision's playground/figures/stepping.py")
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args()
    import playground.figures.stepping as current

    versions = {"current": current}
    if args.baseline:
        versions = {"baseline": load_module(args.baseline), **versions}
    results: dict[str, dict[str, list[float]]] = {v: {} for v in versions}
    wrong: dict[str, dict[str, list[int]]] = {v: {} for v in versions}
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as p:
        plotly_js = Path(folder, "plotly.js")
        plotly_js.write_text(get_plotlyjs())
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        built = {name: build(module) for name, module in versions.items()}
        for _ in range(args.rounds):
            for version, figures in built.items():  # interleaved: baseline, current, baseline, …
                html = Path(folder, f"{version}.html")
                html.write_text(page_html(figures))
                page = browser.new_page(viewport={"width": 1200, "height": 900})
                page.goto(html.as_uri())
                page.wait_for_function("document.querySelectorAll('.main-svg').length >= 3", timeout=60_000)
                for name, fig in figures.items():
                    out = page.evaluate(STEP_ALL, [name, frame_figures(fig)])
                    results[version].setdefault(name, []).extend(out["times"][1:])  # step 0 is the start
                    wrong[version][name] = sorted(set(wrong[version].get(name, [])) | set(out["wrong"]))
                page.close()
        browser.close()
    report = {
        version: {
            name: {
                "median_ms": round(statistics.median(times), 1),
                "p95_ms": round(sorted(times)[int(0.95 * (len(times) - 1))], 1),
                "steps_timed": len(times),
                "frames_not_matching_a_fresh_drawing": wrong[version].get(name, []),
            }
            for name, times in charts.items()
        }
        for version, charts in results.items()
    }
    print(json.dumps(report, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    sys.exit(main())
