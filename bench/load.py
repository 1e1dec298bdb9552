"""Load test: N headless browser sessions against one server, each training a small model and predicting.

    python -m bench.load --sessions 5,10,20 [--json out.json]

Reports, per N: time from opening the link to the first prediction (p50, p95), retries after the
server said it was busy (the training cap), errors (exceptions on the page, console errors, a
session that sees another's runs: must be 0), the server's resident memory before, at its peak
and after the sessions closed and their state expired. Linux only (reads /proc).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import threading
import time
from pathlib import Path

from playwright.async_api import async_playwright

from playground.speed.timing import percentile
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, benign, start_server

LINK = (
    "/predict?task=sentiment&arch=lstm&num_sentences=400&epochs=1&hidden_dim=16&sentence=the+film+was+great"
)
RETRY_MS = 5000  # a learner told "busy" tries again after a few seconds
SESSION_TTL = 10  # seconds a closed session's state lives on the server here (Streamlit's default: 120)


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """Resident memory of a process from /proc, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


class MemoryWatch:
    """Samples a process's RSS twice a second in a thread and keeps the peak."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.5)

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


async def wait_idle(page) -> None:
    await page.wait_for_timeout(300)
    await page.wait_for_selector("[data-test-script-state=notRunning]", state="attached", timeout=300_000)


async def one_session(browser, url: str) -> dict:
    """Open the link, train the shared model (retrying while the server is busy), see a prediction."""
    context = await browser.new_context()
    page = await context.new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            errors.append(f"{m.text} {m.location.get('url', '')}")
            if m.type == "error" and not benign(f"{m.text} {m.location.get('url', '')}")
            else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    started = time.perf_counter()
    retries = 0
    try:
        await page.goto(url + LINK)
        await wait_idle(page)
        busy = page.get_by_text("The server is busy")
        answer = page.get_by_text("P(positive)")
        while not await answer.count():
            await page.get_by_role("button", name="Train the shared model").click(timeout=120_000)
            clicked = time.perf_counter()
            # the click returns before the rerun starts: wait for an answer, or for an idle page that
            # still says "busy" well after the click
            while not await answer.count():
                await page.wait_for_timeout(250)
                state = await page.locator("[data-test-script-state]").first.get_attribute(
                    "data-test-script-state"
                )
                if state == "notRunning" and time.perf_counter() - clicked > 2 and await busy.count():
                    retries += 1
                    await page.wait_for_timeout(RETRY_MS)
                    break
                if time.perf_counter() - clicked > 300:
                    raise TimeoutError("no prediction 300 s after pressing Train")
        seconds = time.perf_counter() - started
        if await page.get_by_test_id("stException").count():
            errors.append("exception shown on the page")
        await page.get_by_test_id("stSidebar").get_by_role("combobox").click()
        runs = await page.get_by_role("option").count()
        await page.keyboard.press("Escape")
        if runs != 1:
            errors.append(f"the sidebar lists {runs} runs, not this session's one")
    except Exception as error:  # a timeout or a missing element is a failed session, counted
        seconds = time.perf_counter() - started
        errors.append(f"{type(error).__name__}: {error}"[:1500])
    finally:
        await context.close()
    return {"seconds": seconds, "retries": retries, "errors": errors}


async def load_round(url: str, sessions: int) -> list[dict]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            return await asyncio.gather(*(one_session(browser, url) for _ in range(sessions)))
        finally:
            await browser.close()


def run(session_counts: list[int]) -> list[dict]:
    rows = []
    env = {"STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": str(SESSION_TTL)}
    for sessions in session_counts:
        with start_server(env=env) as (url, process):
            asyncio.run(load_round(url, 1))  # warm up: imports, the built-in corpus, first model
            time.sleep(SESSION_TTL + 5)
            before = rss_mb(process.pid)
            with MemoryWatch(process.pid) as watch:
                started = time.perf_counter()
                results = asyncio.run(load_round(url, sessions))
                wall = time.perf_counter() - started
            time.sleep(SESSION_TTL + 20)  # closed sessions expire, then their runs can be freed
            after = rss_mb(process.pid)
        times = [r["seconds"] for r in results]
        rows.append(
            {
                "sessions": sessions,
                "wall_s": round(wall, 1),
                "prediction_p50_s": round(statistics.median(times), 1),
                "prediction_p95_s": round(percentile(times, 0.95), 1),
                "busy_retries": sum(r["retries"] for r in results),
                "errors": sum(len(r["errors"]) for r in results),
                "rss_before_mb": round(before),
                "rss_peak_mb": round(watch.peak),
                "rss_after_mb": round(after),
                "error_samples": [e for r in results for e in r["errors"]][:5],
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", default="5,10,20", help="comma-separated session counts")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    args = parser.parse_args()
    rows = run([int(n) for n in args.sessions.split(",")])
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
