"""In Chromium: Stop stops a training between steps, and so does closing the tab, freeing the slot."""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, ROOT, start_server, wait_idle

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(os.environ.get("PLAYGROUND_ARTIFACTS", ROOT / "test-artifacts"))
ISSUE_LINK = (
    "task=next-word&arch=transformer&tokenizer=char&text_layout=stream&max_length=256"
    "&num_sentences=50000&embedding_dim=512&hidden_dim=1024&num_layers=2&num_heads=8"
    "&batch_size=512&epochs=50"
)

if not Path(CHROMIUM).exists() and not os.environ.get("PLAYGROUND_REQUIRE_BROWSER"):
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

# Minutes of training (thousands of steps): without a working stop it holds the slot.
LONG = "task=sentiment&arch=lstm&num_sentences=12000&hidden_dim=256&epochs=50&batch_size=64"
SMALL = "task=sentiment&arch=bow&num_sentences=400&epochs=1"


def start_long_training(page, url: str) -> None:
    page.goto(f"{url}/train?{LONG}")
    wait_idle(page)
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page.get_by_test_id("stProgress").get_by_text("train loss", exact=False)).to_be_visible(
        timeout=60_000
    )


def test_stop_and_a_closed_tab_each_end_the_training_and_free_its_slot():
    from playwright.sync_api import sync_playwright

    with start_server(env={"PLAYGROUND_MAX_TRAININGS": "1"}) as (url, _), sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        stopper = chromium.new_page(viewport={"width": 1400, "height": 1200})
        start_long_training(stopper, url)
        stopper.wait_for_timeout(2000)
        clicked = time.perf_counter()
        stopper.get_by_role("button", name="Stop training").click()
        stopped = stopper.get_by_text("Stopped at step", exact=False).first
        expect(stopped).to_be_visible(timeout=30_000)
        print(f"Stop to the page saying so: {time.perf_counter() - clicked:.1f} s")
        assert re.search(r"of [\d,]{5,}", stopped.inner_text()) and "no test score" in stopped.inner_text()
        expect(stopper.get_by_text("Test accuracy", exact=False)).to_have_count(0)
        ARTIFACTS.mkdir(exist_ok=True)
        stopper.screenshot(path=ARTIFACTS / "stopped.png")
        stopper.reload()  # the stopped run comes back from the run store, still stopped
        wait_idle(stopper)
        expect(stopper.get_by_text("Stopped at step", exact=False).first).to_be_visible(timeout=60_000)
        stopper.goto(f"{url}/train?{ISSUE_LINK}")  # the issue's link: refused on opening
        wait_idle(stopper)
        expect(stopper.get_by_text("this server allows", exact=False).first).to_be_visible()
        expect(stopper.get_by_role("button", name="Train", exact=True)).to_be_disabled()
        stopper.screenshot(path=ARTIFACTS / "over-size-link.png")
        stopper.close()

        closing = chromium.new_context()
        start_long_training(closing.new_page(), url)
        closing.close()  # the tab goes away mid-training
        closed = time.perf_counter()
        page = chromium.new_page()
        page.goto(f"{url}/train?{SMALL}")
        wait_idle(page)
        trained = page.get_by_text("Test accuracy", exact=False)
        busy = page.get_by_text("server is busy", exact=False)
        while True:  # the only slot is free again once the closed tab's training has stopped
            page.get_by_role("button", name="Train", exact=True).click()
            # on a loaded machine the click's rerun may start after wait_idle looked: wait for an answer
            expect(trained.or_(busy).first).to_be_visible(timeout=60_000)
            wait_idle(page)
            if trained.count():
                break
            assert time.perf_counter() - closed < 60, "the closed tab's training kept the slot"
            page.wait_for_timeout(500)
        print(f"Tab closed to the slot free and a new run trained: {time.perf_counter() - closed:.1f} s")
        chromium.close()


def test_a_measurement_stopped_part_way_comes_back_after_a_reload():
    """Limits of RNNs: Stop keeps the points measured, in the session and in the store. The last save
    ran after the click had stopped the script run, where every Streamlit call raises, so a reload
    brought back the shipped result instead."""
    from playwright.sync_api import sync_playwright

    store = {"PLAYGROUND_STORE_DIR": tempfile.mkdtemp(prefix="playground-store-e2e-")}
    with start_server(env=store) as (url, _), sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = chromium.new_page(viewport={"width": 1400, "height": 1200})
        page.goto(f"{url}/limits")
        wait_idle(page)
        measure = page.get_by_role("button", name=re.compile(r"^Measure \(about"))  # with its time
        measure.click()
        measured = page.get_by_test_id("stProgress").get_by_text(re.compile(r"[1-9]\d* points? measured"))
        expect(measured).to_be_visible(timeout=60_000)
        page.get_by_role("button", name="Stop", exact=True).click()
        note = page.get_by_text("Stopped after", exact=False).first
        expect(note).to_be_visible(timeout=30_000)
        kept = re.search(r"Stopped after \d+ points?", note.inner_text())[0]
        page.reload()
        wait_idle(page)
        expect(page.get_by_text(kept, exact=False).first).to_be_visible(timeout=60_000)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        page.get_by_role("button", name="Measure the rest").click()  # goes on after the reload
        expect(page.get_by_text("Stopped after", exact=False)).to_have_count(0, timeout=120_000)
        wait_idle(page)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        chromium.close()
