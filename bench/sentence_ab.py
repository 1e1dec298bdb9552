"""New sentences on one page, two checkouts of the app served side by side, alternating rerun by rerun.

    python -m bench.sentence_ab OLD_CHECKOUT NEW_CHECKOUT ["Self-attention"] [--rounds 2]

Each checkout (e.g. `git worktree add /tmp/old <commit>`) gets its own server and a Chromium tab; each
tab trains Home's default next-word model (and, on Self-attention, the page's default Transformer) and
opens the page. Then the page's default sentence less its last k words (k = 1, 2, …) and the whole
sentence again are typed into each tab in turn, which tab goes first alternating, so the two share the
machine's load sentence by sentence. Reported per checkout: ms from the change to the script's end in
the browser (as `bench.interaction` times a rerun), and Chromium's long tasks in the second after each
change (a `PerformanceObserver`): the browser's own share. Run it under the CPU lock.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench.interaction import RERUN_AFTER, WATCH, open_page, p95
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, start_server, wait_idle

LONG_TASKS = """() => {
  window.__long = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__long.push([e.startTime, e.duration]);
  }).observe({entryTypes: ['longtask']});
}"""


def prepared_tab(browser, checkout: Path, page_title: str, stack: contextlib.ExitStack):
    """A tab on `checkout`'s own server, on `page_title` with its default models trained."""
    command = [sys.executable, "-m", "streamlit", "run", str(checkout / "streamlit_app.py")]
    url, _ = stack.enter_context(
        start_server(command=command, cwd=checkout, env={"PLAYGROUND_STORE_DIR": tempfile.mkdtemp()})
    )
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(url)
    wait_idle(page)
    page.get_by_role("button", name="Train a next-word model").click()
    wait_idle(page)
    open_page(page, page_title)
    if page.get_by_role("button", name="Train a Transformer").count():
        page.get_by_role("button", name="Train a Transformer").click()
        wait_idle(page)
    page.evaluate(WATCH)
    page.evaluate(LONG_TASKS)
    return page


def sentence_box(page):
    return page.get_by_test_id("stMain").get_by_test_id("stTextInput").first.locator("input")


def new_sentence(page, text: str) -> tuple[float, float]:
    """Type `text`; (ms to the script's end, ms of long tasks in the second after the change)."""
    since = page.evaluate("performance.now()")
    sentence_box(page).fill(text)
    sentence_box(page).press("Enter")
    page.wait_for_function(f"({RERUN_AFTER})({since}) !== null", timeout=120_000)
    _, end = page.evaluate(f"({RERUN_AFTER})({since})")
    page.wait_for_timeout(1000)  # charts draw after the script ends
    busy = page.evaluate(
        f"window.__long.filter(([start]) => start >= {since}).reduce((a, [, d]) => a + d, 0)"
    )
    return end - since, busy


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sentence_ab", description=__doc__.split("\n")[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("page", nargs="?", default="Self-attention")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    checkouts = {"old": args.old.resolve(), "new": args.new.resolve()}
    results: dict[str, dict[str, list[float]]] = {name: {"end": [], "busy": []} for name in checkouts}
    with contextlib.ExitStack() as stack, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        tabs = {name: prepared_tab(browser, path, args.page, stack) for name, path in checkouts.items()}
        words = sentence_box(tabs["old"]).input_value().split()
        sentences = [" ".join(words[:-k]) for k in range(1, len(words) - 1)] + [" ".join(words)]
        for round_ in range(args.rounds):
            for index, text in enumerate(sentences):
                order = ["old", "new"] if (index + round_) % 2 == 0 else ["new", "old"]
                for name in order:
                    if sentence_box(tabs[name]).input_value() == text:
                        continue  # no change, no rerun
                    end, busy = new_sentence(tabs[name], text)
                    results[name]["end"].append(end)
                    results[name]["busy"].append(busy)
        browser.close()
    for name, values in results.items():
        ends = values["end"]
        print(
            f"{name} ({checkouts[name]}): to the script's end median {statistics.median(ends):.0f} ms, "
            f"p95 {p95(ends):.0f}, max {max(ends):.0f}; long tasks median "
            f"{statistics.median(values['busy']):.0f} ms; {len(ends)} reruns: {[round(e) for e in ends]}"
        )


if __name__ == "__main__":
    main()
