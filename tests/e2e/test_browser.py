"""A learner's first journey in a real Chromium against a live server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.server import CHROMIUM, ROOT, benign, press_train, wait_idle

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(os.environ.get("PLAYGROUND_ARTIFACTS", ROOT / "test-artifacts"))

if not Path(CHROMIUM).exists() and not os.environ.get("PLAYGROUND_REQUIRE_BROWSER"):
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser_page(server):
    """One learner's tab, shared by the journey tests in order: (page, console errors, dialogs)."""
    url, browser = server
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    wait_idle(page)
    yield page, errors, dialogs
    page.close()


def open_page(page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    wait_idle(page)


def expect_charts(page, count: int, at_least: bool = False) -> None:
    """Wait (up to 30 s, for a loaded machine) until the page shows `count` Plotly charts."""
    charts = page.get_by_test_id("stPlotlyChart")
    if at_least:
        expect(charts.nth(count - 1)).to_be_attached(timeout=30_000)
    else:
        expect(charts).to_have_count(count, timeout=30_000)


def assert_healthy(page, errors: list[str]) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0, timeout=30_000)
    assert not [e for e in errors if not benign(e)], errors


def test_first_journey(browser_page):
    page, errors, dialogs = browser_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert page.get_by_text("Four shapes of sequence problems").is_visible()
    press_train(page, "Train a sentiment model")
    assert page.get_by_test_id("stSidebar").get_by_text("Active run").is_visible()
    page.screenshot(path=ARTIFACTS / "home.png")
    assert_healthy(page, errors)

    open_page(page, "Predict")
    expect_charts(page, 1)
    box = page.get_by_label("Sentence")
    box.fill("the zzq was great [x](javascript:alert(1)) <img src=x onerror=alert(1)>")
    box.press("Enter")
    wait_idle(page)
    warning = page.get_by_test_id("stAlert").first.inner_text()
    assert "javascript" in warning and "zzq" in warning  # shown as plain text
    assert page.locator("img[src=x]").count() == 0 and page.locator("a[href^=javascript]").count() == 0
    page.screenshot(path=ARTIFACTS / "predict.png")
    assert_healthy(page, errors)
    assert dialogs == []

    open_page(page, "Train")
    expect_charts(page, 2)  # the active run's curves
    expect(page.get_by_test_id("stDataFrame")).to_have_count(1, timeout=30_000)
    page.screenshot(path=ARTIFACTS / "train.png")
    assert_healthy(page, errors)

    open_page(page, "Words to vectors")
    expect_charts(page, 4)
    page.screenshot(path=ARTIFACTS / "encoding.png", full_page=True)
    assert_healthy(page, errors)

    open_page(page, "Embedding space")
    search = page.get_by_label("Find a word")
    search.fill("great")
    search.press("Enter")
    wait_idle(page)
    assert page.get_by_text("Nearest to “great”").is_visible()
    expect_charts(page, 1)  # the space
    for folded in ("Replay the training", "This run's space beside"):  # folded, drawn when opened
        page.get_by_text(folded).click()
        wait_idle(page)
    expect_charts(page, 3)  # and the learning animation and the comparison
    page.get_by_text("3D", exact=True).click()
    wait_idle(page)
    page.screenshot(path=ARTIFACTS / "embeddings.png", full_page=True)
    assert_healthy(page, errors)

    open_page(page, "Inside the recurrence")
    page.get_by_text("One step in detail").click()  # the server-side stepping is folded away
    page.get_by_role("button", name="▶").click()
    wait_idle(page)
    assert page.get_by_text("Step 2: reading").is_visible()
    page.get_by_text("The state over the whole sentence").click()  # folded, drawn when opened
    wait_idle(page)
    page.get_by_role("tab", name="forget f_t").click()
    wait_idle(page)
    expect_charts(page, 7, at_least=True)  # the stepper, the step's four, a state heatmap, chosen units
    page.screenshot(path=ARTIFACTS / "recurrence.png", full_page=True)
    assert_healthy(page, errors)

    open_page(page, "Backprop through time")
    assert page.get_by_text("1 · Gradient through time").is_visible()
    expect_charts(page, 5, at_least=True)
    page.screenshot(path=ARTIFACTS / "gradients.png", full_page=True)
    assert_healthy(page, errors)

    open_page(page, "Self-attention")
    press_train(page, "Train a Transformer", shown="3 · From scores to weights")
    # the sentiment Transformer has relative positions: its bias by offset, six score matrices (with
    # the bias and the biased scores) in one figure, output
    expect_charts(page, 3)
    # LayerNorm(x), Q K V, the head stepped row by row in the browser, and all heads with the head
    # view are folded, drawn when opened
    folded = (
        "LayerNorm(x): the vectors",
        "Q, K and V of each word",
        "Row by row: which words",
        "All heads and",
    )
    for label in folded:
        page.get_by_text(label).click()
        wait_idle(page)
    expect_charts(page, 8)
    page.screenshot(path=ARTIFACTS / "attention.png", full_page=True)
    assert_healthy(page, errors)

    open_page(page, "Runs")
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible(timeout=30_000)
    expect_charts(page, 2)  # loss and accuracy of the chosen runs
    page.screenshot(path=ARTIFACTS / "runs.png", full_page=True)
    assert_healthy(page, errors)

    open_page(page, "Limits of RNNs")
    expect_charts(page, 4, at_least=True)  # the four experiments
    page.screenshot(path=ARTIFACTS / "limits.png", full_page=True)
    open_page(page, "Task shapes")
    page.get_by_role("button", name="Train the word classifier (about a second)").click()
    wait_idle(page)
    expect(page.get_by_text("cannot turn “good” around")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "shapes.png", full_page=True)
    assert_healthy(page, errors)


