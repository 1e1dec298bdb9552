"""Start `streamlit run` on a free port and drive it with Playwright in Debian's Chromium."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("PLAYGROUND_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def start_server(
    timeout: float = 60.0,
    env: dict[str, str] | None = None,
    poll: float = 0.3,
    command: list[str] | None = None,
    cwd: Path = ROOT,
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Serve the app on a free loopback port until the block ends; yields its URL and process.

    `command` replaces `python -m streamlit run streamlit_app.py` (e.g. an installed
    `sequence-playground app`); the server options are appended to it. The server's output goes
    to a temporary file, so a long run never blocks on a full pipe.
    """
    port = free_port()
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", **(env or {})}
    command = command or [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py")]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [
                *command,
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
            ],
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a wrapper's child server ends with it
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    output = log.read().decode(errors="replace")[-3000:]
                    raise RuntimeError(f"streamlit did not start:\n{output}")
                time.sleep(poll)
            yield url, process
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):  # e.g. `sequence-playground app`'s streamlit
                os.killpg(process.pid, signal.SIGKILL)


@contextlib.contextmanager
def streamlit_server(timeout: float = 60.0) -> Iterator[str]:
    """Serve the app on a free loopback port until the block ends; yields its URL."""
    with start_server(timeout) as (url, _):
        yield url


def benign(error: str) -> bool:
    """Streamlit's frontend first looks for its server under a deep link's path (/train/_stcore/...)
    and falls back to the root; those probes 404 by design."""
    return "favicon" in error or ("404" in error and "/_stcore/" in error)


def press_train(page, button: str, shown: str = "Test accuracy", timeout: float = 240_000) -> None:
    """Press a training button and wait until the page shows `shown`, then until the app is idle.

    `wait_idle` alone can return before the click's script run has started when the machine is
    busy (the page still reads "notRunning" from before the click); the trained run's own text
    cannot be there before the training ends.
    """
    page.get_by_role("button", name=button).click()
    expect(page.get_by_text(shown).first).to_be_visible(timeout=timeout)
    wait_idle(page)


def open_shared_model(page, timeout: float = 240_000) -> None:
    """On a share link: press "Train the shared model" unless this server has trained it already
    (then the page shows it at once), and wait for the shared view."""
    button = page.get_by_role("button", name="Train the shared model")
    shown = page.get_by_text("Showing the shared view")
    expect(button.or_(shown).first).to_be_visible(timeout=60_000)
    if button.count():
        button.click()
    expect(shown).to_be_visible(timeout=timeout)
    wait_idle(page)


def wait_idle(page, timeout: float = 240_000) -> None:
    """Wait until the app has finished its current script run."""
    page.wait_for_timeout(300)
    page.wait_for_selector("[data-test-script-state=notRunning]", state="attached", timeout=timeout)
    page.wait_for_timeout(500)  # let charts and tables finish drawing


def fresh_tab(browser):
    """A new browser context (a new session) that records console errors and dialogs."""
    url, chromium = browser
    context = chromium.new_context(viewport={"width": 1400, "height": 1400})
    page = context.new_page()
    errors: list[str] = []
    dialogs: list[str] = []
    page.on(
        "console",
        lambda m: errors.append(f"{m.text} {m.location.get('url', '')}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    return url, context, page, errors, dialogs
