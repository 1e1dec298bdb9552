"""In a real Chromium: uploads through the real file picker, and hostile text in every text box."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.server import CHROMIUM, ROOT, benign, fresh_tab, open_shared_model, wait_idle

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(os.environ.get("PLAYGROUND_ARTIFACTS", ROOT / "test-artifacts"))

if not Path(CHROMIUM).exists() and not os.environ.get("PLAYGROUND_REQUIRE_BROWSER"):
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

HOSTILE = {
    "html": "<img src=x onerror=alert(1)> <script>alert(2)</script>",
    "markdown link": "[click](javascript:alert(1)) **bold** $x^2$",
    "emoji and combining marks": "the film 👩‍👩‍👧 was ǵ̸̢o̴o̵d ✨",
    "right-to-left override": "the film \u202ewas good\u202c",
    "zero-width": "the\u200b film\u200d was\ufeff good",
    "10,000 words": "good " * 10_000,
}
SMALL_MODEL = "task=sentiment&arch=lstm&num_sentences=400&epochs=1&hidden_dim=16"


def healthy(page, errors: list[str], dialogs: list[str]) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0, timeout=30_000)
    assert not [e for e in errors if not benign(e)], errors
    assert dialogs == []
    assert page.locator("img[src=x]").count() == 0
    assert page.locator("a[href^=javascript]").count() == 0


def test_uploads_through_the_real_file_picker(browser, tmp_path):
    url, context, page, errors, dialogs = fresh_tab(browser)
    page.goto(f"{url}/train?task=next-word&source=upload&epochs=1")
    wait_idle(page)
    # a link cannot carry a file, so it falls back to the built-in corpus: choose the upload again
    page.get_by_role("combobox", name="Data").click()
    page.get_by_role("option", name="Upload a file").click()
    wait_idle(page)
    corpus = tmp_path / "stories.txt"
    corpus.write_text("the quick fox jumps over the lazy dog\na slow cat sleeps in the sun\n" * 40)
    page.locator("input[type=file]").set_input_files(corpus)
    wait_idle(page)
    expect(page.get_by_text("upload stories.txt, 80 lines", exact=False).first).to_be_visible()
    page.get_by_role("button", name="Train", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("Test accuracy").first).to_be_visible(timeout=60_000)
    healthy(page, errors, dialogs)

    page.get_by_text("Sentiment / classification", exact=True).click()
    wait_idle(page)
    page.get_by_role("combobox", name="Data").click()
    page.get_by_role("option", name="Upload a file").click()
    wait_idle(page)
    table = tmp_path / "reviews.csv"
    table.write_text("review,stars\n" + "great fun,good\nawful mess,bad\n" * 60, encoding="utf-16")
    page.locator("input[type=file]").set_input_files(table)
    wait_idle(page)
    expect(page.get_by_text("UTF-16", exact=False).first).to_be_visible()  # read, with a note
    page.get_by_role("button", name="Train", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("Test accuracy").first).to_be_visible(timeout=60_000)
    active = page.get_by_test_id("stSidebar").get_by_role("combobox")
    assert "sentiment" in active.input_value()
    active.click()
    expect(page.get_by_role("option")).to_have_count(2)  # the next-word run is still there
    page.keyboard.press("Escape")
    page.screenshot(path=ARTIFACTS / "uploads.png")
    healthy(page, errors, dialogs)
    context.close()


PAGES_WITH_TEXT = [
    ("Predict", "Sentence"),
    ("Words to vectors", "Sentence"),
    ("Embedding space", "Find a word"),
    ("Inside the recurrence", "Sentence"),
    ("Backprop through time", "Sentence"),
]


def test_hostile_text_in_every_text_box_is_plain_text(browser):
    url, context, page, errors, dialogs = fresh_tab(browser)
    page.goto(f"{url}/predict?{SMALL_MODEL}")
    wait_idle(page)
    open_shared_model(page)
    for title, label in PAGES_WITH_TEXT:
        page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
        wait_idle(page)
        for name, text in HOSTILE.items():
            box = page.get_by_role("textbox", name=label, exact=True)
            box.fill("")
            box.focus()
            page.keyboard.insert_text(text)  # as a paste: the browser applies the box's length limit
            box.press("Enter")
            wait_idle(page)
            healthy(page, errors, dialogs)
            assert "<img" not in page.locator("main").inner_html().replace("&lt;img", ""), (title, name)
            if name == "10,000 words":  # taken whole, read up to the box's limit, and the page says so
                expect(page.get_by_text("only the first").first).to_be_visible()
    page.screenshot(path=ARTIFACTS / "hostile-text.png")
    context.close()
