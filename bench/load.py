"""Load test: N headless browser sessions, each opening a share link, training its model and predicting.

    python -m bench.load --sessions 5,10,20 [--json out.json]               # one server
    python -m bench.load --sessions 20 --replicas 1,3 --links one,many      # HAProxy + replicas
    python -m bench.load --sessions 20 --replicas 3 --links many --kill     # one replica dies halfway
    python -m bench.load ... --app-root /path/to/other/checkout             # the same, another version
    python -m bench.load ... --shots /tmp/shots                             # a screenshot per failed session
    python -m bench.load ... --link "/predict?task=sentiment&arch=lstm"      # the default model's link

Reports, per round: time from opening the link to the first prediction (p50, p95), retries after the
server said it was busy (the training cap), errors (exceptions on the page, console errors, a
session that sees another's runs: must be 0), each server's resident memory before, at its peak
and after the sessions closed and their state expired, and the servers' CPU seconds per session (the
browsers' share is the rest of the machine's). `--links one` opens the same link in every
session (a class on one slide), `many` a different seed per session. `--kill` kills the first
replica once half the sessions have a prediction, then checks that each finished session on it
gets its run back on another replica, and how long that took. With `--links many`, each training's
time against the warm-up's (trained alone) and the bound (time alone) × (trainings running when it
started + 1) × 1.2, read from the runs the round left in its store. Linux only (reads /proc).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from playwright.async_api import async_playwright

from bench.fleet import start_fleet
from playground.speed.timing import percentile
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, ROOT, benign, start_server

LINK = (
    "/predict?task=sentiment&arch=lstm&num_sentences=400&epochs=1&hidden_dim=16&sentence=the+film+was+great"
)
RETRY_MS = 5000  # a learner told "busy" tries again after a few seconds
SESSION_TTL = 10  # seconds a closed session's state lives on the server here (Streamlit's default: 120)


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a process has used, from /proc (nan once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """Resident memory of a process from /proc, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


class MemoryWatch:
    """Samples processes' RSS twice a second in a thread and keeps each one's peak."""

    def __init__(self, *pids: int):
        self.pids, self._stop = pids, threading.Event()
        self.peaks = dict.fromkeys(pids, 0.0)
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def peak(self) -> float:
        return max(self.peaks.values())

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in self.pids:
                with contextlib.suppress(OSError):  # a killed replica
                    self.peaks[pid] = max(self.peaks[pid], rss_mb(pid))
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


class Round:
    """What the sessions of one round share: when to kill a replica, and which sessions it hit."""

    def __init__(self, sessions: int, kill=None, shots: Path | None = None):
        self.sessions, self.kill, self.shots = sessions, kill, shots
        self.predicted = 0
        self.killed = asyncio.Event()
        self.killed_at = float("inf")


async def replica_of(context) -> str:
    return next((c["value"] for c in await context.cookies() if c["name"] == "PLAYGROUND_REPLICA"), "")


async def runs_in_sidebar(page) -> int:
    await page.get_by_test_id("stSidebar").get_by_role("combobox").click(timeout=30_000)
    runs = await page.get_by_role("option").count()
    await page.keyboard.press("Escape")
    return runs