def test_stop_keeps_what_was_learned(browser_page):
    page, errors, _ = browser_page
    open_page(page, "Train")
    epochs = page.get_by_role("spinbutton", name="Epochs")
    epochs.fill("40")
    epochs.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_role("button", name="Stop training").wait_for(timeout=30_000)
    page.wait_for_selector("text=/Step \\d+ of/", timeout=30_000)
    page.get_by_role("button", name="Stop training").click()
    wait_idle(page)
    assert page.get_by_text("Stopped at step").is_visible()
    expect_charts(page, 2)  # the interrupted run's curves remain
    page.screenshot(path=ARTIFACTS / "train-stopped.png")
    assert_healthy(page, errors)


@pytest.mark.parametrize("path,title", [("/train", "Train a model"), ("/predict", "Use your model")])
def test_deep_links_run_through_the_entrypoint(server, path, title):
    # A folder named pages/ would make Streamlit run the page alone here, without our sidebar.
    url, browser = server
    page = browser.new_page()
    page.goto(url + path)
    wait_idle(page)
    assert page.locator("h1").first.inner_text() == title
    nav = page.get_by_test_id("stSidebarNav").inner_text()
    assert "Home" in nav and "Train" in nav and "Predict" in nav
    assert "CPU" in page.get_by_test_id("stSidebar").inner_text() or "GPU" in nav
    page.close()


def test_a_share_link_opens_the_same_configuration(server):
    url, browser = server
    context = browser.new_context()  # a fresh browser: no cookies, no session
    page = context.new_page()
    page.goto(f"{url}/train?task=sentiment&arch=rnn&hidden_dim=40&seed=11&activation=relu&epochs=30")
    wait_idle(page)
    expect(page.get_by_role("spinbutton", name="Hidden size")).to_have_value("40")
    expect(page.get_by_role("spinbutton", name="Seed")).to_have_value("11")
    assert page.get_by_text("came from a shared link").is_visible()
    page.get_by_role("button", name="Share this configuration").click()
    expect(page.get_by_text("hidden_dim=40", exact=False).first).to_be_visible()
    page.keyboard.press("Escape")
    # Train, as the link's note asks: the page trains in place. The note left on the click's rerun and
    # every element moved up one, so the whole page stood twice, the live half above the screen.
    page.get_by_role("button", name="Train", exact=True).click()
    stop = page.get_by_role("button", name="Stop training")
    expect(stop).to_be_visible(timeout=60_000)
    expect(page.get_by_role("heading", name="1 · Task and data")).to_have_count(1)
    expect(stop).to_have_count(1)
    stop.click()
    expect(page.get_by_text("Stopped at step", exact=False).first).to_be_visible(timeout=60_000)
    context.close()


def test_a_shared_view_retrains_its_model_in_a_fresh_browser(server):
    url, browser = server
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sentence = "the dogs near the cat are"
    page.goto(
        f"{url}/recurrence?task=next-word&arch=lstm&num_sentences=400&epochs=1&num_layers=2"
        f"&hidden_dim=16&seed=3&sentence={sentence.replace(' ', '+')}&layer=1&step=4&cell=1"
    )
    wait_idle(page)
    expect(page.get_by_text("shared together with its model")).to_be_visible()
    page.get_by_role("button", name="Train the shared model").click()
    expect(page.get_by_text("Showing the shared view")).to_be_visible(timeout=60_000)
    wait_idle(page)
    expect(page.get_by_role("textbox", name="Sentence")).to_have_value(sentence)
    expect_charts(page, 1)  # the stepper; the step's details and the second views are folded
    page.get_by_text("The state over the whole sentence").click()
    wait_idle(page)
    expect_charts(page, 3)  # and the state heatmap and the chosen units, of the shared layer
    assert "step=4" in page.url and "layer=1" in page.url and "seed=3" in page.url
    page.get_by_role("button", name="Share this view").click()
    expect(page.get_by_text("sentence=the+dogs", exact=False).first).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "shared-view.png")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert not dialogs
    context.close()


def test_a_deleted_run_leaves_the_delete_box_and_the_next_one_can_be_deleted(server):
    """After a deletion the box still showed the deleted run's chip over an empty value: choosing the
    next run gave "Delete 0 runs for good", disabled, until the chip was removed by hand."""
    url, browser = server
    context = browser.new_context(viewport={"width": 1400, "height": 1200})
    page = context.new_page()
    for seed in (61, 62):
        page.goto(f"{url}/train?task=sentiment&arch=bow&num_sentences=400&epochs=1&seed={seed}")
        wait_idle(page)
        press_train(page, "Train")
    page.get_by_test_id("stSidebarNav").get_by_text("Runs", exact=True).click()
    wait_idle(page)

    def delete_box():
        box = page.get_by_test_id("stMultiSelect").filter(has_text="Runs to delete")
        if not box.is_visible():  # the popover stays open across the deletion's rerun
            page.get_by_role("button", name="Delete runs…").click()
        expect(box).to_be_visible()
        return box

    box = delete_box()
    box.click()
    page.get_by_role("option", name="#1 Bag of words · sentiment").click()
    page.get_by_role("button", name="Delete 1 run for good").click()
    wait_idle(page)
    box = delete_box()
    expect(box).not_to_contain_text("#1 Bag of words")  # the deleted run's chip went with it
    expect(page.get_by_role("button", name="Delete 0 runs for good")).to_be_disabled()
    box.click()
    page.get_by_role("option", name="#2 Bag of words · sentiment").click()
    expect(page.get_by_role("button", name="Delete 1 run for good")).to_be_enabled()
    context.close()
