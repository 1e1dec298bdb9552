"""Take screenshots of every page after a learner's first steps: python scripts/screenshots.py OUT_DIR."""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, streamlit_server, wait_idle  # noqa: E402


def trim(path: Path, margin: int = 40) -> None:
    """Cut the empty space below the page's content."""
    from PIL import Image, ImageChops

    image = Image.open(path).convert("RGB")
    main = image.crop((320, 0, image.width, image.height))
    background = Image.new("RGB", main.size, main.getpixel((main.width - 5, main.height - 5)))
    box = ImageChops.difference(main, background).getbbox()
    if box:
        image.crop((0, 0, image.width, min(image.height, box[3] + margin))).save(path)


def open_page(page, title: str) -> None:
    """Follow the sidebar link, as a learner would (a new URL would start a new session)."""
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    wait_idle(page)


def unfold(page, *labels: str) -> None:
    """Open folded second views (lazy expanders: each open is a rerun) so the screenshot shows them.

    Only where they fit in the screenshot's 3,200 px (Self-attention's all heads do not).
    """
    for label in labels:
        page.get_by_text(label).first.click()
        wait_idle(page)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 3200})
        page.goto(url)
        wait_idle(page)
        page.get_by_role("button", name="Train a sentiment model").click()
        wait_idle(page)
        page.screenshot(path=out / "home.png", full_page=True)
        open_page(page, "Predict")
        page.screenshot(path=out / "predict-sentiment.png", full_page=True)
        open_page(page, "Train")
        page.get_by_role("button", name="Train", exact=True).click()
        wait_idle(page)
        page.wait_for_timeout(1500)  # the runs table draws on a canvas after the script ends
        page.screenshot(path=out / "train.png", full_page=True)
        open_page(page, "Predict")
        page.screenshot(path=out / "predict-next-word.png", full_page=True)
        open_page(page, "Runs")
        page.wait_for_timeout(1500)  # tables draw on a canvas after the script ends
        page.screenshot(path=out / "runs.png", full_page=True)
        open_page(page, "Words to vectors")
        page.screenshot(path=out / "encoding.png", full_page=True)
        open_page(page, "Embedding space")
        search = page.get_by_label("Find a word")
        search.fill("happy")
        search.press("Enter")
        wait_idle(page)
        unfold(page, "This run's space beside")
        page.wait_for_timeout(1000)
        page.screenshot(path=out / "embeddings.png", full_page=True)
        open_page(page, "Inside the recurrence")
        unfold(page, "The state over the whole sentence")
        page.wait_for_timeout(1500)  # the browser-stepped chart draws after the script ends
        page.screenshot(path=out / "recurrence.png", full_page=True)
        open_page(page, "Backprop through time")
        page.get_by_role("button", name="Train both (a few seconds)").click()
        wait_idle(page)
        page.wait_for_timeout(1000)
        page.screenshot(path=out / "gradients.png", full_page=True)
        open_page(page, "Self-attention")
        page.get_by_role("button", name="Train a Transformer").click()
        wait_idle(page)
        page.wait_for_timeout(1000)
        page.screenshot(path=out / "attention.png", full_page=True)
        open_page(page, "Limits of RNNs")
        page.wait_for_timeout(1500)
        page.screenshot(path=out / "limits.png", full_page=True)
        open_page(page, "Task shapes")
        page.get_by_role("button", name="Train the word classifier (about a second)").click()
        wait_idle(page)
        page.wait_for_timeout(1500)
        page.screenshot(path=out / "shapes.png", full_page=True)
        narrow = browser.new_page(viewport={"width": 800, "height": 900})  # a laptop with the browser split
        narrow.goto(url)
        wait_idle(narrow)
        narrow.get_by_role("button", name="Train a sentiment model").click()
        wait_idle(narrow)
        narrow.goto(f"{url}/predict")
        wait_idle(narrow)
        narrow.wait_for_timeout(1500)
        narrow.screenshot(path=out / "predict-800px.png")
        browser.close()
    for path in sorted(out.glob("*.png")):
        trim(path)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "test-artifacts/screenshots"))