async def one_session(browser, url: str, link: str, shared: Round) -> dict:
    """Open the link, train its model (retrying while the server is busy), see a prediction."""
    context = await browser.new_context()
    page = await context.new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            errors.append(f"{m.text} {m.location.get('url', '')}")
            if m.type == "error"
            and not benign(f"{m.text} {m.location.get('url', '')}")
            and not shared.killed.is_set()
            else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    started = time.perf_counter()
    retries = reconnects = 0
    replica, recovered_s, affected = "", None, False
    after_load = None
    try:
        await page.goto(url + link, timeout=300_000)  # a learner's browser waits; so does the measure
        await wait_idle(page)
        replica = await replica_of(context)
        busy = page.get_by_text("The server is busy")
        answer = page.get_by_text("P(positive)")
        train = page.get_by_role("button", name="Train the shared model")
        loaded = time.perf_counter()  # the page is drawn: what follows is the training's part
        while not await answer.count():
            # a link whose model this server already trained shows the answer with no button
            await answer.or_(train).first.wait_for(timeout=120_000)
            if await answer.count():
                break
            if time.perf_counter() - started > 600:
                raise TimeoutError("no prediction 600 s after opening the link")
            try:
                await train.click(timeout=10_000)
            except PlaywrightTimeoutError:  # the page moved on as it was clicked (its model came): look again
                continue
            clicked = time.perf_counter()
            # the click returns before the rerun starts: wait for an answer, or for an idle page that
            # still says "busy" well after the click (or offers Train again: its replica died)
            while not await answer.count():
                await page.wait_for_timeout(250)
                state = await page.locator("[data-test-script-state]").first.get_attribute(
                    "data-test-script-state"
                )
                idle = state == "notRunning" and time.perf_counter() - clicked > 2
                if idle and await busy.count():
                    retries += 1
                    await page.wait_for_timeout(RETRY_MS)
                    break
                if idle and shared.killed.is_set() and await train.count():
                    reconnects += 1
                    break
                if time.perf_counter() - clicked > 300:
                    raise TimeoutError("no prediction 300 s after pressing Train")
        seconds = time.perf_counter() - started
        finished_at = time.perf_counter()
        after_load = finished_at - loaded
        if await page.get_by_test_id("stException").count():
            errors.append("exception shown on the page")
        runs = await runs_in_sidebar(page)
        if runs != 1 and not (replica == "app1" and shared.killed.is_set()):  # else: checked by recover
            errors.append(f"the sidebar lists {runs} runs, not this session's one")
        shared.predicted += 1
        halfway = shared.predicted >= shared.sessions // 2
        if shared.kill is not None and halfway and not shared.killed.is_set():
            shared.kill()
            shared.killed_at = time.perf_counter()
            shared.killed.set()
        if shared.kill is not None:
            await shared.killed.wait()
            if replica == "app1" and finished_at <= shared.killed_at:  # finished on the replica that died
                affected = True
                recovered_s = await recover(page, shared.killed_at)
    except Exception as error:  # a timeout or a missing element is a failed session, counted
        seconds = time.perf_counter() - started
        errors.append(f"{type(error).__name__}: {error}"[:1500])
        if shared.shots is not None:  # what the learner saw when it failed
            with contextlib.suppress(Exception):
                shared.shots.mkdir(parents=True, exist_ok=True)
                name = f"failed-{len(list(shared.shots.glob('*.png'))):02d}-{replica or 'none'}.png"
                await page.screenshot(path=shared.shots / name, full_page=True)
    finally:
        await context.close()
    return {
        "seconds": seconds,
        "retries": retries,
        "reconnects": reconnects,
        "errors": errors,
        "replica": replica,
        "recovered_s": recovered_s,
        "affected": affected,
        "after_load_s": after_load,
    }


async def recover(page, killed_at: float) -> float:
    """Seconds from its replica's death until the page, reconnected to another replica, lists its run.

    The page must reconnect by itself (no reload); then a click on "Runs" in the navigation makes the
    new replica run the script, so the sidebar shows what that replica restored from the store.
    """
    while time.perf_counter() < killed_at + 60:
        try:
            if await replica_of(page.context) not in ("", "app1"):
                await page.get_by_test_id("stSidebarNav").get_by_role("link", name="Runs").click(timeout=5000)
                await page.wait_for_timeout(300)
                await page.wait_for_selector(
                    "[data-test-script-state=notRunning]", state="attached", timeout=10_000
                )
                if await runs_in_sidebar(page) == 1:
                    return round(time.perf_counter() - killed_at, 1)
        except Exception:  # still reconnecting
            pass
        await page.wait_for_timeout(250)
    raise TimeoutError("the page did not get its run back within 60 s of its replica dying")


async def load_round(url: str, links: list[str], shared: Round) -> list[dict]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            return await asyncio.gather(*(one_session(browser, url, link, shared) for link in links))
        finally:
            await browser.close()


def trainings_against_alone(store: Path, alone_seed: int = 999) -> dict | None:
    """Each stored training's seconds against the warm-up's (alone), with the runs already running.

    A run's span is from its creation (just before it trains) to creation + its training seconds.
    """
    from playground.io import load_run
    from playground.shared_training import RUN_SUFFIX

    runs = [load_run(path.read_bytes()) for path in (store / "shared").glob(f"*{RUN_SUFFIX}")]
    alone = [r for r in runs if r.config.train.seed == alone_seed]
    others = [r for r in runs if r.config.train.seed != alone_seed]
    spans = [(r.created.timestamp(), r.created.timestamp() + r.seconds) for r in others]
    if not alone or not spans:
        return None
    base = alone[0].seconds
    ratios, over = [], 0
    for start, end in spans:
        ahead = sum(1 for s, e in spans if s < start < e)  # trainings already running when it started
        ratios.append((end - start) / base)
        over += (end - start) > base * (ahead + 1) * 1.2
    return {
        "alone_s": round(base, 2),
        "trainings": len(spans),
        "ratio_to_alone_p50_max": [round(statistics.median(ratios), 2), round(max(ratios), 2)],
        "over_bound": over,
    }


def session_links(sessions: int, links: str, start: int = 0) -> list[str]:
    """The same link for every session, or one seed each (20 different models)."""
    return [LINK if links == "one" else f"{LINK}&seed={start + i + 1}" for i in range(sessions)]


