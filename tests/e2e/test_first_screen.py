"""The first screen, in a real Chromium at 1400 × 1000 and at 800 × 900 (a browser split on a laptop).

Each page with a main chart shows it in the first screen once a default model is trained, and no
select box there shows a cut or empty value. Below 900 px the sidebar starts folded (the learner can
open it, and Streamlit then remembers that choice) and columns stack.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from playground.config import SECTIONS
from tests.e2e.server import CHROMIUM, ROOT, benign, press_train, wait_idle

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(os.environ.get("PLAYGROUND_ARTIFACTS", ROOT / "test-artifacts"))
SIZES = [(1400, 1000), (800, 900)]
FOLD_SHARE = 0.75  # the chart's top must be in the first three quarters of the screen: a real part shows
# Page → ((the button that trains its own default model first, a text its result shows) or None,
# the main view's test id).
# The main view is a Plotly chart except on Task shapes, whose four shapes are tabs, each a small model
# and a table. Train and Runs open with a form and a table by design.
PAGES = {
    "Home": (None, "stPlotlyChart"),
    "Predict": (None, "stPlotlyChart"),
    "Task shapes": (("Train the word classifier (about a second)", "cannot turn “good” around"), "stTabs"),
    "Words to vectors": (None, "stPlotlyChart"),
    "Inside the recurrence": (None, "stPlotlyChart"),
    "Backprop through time": (None, "stPlotlyChart"),
    "Limits of RNNs": (None, "stPlotlyChart"),
    "Self-attention": (("Train a Transformer", "3 · From scores to weights"), "stPlotlyChart"),
    "Embedding space": (None, "stPlotlyChart"),
}
# Each shown box's value, measured in its own font against the room its input gives it (for a number
# box, the room left of its − and + buttons); `{widget}` is the box's test id.
MEASURED_BOXES = """() => [...document.querySelectorAll('[data-testid=stMain] [data-testid={widget}]')]
  .filter((box) => box.getBoundingClientRect().width > 0)
  .map((box) => {{
    const input = box.querySelector('input');
    const style = getComputedStyle(input);
    const context = document.createElement('canvas').getContext('2d');
    context.font = style.font;
    const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return {{
      label: box.querySelector('label')?.innerText || '',
      value: input.value,
      clipped: context.measureText(input.value).width > room + 1,
      top: box.getBoundingClientRect().top,
    }};
  }})"""
SELECT_BOXES = MEASURED_BOXES.format(widget="stSelectbox")
NUMBER_BOXES = MEASURED_BOXES.format(widget="stNumberInput")

MAIN_HAS_THE_WIDTH = "document.querySelector('[data-testid=stMain]').getBoundingClientRect().x < 1"

if not Path(CHROMIUM).exists() and not os.environ.get("PLAYGROUND_REQUIRE_BROWSER"):
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)


def sidebar_folded(page) -> bool:
    return page.get_by_test_id("stSidebar").get_attribute("data-collapsed") == "true"


def open_page(page, title: str, narrow: bool) -> None:
    """Follow the sidebar link as a learner would: open the folded sidebar first, fold it again after."""
    if sidebar_folded(page):
        page.get_by_test_id("stExpandSidebarButton").click()
        expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "false")
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    wait_idle(page)
    if narrow and not sidebar_folded(page):
        page.get_by_test_id("stSidebarCollapseButton").locator("button").click()
    if narrow:  # the sidebar slides away: measure once the page has the whole width
        page.wait_for_function(MAIN_HAS_THE_WIDTH)


@pytest.mark.parametrize("width,height", SIZES)
def test_each_page_opens_with_its_main_chart(browser, width, height):
    url, chromium = browser
    context = chromium.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    wait_idle(page)
    press_train(page, "Train a next-word model")
    failures = []
    for title, (train_first, main_view) in PAGES.items():
        open_page(page, title, narrow=width < 900)
        if train_first:
            press_train(page, *train_first)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        page.evaluate("window.scrollTo(0, 0)")
        chart = page.get_by_test_id(main_view).first
        expect(chart).to_be_visible(timeout=30_000)
        box = chart.bounding_box()
        for _ in range(50):  # None while a rerun redraws the chart between the two calls
            if box is not None:
                break
            page.wait_for_timeout(200)
            box = chart.bounding_box()
        top = box["y"]
        if top > height * FOLD_SHARE:
            failures.append(f"{title}: main view starts at {top:.0f} px of {height}")
        for box in page.evaluate(SELECT_BOXES):
            if box["top"] < height and (box["clipped"] or not box["value"]):
                failures.append(f"{title}: select box {box['label']!r} shows {box['value']!r}, cut")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"first-screen-{width}-{title.replace(' ', '-').lower()}.png")
    open_page(page, "Home", narrow=width < 900)  # Predict for sentiment opens with other views
    press_train(page, "Train a sentiment model")
    open_page(page, "Predict", narrow=width < 900)
    top = page.get_by_test_id("stPlotlyChart").first.bounding_box()["y"]
    if top > height * FOLD_SHARE:
        failures.append(f"Predict (sentiment): main view starts at {top:.0f} px of {height}")
    assert not failures, failures
    assert not [e for e in errors if not benign(e)], errors
    context.close()


def test_narrow_screen_folds_the_sidebar_and_stacks_columns(browser):
    url, chromium = browser
    wide = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = wide.new_page()
    page.goto(url)
    wait_idle(page)
    assert not sidebar_folded(page)
    wide.close()

    narrow = chromium.new_context(viewport={"width": 800, "height": 900})
    page = narrow.new_page()
    page.goto(url)
    wait_idle(page)
    expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")
    page.wait_for_function(MAIN_HAS_THE_WIDTH)
    main = page.get_by_test_id("stMain").bounding_box()
    assert main["x"] < 10 and main["width"] > 780  # the page has the whole width
    open_page(page, "Train", narrow=True)
    columns = page.get_by_test_id("stMain").get_by_test_id("stHorizontalBlock").first
    boxes = [c.bounding_box() for c in columns.locator(":scope > [data-testid=stColumn]").all()[:2]]
    assert len(boxes) == 2 and boxes[1]["y"] >= boxes[0]["y"] + boxes[0]["height"] - 1  # stacked
    assert boxes[0]["width"] > 700

    page.get_by_test_id("stExpandSidebarButton").click()  # the learner opens it: that choice is kept
    expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "false")
    page.reload()
    wait_idle(page)
    page.wait_for_timeout(500)
    assert not sidebar_folded(page)
    narrow.close()


def test_a_fold_the_app_made_follows_the_window_both_ways(browser):
    """Folded at 800 px, reopened at 1400 px, folded again at 800 px: none of it was the learner's choice."""
    url, chromium = browser
    context = chromium.new_context(viewport={"width": 800, "height": 900})
    page = context.new_page()
    for width, folded in ((800, True), (1400, False), (800, True), (1400, False)):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        wait_idle(page)
        expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", str(folded).lower())
    context.close()


