"""The lecture's path in a real Chromium: Home → … → Self-attention by the "next" links alone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.server import CHROMIUM, ROOT, benign, press_train, wait_idle

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(os.environ.get("PLAYGROUND_ARTIFACTS", ROOT / "test-artifacts"))
# Pages checked here for a main chart in the first screen and a callout, on the way along the path;
# tests/e2e/test_first_screen.py checks every page's first screen at both widths.
MAIN_CHART_FIRST = {"Inside the recurrence"}
CUT = "a => [a, ...a.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1)"

if not Path(CHROMIUM).exists() and not os.environ.get("PLAYGROUND_REQUIRE_BROWSER"):
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)


def follow_next(page) -> str:
    """Click the last "Next: …" link (the one that leads on) and return its label."""
    links = page.get_by_role("link").filter(has_text="Next:")
    expect(links.last).to_be_visible(timeout=30_000)
    for link in links.all():  # a link's label never wraps: a long one was cut at the page's edge
        assert not link.evaluate(CUT), link.inner_text()
    label = links.last.inner_text()
    links.last.click()
    wait_idle(page)
    return label


def main_chart_above_the_fold(page, height: int) -> bool:
    chart = page.get_by_test_id("stPlotlyChart").first
    expect(chart).to_be_attached(timeout=30_000)
    box = chart.bounding_box()
    return box is not None and box["y"] < height * 0.75  # its top part at least is in the first screen


@pytest.mark.parametrize("width,height", [(1400, 1000), (800, 900)])
def test_the_next_links_walk_the_lecture(server, width, height):
    url, browser = server
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(url)
    wait_idle(page)
    press_train(page, "Train a next-word model")
    page.get_by_role("link").filter(has_text="1. Task shapes").click()
    wait_idle(page)
    visited = []
    for expected in ("Words to vectors", "Inside the recurrence", "Limits of RNNs", "Self-attention"):
        label = follow_next(page)
        if expected == "Limits of RNNs":  # Backprop offers the LSTM's gates first, then leads on
            assert "Backprop through time" in label
            gates = page.get_by_role("link").filter(has_text="Next: LSTM gates")
            gates.click()  # that stop's page leads on to the limits, not back to Backprop (review 19)
            wait_idle(page)
            expect(page.get_by_role("heading", name="Inside the recurrence")).to_be_visible()
            label = follow_next(page)
        assert expected in label, label
        visited.append(expected)
        expect(page.get_by_test_id("stException")).to_have_count(0, timeout=30_000)
        if expected in MAIN_CHART_FIRST:
            assert main_chart_above_the_fold(page, height), expected
            expect(page.get_by_test_id("stAlert").first).to_be_visible()  # a callout about this model
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"path-{width}-{expected.replace(' ', '-').lower()}.png")
    assert page.get_by_text("Self-attention, step by step").is_visible()
    assert not [e for e in errors if not benign(e)], errors
    context.close()