@contextlib.contextmanager
def servers(replicas: int, root: Path, env: dict[str, str]) -> Iterator[tuple[str, list[int], object]]:
    """One plain server (replicas 0), or HAProxy in front of `replicas` servers; URL, pids, fleet."""
    if replicas == 0:
        command = [sys.executable, "-m", "streamlit", "run", str(root / "streamlit_app.py")]
        with start_server(env=env, command=command, cwd=root) as (url, process):
            yield url, [process.pid], None
    else:
        with start_fleet(replicas, env=env, root=root) as fleet:
            yield fleet.url, [p.pid for p in fleet.replicas], fleet


def run(
    session_counts: list[int],
    replicas: int = 0,
    links: str = "one",
    kill: bool = False,
    root: Path = ROOT,
    quick: bool = False,
    shots: Path | None = None,
) -> list[dict]:
    rows = []
    env = {"STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": str(SESSION_TTL)}
    for sessions in session_counts:
        # A fresh run store per round (shared by its replicas): a model stored by an earlier round or
        # run would reach every session at once and measure nothing.
        env["PLAYGROUND_STORE_DIR"] = tempfile.mkdtemp(prefix="playground-load-store-")
        with servers(replicas, root, env) as (url, pids, fleet):
            for _ in range(max(1, replicas)):  # warm up each replica: imports, the corpus, a first model
                asyncio.run(load_round(url, [f"{LINK}&seed=999"], Round(1)))
            time.sleep(1 if quick else SESSION_TTL + 5)
            before = [rss_mb(pid) for pid in pids]
            cpu_before = sum(cpu_seconds(pid) for pid in pids)
            shared = Round(sessions, (lambda: fleet.kill(0)) if kill and fleet is not None else None, shots)
            with MemoryWatch(*pids) as watch:
                started = time.perf_counter()
                results = asyncio.run(load_round(url, session_links(sessions, links), shared))
                wall = time.perf_counter() - started
                server_cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before  # nan if one was killed
            if not quick:
                time.sleep(SESSION_TTL + 20)  # closed sessions expire, then their runs can be freed
            trainings = trainings_against_alone(Path(env["PLAYGROUND_STORE_DIR"]))
            after = [
                rss_mb(pid) if fleet is None or fleet.replicas[i].poll() is None else float("nan")
                for i, pid in enumerate(pids)
            ]
        for result in results:
            print(json.dumps(result), file=sys.stderr, flush=True)
        times = [r["seconds"] for r in results]
        loads = [r["after_load_s"] for r in results if r["after_load_s"] is not None]
        hit = [r for r in results if r["affected"]]
        recovered = [r["recovered_s"] for r in hit if r["recovered_s"] is not None]
        rows.append(
            {
                "sessions": sessions,
                "replicas": replicas,
                "links": links,
                "killed": kill,
                "wall_s": round(wall, 1),
                "prediction_p50_s": round(statistics.median(times), 1),
                "prediction_p95_s": round(percentile(times, 0.95), 1),
                "after_load_p50_p95_s": [
                    round(statistics.median(loads), 1) if loads else None,
                    round(percentile(loads, 0.95), 1) if loads else None,
                ],
                "busy_retries": sum(r["retries"] for r in results),
                "reconnects": sum(r["reconnects"] for r in results),
                "errors": sum(len(r["errors"]) for r in results),
                "finished_runs_recovered": f"{len(recovered)} of {len(hit)}" if kill else None,
                "recovered_max_s": max(recovered, default=None),
                "sessions_per_replica": {
                    k: sum(r["replica"] == k for r in results)
                    for k in sorted({r["replica"] for r in results})
                },
                "server_cpu_s_per_session": round(server_cpu / sessions, 2)
                if server_cpu == server_cpu
                else None,
                "rss_before_mb": [round(v) for v in before],
                "rss_peak_mb": [round(watch.peaks[pid]) for pid in pids],
                "rss_after_mb": [round(v) if v == v else None for v in after],
                "trainings": trainings,
                "error_samples": [e for r in results for e in r["errors"]][:5],
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", default="5,10,20", help="comma-separated session counts")
    parser.add_argument("--replicas", default="0", help="comma-separated; 0: one server, no proxy")
    parser.add_argument("--links", default="one", help="comma-separated: one, many")
    parser.add_argument("--kill", action="store_true", help="kill the first replica halfway through")
    parser.add_argument("--quick", action="store_true", help="no waits for memory to settle (RSS after: n/a)")
    parser.add_argument("--app-root", type=Path, default=ROOT, help="the checkout whose app is served")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    parser.add_argument(
        "--shots", type=Path, metavar="DIR", help="a full-page screenshot of each failed session"
    )
    parser.add_argument("--link", default=LINK, help="the link's path and query (default: a 0.1 s model)")
    args = parser.parse_args()
    globals()["LINK"] = args.link  # session_links and the warm-up read it
    counts = [int(n) for n in args.sessions.split(",")]
    rows = [
        row
        for replicas in (int(n) for n in args.replicas.split(","))
        for links in args.links.split(",")
        for row in run(counts, replicas, links, args.kill, args.app_root.resolve(), args.quick, args.shots)
    ]
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
