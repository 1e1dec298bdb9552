"""Nothing is lost: runs survive a reload and a server restart, and only their own browser gets them."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, benign, press_train, start_server, wait_idle

pytestmark = pytest.mark.e2e

if not Path(CHROMIUM).exists() and not os.environ.get("PLAYGROUND_REQUIRE_BROWSER"):
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)


# The sidebar names a finished run without its status ("#1 LSTM · sentiment"), others with it.
FINISHED = re.compile(r"LSTM · sentiment(?! \()")


def restored_runs(page) -> str:
    """`sidebar_runs` once the run picker is there: a new session restores its runs from the store
    as its script runs, which a busy machine may not have finished when `wait_idle` returns."""
    expect(page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox")).to_be_visible(timeout=60_000)
    return sidebar_runs(page)


def sidebar_runs(page) -> str:
    """The sidebar's text with the active run picker's current value."""
    sidebar = page.get_by_test_id("stSidebar")
    picker = sidebar.get_by_test_id("stSelectbox").locator("input")
    return sidebar.inner_text() + (picker.first.input_value() if picker.count() else "")


def test_runs_survive_reload_and_restart_and_stay_in_their_browser():
    from playwright.sync_api import sync_playwright

    store = tempfile.mkdtemp(prefix="playground-store-e2e-")
    env = {"PLAYGROUND_STORE_DIR": store}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        learner = browser.new_context(viewport={"width": 1400, "height": 1200})
        page = learner.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        with start_server(env=env) as (url, _):
            page.goto(url)
            wait_idle(page)
            press_train(page, "Train a sentiment model")
            assert FINISHED.search(sidebar_runs(page))

            page.reload()
            wait_idle(page)
            assert FINISHED.search(restored_runs(page))
            page.get_by_test_id("stSidebarNav").get_by_text("Runs", exact=True).click()
            wait_idle(page)
            expect(page.get_by_test_id("stPlotlyChart")).to_have_count(2, timeout=30_000)  # its curves
            assert "7 days" in page.get_by_text("Your runs are saved").inner_text()

            # The address bar and a share link carry nothing that identifies the browser.
            cookie = next(c for c in learner.cookies() if c["name"] == "sequence_playground_browser")
            assert cookie["value"] not in page.url
            page.get_by_test_id("stSidebarNav").get_by_text("Predict", exact=True).click()
            wait_idle(page)
            assert cookie["value"] not in page.url

            stranger = browser.new_context()
            other = stranger.new_page()
            other.goto(page.url)  # the learner's address bar, opened in another browser
            wait_idle(other)
            # Not the learner's runs: the link's model, which this server trained, as the stranger's own copy.
            expect(other.get_by_text("whoever opened this link first")).to_be_visible(timeout=60_000)
            # The sidebar's run picker is drawn by the rerun that follows keeping the copy.
            picker = other.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").locator("input").first
            expect(picker).to_have_value(FINISHED, timeout=30_000)
            assert len(FINISHED.findall(sidebar_runs(other))) == 1
            stranger.close()

        with start_server(env=env) as (url, _):  # the server process restarted, same store
            errors.clear()  # the page's reconnection attempts while no server was up
            page.goto(url)
            wait_idle(page)
            assert FINISHED.search(restored_runs(page))
        expect(page.get_by_test_id("stException")).to_have_count(0)
        # While the server is down on purpose, the page's reconnection attempts are refused (and the
        # old page may still say so after `errors.clear()`, until it navigates to the new server).
        reconnecting = ("ERR_CONNECTION_REFUSED", "not responding", "reaching server endpoint")
        assert not [e for e in errors if not benign(e) and not any(r in e for r in reconnecting)], errors
        browser.close()


@pytest.mark.parametrize(
    ("width", "alone"),
    [(1400, ""), (800, ""), (1400, "&dropout=0.1")],  # dropout: trained for this learner alone, not shared
)
def test_a_first_training_from_a_link_survives_a_reload_while_it_runs(width, alone):
    """A learner whose first page is a share link, reloading during their first training: the page
    waits on the training, so a cookie written after the page never reached this new browser, and
    its run was stored where no reload would look (found by a hostile review)."""
    from playwright.sync_api import sync_playwright

    store = tempfile.mkdtemp(prefix="playground-store-e2e-")
    link = "task=sentiment&arch=lstm&num_sentences=12000&hidden_dim=128&epochs=30&seed=31" + alone
    with start_server(env={"PLAYGROUND_STORE_DIR": store}) as (url, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        learner = browser.new_context(viewport={"width": width, "height": 900})
        page = learner.new_page()
        page.goto(f"{url}/predict?{link}")
        wait_idle(page)
        page.get_by_role("button", name="Train the shared model").click()
        expect(page.get_by_text("Step", exact=False).first).to_be_visible(timeout=60_000)
        assert any(c["name"] == "sequence_playground_browser" for c in learner.cookies())
        page.wait_for_timeout(5000)
        page.reload()
        wait_idle(page)
        picker = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").locator("input").first
        expect(picker).to_have_value(re.compile(r"LSTM · sentiment \(stopped\)"), timeout=60_000)
        page.get_by_role("button", name="Show the stopped run").click()  # the link page offers it
        expect(page.get_by_text("Showing the shared view", exact=False)).to_be_visible(timeout=60_000)
        page.goto(f"{url}/runs")
        wait_idle(page)
        expect(page.get_by_text("LSTM · sentiment", exact=False).first).to_be_visible(timeout=60_000)
        expect(page.get_by_text("No runs yet", exact=False)).to_have_count(0)
        browser.close()
