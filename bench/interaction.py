"""Interaction latency per page: how long a rerun takes after a learner changes a control.

Part of `python -m bench.app` (`--only interaction` runs this part alone). One Chromium session
trains Home's default next-word model (and, on Self-attention, the page's default Transformer), then
on every page changes each control of the opening view (not inside a folded expander) and back,
`REPEATS` times: a radio or segmented control to another option, a slider one step, a number one
step, a checkbox or toggle, a text box to its text less its last word. Buttons are left out (they
train or run experiments, which take seconds by design). A rerun's time runs from the change to the
script's end, read from Streamlit's own `data-test-script-state` attribute by a MutationObserver in
the page, so polling adds nothing. A change that starts no rerun (a chart's own control) is skipped.
"""

from __future__ import annotations

import statistics
import sys

from tests.e2e.server import wait_idle

REPEATS = 2  # each control there and back, twice: four reruns
WIDGETS_PER_PAGE = 8
PAGES = [
    "Home",
    "Train",
    "Predict",
    "Runs",
    "Task shapes",
    "Words to vectors",
    "Inside the recurrence",
    "Backprop through time",
    "Limits of RNNs",
    "Self-attention",
    "Embedding space",
]
TRAIN_FIRST = {"Self-attention": "Train a Transformer"}

WATCH = """() => {
  if (window.__scriptStates) return;
  window.__scriptStates = [];
  const record = () => {
    const e = document.querySelector('[data-test-script-state]');
    if (e) window.__scriptStates.push([e.getAttribute('data-test-script-state'), performance.now()]);
  };
  new MutationObserver(record).observe(document.body,
    {attributes: true, subtree: true, attributeFilter: ['data-test-script-state']});
}"""
# The end of the first rerun that started after `since`: [start, end] in ms, or null while running.
RERUN_AFTER = """(since) => {
  const states = window.__scriptStates.filter(([, at]) => at >= since);
  const start = states.find(([state]) => state === 'running');
  if (!start) return null;
  const end = states.find(([state, at]) => state === 'notRunning' && at >= start[1]);
  return end ? [start[1], end[1]] : null;
}"""
# Controls of the opening view: visible, in the main area, not in a folded expander.
CONTROLS = """() => {
  const kinds = {stRadio: 'radio', stButtonGroup: 'segmented', stSlider: 'slider',
    stNumberInput: 'number', stCheckbox: 'checkbox', stToggle: 'checkbox', stTextInput: 'text'};
  const found = [];
  for (const [testId, kind] of Object.entries(kinds)) {
    document.querySelectorAll(`[data-testid=stMain] [data-testid=${testId}]`).forEach((e) => {
      if (e.closest('details:not([open])') || !e.getBoundingClientRect().width) return;
      e.setAttribute('data-bench-control', String(found.length));
      const label = e.querySelector('label, [data-testid=stWidgetLabel]')?.innerText?.trim() || testId;
      found.push({index: found.length, kind, label});
    });
  }
  return found;
}"""


def change(page, control: dict, forth: bool) -> None:
    """Change one control (`forth`) or put it back."""
    now = page.evaluate(CONTROLS)  # marked afresh: a rerun may have redrawn the page
    index = next(c["index"] for c in now if (c["kind"], c["label"]) == (control["kind"], control["label"]))
    box = page.locator(f"[data-bench-control='{index}']")
    kind = control["kind"]
    if kind == "radio":
        box.locator("[role=radiogroup] label").nth(1 if forth else 0).click(timeout=5_000)
    elif kind == "segmented":
        box.locator("button[role=radio], button[role=checkbox]").nth(1 if forth else 0).click(timeout=5_000)
    elif kind == "slider":
        box.get_by_role("slider").first.press("ArrowRight" if forth else "ArrowLeft")
    elif kind == "number":
        box.get_by_test_id("stNumberInputStepUp" if forth else "stNumberInputStepDown").click()
    elif kind == "checkbox":
        box.locator("label").first.click()
    elif kind == "text":
        field = box.locator("input, textarea").first
        if forth:
            control["value"] = field.input_value()
            words = control["value"].split()
            field.fill(" ".join(words[:-1]) if len(words) > 1 else control["value"] + "s")
        else:
            field.fill(control["value"])
        field.press("Enter")


def rerun_ms(page, control: dict, forth: bool) -> float | None:
    """Milliseconds of the rerun one change starts; None where it starts none."""
    since = page.evaluate("performance.now()")
    change(page, control, forth)
    try:
        page.wait_for_function(f"({RERUN_AFTER})({since}) !== null", timeout=3_000)
    except Exception:  # noqa: BLE001 - no rerun began: a control the chart handles in the browser
        if page.evaluate(f"window.__scriptStates.some(([s, at]) => s === 'running' && at >= {since})"):
            page.wait_for_function(f"({RERUN_AFTER})({since}) !== null", timeout=120_000)
        else:
            return None
    start, end = page.evaluate(f"({RERUN_AFTER})({since})")
    page.wait_for_timeout(300)  # charts draw after the script ends
    return end - since


def open_page(page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    wait_idle(page)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def interaction_latency(browser, url: str) -> dict:
    """Per page: each control's rerun times (ms) and the page's p95 over all of them."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(url)
    wait_idle(page)
    page.get_by_role("button", name="Train a next-word model").click()
    wait_idle(page)
    report = {}
    for title in PAGES:
        open_page(page, title)
        if title in TRAIN_FIRST:
            page.get_by_role("button", name=TRAIN_FIRST[title]).click()
            wait_idle(page)
        page.evaluate(WATCH)
        controls = page.evaluate(CONTROLS)[:WIDGETS_PER_PAGE]
        measured: dict[str, list[float]] = {}
        skipped: dict[str, str] = {}
        for control in controls:
            name = f"{control['label']} ({control['kind']})"
            times = []
            try:
                for _ in range(REPEATS):
                    for forth in (True, False):
                        ms = rerun_ms(page, control, forth)
                        if ms is not None:
                            times.append(ms)
            except Exception as error:  # noqa: BLE001 - a control this script cannot work: say so, go on
                skipped[name] = str(error).splitlines()[0][:120]
                wait_idle(page)
            if times:
                measured[name] = [round(t) for t in times]
        print(f"{title}: {measured} {skipped}", file=sys.stderr, flush=True)
        every = [t for times in measured.values() for t in times]
        report[title] = {
            "p95_ms": round(p95(every)) if every else None,
            "median_ms": round(statistics.median(every)) if every else None,
            "controls": {name: {"p95_ms": round(p95(t)), "ms": t} for name, t in measured.items()},
            "not_measured": skipped,
        }
    context.close()
    return report
