"""App start time and server memory, measured against a live server in headless Chromium.

    python -m bench.app [--only start,memory,interaction] [--json out.json]

Start: from launching `streamlit run` to the Home page fully drawn (median of 5 cold starts).
Memory: the server's resident memory with one session holding three trained runs at default
sizes (its peak too), then the memory each extra idle session adds. Linux only (reads /proc).
Device: the sidebar badge, which says GPU where the app found one on its own.
Interaction latency per page: see `bench/interaction.py`.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench.interaction import interaction_latency
from bench.load import rss_mb
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, start_server, wait_idle

IDLE_SESSIONS = 5
STARTS = 5
DEVICE_BADGE = re.compile(r"(CPU|GPU) \(.*\)")


def start_seconds(browser) -> float:
    """From launching the server to Home drawn: its script finished, its chart and equation shown."""
    started = time.perf_counter()
    with start_server(poll=0.02) as (url, _):
        page = browser.new_page()
        page.goto(url)
        page.get_by_text("Four shapes of sequence problems").wait_for(timeout=60_000)
        page.wait_for_selector("[data-test-script-state=notRunning]", state="attached", timeout=60_000)
        page.locator("[data-testid=stPlotlyChart] .main-svg").first.wait_for(timeout=60_000)
        page.locator(".katex").first.wait_for(timeout=60_000)
        seconds = time.perf_counter() - started
        page.close()
    return seconds


def memory(browser) -> dict:
    with start_server() as (url, process):
        page = browser.new_page()
        page.goto(url)
        wait_idle(page)
        empty = rss_mb(process.pid)
        # The sidebar's device badge: the app picks CUDA on its own where there is one.
        badge_text = page.get_by_test_id("stSidebar").get_by_text(DEVICE_BADGE).first.inner_text()
        badge = DEVICE_BADGE.search(badge_text).group(0)  # without the icon's name
        for button in ("Train a sentiment model", "Train a next-word model"):
            page.get_by_role("button", name=button).click()
            wait_idle(page)
        page.get_by_test_id("stSidebarNav").get_by_text("Train", exact=True).click()
        wait_idle(page)
        page.get_by_role("button", name="Train", exact=True).click()
        wait_idle(page)
        three_runs, peak = rss_mb(process.pid), rss_mb(process.pid, "VmHWM")
        idle = [browser.new_page() for _ in range(IDLE_SESSIONS)]
        for tab in idle:
            tab.goto(url)
            wait_idle(tab)
        time.sleep(2)
        with_idle = rss_mb(process.pid)
        return {
            "device_badge": badge,
            "rss_one_session_no_runs_mb": round(empty),
            "rss_three_runs_mb": round(three_runs),
            "peak_rss_mb": round(max(peak, rss_mb(process.pid, "VmHWM"))),
            "rss_per_idle_session_mb": round((with_idle - three_runs) / IDLE_SESSIONS, 1),
        }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.app", description=__doc__.split("\n")[0])
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument(
        "--only",
        default="start,memory,interaction",
        help="comma-separated parts to run: start, memory, interaction (default: all)",
    )
    args = parser.parse_args()
    parts = set(args.only.split(","))
    result: dict = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        if "start" in parts:
            starts = [start_seconds(browser) for _ in range(STARTS)]
            result["start_s_median"] = round(statistics.median(starts), 2)
            result["start_s"] = [round(s, 2) for s in starts]
        if "memory" in parts:
            result |= memory(browser)
        if "interaction" in parts:
            with start_server() as (url, _):
                result["interaction_latency"] = interaction_latency(browser, url)
        browser.close()
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