def bound_links() -> list[dict[str, str]]:
    """Train links with every number field of the form at its lower, then its upper bound, per model."""
    ends = []
    for end in ("lo", "hi"):
        values = {
            f.name: f"{f.metadata[end]:g}" if isinstance(f.default, float) else str(f.metadata[end])
            for cls in SECTIONS.values()
            for f in dataclasses.fields(cls)
            if f.metadata.get("lo") is not None
        }
        # an RNN has the LSTM's fields
        ends += [{"task": "next-word", "arch": arch, **values} for arch in ("lstm", "transformer")]
        ends.append({"task": "sentiment", "arch": "bow", **values})
    return ends


def test_train_form_shows_every_value_whole_at_its_bounds(browser):
    """A link at the edges of every field: each number box shows its value uncut (a third-wide seed box
    showed "21474" of 2147483647)."""
    url, chromium = browser
    failures = []
    for params in bound_links():
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(f"{url}/train?{urlencode(params)}")
        wait_idle(page)
        page.get_by_text("Tokens and sequence length").click()
        wait_idle(page)
        boxes = page.evaluate(NUMBER_BOXES)
        assert len(boxes) >= 10
        failures += [
            f"{params['arch']}: {b['label']!r} shows {b['value']!r}, cut" for b in boxes if b["clipped"]
        ]
        context.close()
    assert not failures, failures
