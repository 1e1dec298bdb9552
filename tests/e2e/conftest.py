"""Fixtures shared by the browser tests: one live server and Chromium per module, fresh tabs."""

from __future__ import annotations

import pytest

from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, streamlit_server


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with streamlit_server() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield url, browser
        browser.close()


@pytest.fixture(scope="module")
def server(browser):
    """The same (url, browser), under the name the journey tests use."""
    return browser
