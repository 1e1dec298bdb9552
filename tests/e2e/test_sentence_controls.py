"""In Chromium: a control whose options are the words of the typed sentence names the word the page uses.

Self-attention's "Show the mix for" lists the sentence's words. The browser keeps showing the label
it last showed unless the server sends a value, so after a new sentence the box named one word
("8 happy") while the table below was another's; `ui.widgets.selectbox` now writes the value again
whenever its options' labels change.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from playground.config import default_config
from playground.data.datasets import build_builtin
from playground.run import create_run
from playground.run_store import RunStore, StoreSettings
from playground.train import train_run
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, start_server, wait_idle

pytestmark = pytest.mark.e2e

if not Path(CHROMIUM).exists() and not os.environ.get("PLAYGROUND_REQUIRE_BROWSER"):
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

LABEL = "Show the mix for"


def store_with(*archs: str) -> tuple[str, str]:
    """A run store holding one small next-word model of each of `archs` (the last one newest), and the
    cookie of the browser that owns them."""
    root = tempfile.mkdtemp(prefix="playground-store-controls-")
    store, browser = RunStore(StoreSettings(root=Path(root))), secrets.token_urlsafe(32)
    for arch in archs:
        config = default_config("next-word", arch)
        config.data.num_sentences, config.train.epochs = 600, 1
        data = build_builtin(config.data)
        store.save(browser, train_run(create_run(config, data), data))
    return root, browser


def open_app(p, root: str, browser_id: str, url: str):
    chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    context.add_cookies([{"name": "sequence_playground_browser", "value": browser_id, "url": url}])
    return chromium, context.new_page()


def word_box(page):
    """The combo box's text field, which holds the label it shows."""
    return page.get_by_role("combobox", name=LABEL)


def open_list(page) -> None:
    word_box(page).click()
    word_box(page).press("ArrowDown")  # a click only focuses the combo box
    page.get_by_role("option").first.wait_for()


def options(page) -> list[str]:
    """The box's options as the browser lists them (opened and closed again)."""
    open_list(page)
    listed = [text.strip() for text in page.get_by_role("option").all_inner_texts()]
    page.keyboard.press("Escape")
    return listed


def type_sentence(page, text: str) -> None:
    box = page.get_by_test_id("stMain").get_by_test_id("stTextInput").first.locator("input")
    box.fill(text)
    box.press("Enter")
    wait_idle(page)


def test_the_word_box_names_a_word_of_the_new_sentence():
    from playwright.sync_api import sync_playwright

    root, browser_id = store_with("transformer")
    with start_server(env={"PLAYGROUND_STORE_DIR": root}) as (url, _), sync_playwright() as p:
        chromium, page = open_app(p, root, browser_id, url)
        page.goto(f"{url}/attention")
        wait_idle(page)
        type_sentence(page, "the dogs near the cat are happy")
        first = options(page)
        expect(word_box(page)).to_have_value(first[-1])  # the last word, by default

        type_sentence(page, "the cat is")  # fewer words: the last word's place is gone
        shorter = options(page)
        assert len(shorter) < len(first)
        expect(word_box(page)).to_have_value(shorter[-1])

        open_list(page)
        page.get_by_role("option", name=shorter[2], exact=True).click()  # a word that stays a place
        wait_idle(page)
        type_sentence(page, "the dogs near the cat are happy today in the park")
        longer = options(page)
        expect(word_box(page)).to_have_value(longer[2])
        assert shorter[2] not in longer  # the same place, another word: the label had to change
        chromium.close()


def test_a_run_made_active_on_the_page_is_the_one_the_page_and_the_sidebar_use():
    """A page's "use one of your runs" button after the learner picked a run in the sidebar's box: the
    box, keyed, must be sent the new run, or it sends back the old one and the page keeps it."""
    from playwright.sync_api import sync_playwright

    root, browser_id = store_with("lstm", "transformer")
    with start_server(env={"PLAYGROUND_STORE_DIR": root}) as (url, _), sync_playwright() as p:
        chromium, page = open_app(p, root, browser_id, url)
        page.goto(url)
        wait_idle(page)
        picker = page.get_by_test_id("stSidebar").get_by_role("combobox", name="Active run")
        picker.click()
        picker.press("ArrowDown")
        page.get_by_role("option").filter(has_text="LSTM").click()  # the learner picks the LSTM
        wait_idle(page)
        expect(picker).to_have_value(re.compile("LSTM"))
        page.get_by_test_id("stSidebarNav").get_by_text("Self-attention", exact=True).click()
        wait_idle(page)
        expect(page.get_by_text("which has no attention")).to_be_visible()
        page.get_by_test_id("stMain").get_by_role("button", name=re.compile(r"^#\d+ Transformer")).click()
        wait_idle(page)
        expect(page.get_by_role("combobox", name=LABEL)).to_be_visible()  # the page shows the Transformer
        expect(picker).to_have_value(re.compile("Transformer"))
        expect(page.get_by_text("which has no attention")).to_have_count(0)
        chromium.close()
