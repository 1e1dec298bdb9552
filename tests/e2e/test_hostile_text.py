"""In Chromium: text from strangers (files, links, model files, text boxes) is shown as typed.

Every hostile string below carries a marker word ("zq…") inside its syntax. If any place rendered
that syntax, the marker would end up alone inside a link, a bold/italic element, a formula or a
Plotly <a>/<b>; the check looks for exactly that, in the page's HTML and in every chart's SVG.
"""

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

# Each starts with a plain word, so our own bold around a whole value never starts at a marker.
HOSTILE = [
    "see www.evil.example zqwww",
    "see https://evil.example/zqhttps",
    "see zqmail@evil.example",
    'see <a href="https://evil.example">zqanchor</a>',
    "see <b>zqbold</b> <i>zqital</i>",
    "see **zqstar** _zqunder_ `zqcode`",
    "see [zqlink](https://evil.example) ![zqimg](https://evil.example/x.png)",
    "see $zqmath^2$ :red[zqred]",
]

FIND_RENDERED = """() => {
  const found = [];
  const marker = /^\\s*zq/;
  for (const el of document.querySelectorAll('*')) {
    const href = el.getAttribute('href') || el.getAttribute('xlink:href') || el.getAttribute('src') || '';
    if (/evil/i.test(href)) found.push('link: ' + el.outerHTML.slice(0, 160));
  }
  for (const el of document.querySelectorAll('a, strong, b, em, i, code, del, img, .katex, [class*=Badge]')) {
    if (marker.test(el.textContent) || /zq/.test(el.getAttribute('alt') || '')) {
      found.push('markup: ' + el.outerHTML.slice(0, 160));
    }
  }
  for (const el of document.querySelectorAll('svg tspan, svg text')) {
    const style = (el.getAttribute('style') || '') + (el.getAttribute('font-weight') || '');
    if (/bold|italic/.test(style) && marker.test(el.textContent)) {
      found.push('chart: ' + el.outerHTML.slice(0, 160));
    }
  }
  for (const el of document.querySelectorAll('[style*=color]')) {
    if (el.closest('svg') === null && marker.test(el.textContent) && el.children.length === 0) {
      found.push('colour: ' + el.outerHTML.slice(0, 160));
    }
  }
  return found;
}"""


def nothing_rendered(page, errors: list[str], dialogs: list[str], where: str) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0, timeout=30_000)
    assert not [e for e in errors if not benign(e)], errors
    assert dialogs == []
    found = page.evaluate(FIND_RENDERED)
    assert found == [], (where, found)


def open_page(page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    wait_idle(page)


def test_a_strangers_csv_stays_text_on_train_and_predict(browser, tmp_path):
    """Column names, class names, texts and the file's name: Train's messages, Predict's pills,
    metric labels, verdict and chart."""
    url, context, page, errors, dialogs = fresh_tab(browser)
    text_column, label_column, constant_column = HOSTILE[4], HOSTILE[5], HOSTILE[6]
    positive, negative = HOSTILE[0] + " " + HOSTILE[3], HOSTILE[1] + " " + HOSTILE[7]
    rows = []
    for i in range(120):
        review = f"{HOSTILE[i % len(HOSTILE)]} the film was {'great' if i % 2 else 'awful'}"
        rows.append(f'"{review.replace(chr(34), chr(34) * 2)}","{positive if i % 2 else negative}",same')
    table = tmp_path / "reviews www.evil.example **zqfile** <b>zqfb.csv"  # no "/" in a name
    columns = (text_column, label_column, constant_column)
    header = ",".join(f'"{c.replace(chr(34), chr(34) * 2)}"' for c in columns)
    table.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")

    page.goto(f"{url}/train?task=sentiment&epochs=2&hidden_dim=16")
    wait_idle(page)
    page.get_by_role("combobox", name="Data").click()
    page.get_by_role("option", name="Upload a file").click()
    wait_idle(page)
    page.locator("input[type=file]").set_input_files(table)
    wait_idle(page)
    nothing_rendered(page, errors, dialogs, "train page with the file")

    # a label column with one class: the message names the column
    page.get_by_role("combobox", name="Label column").click()
    page.get_by_role("option").nth(2).click()
    wait_idle(page)
    expect(page.get_by_text("has one class only", exact=False).first).to_be_visible()
    nothing_rendered(page, errors, dialogs, "one-class message")
    page.get_by_role("combobox", name="Label column").click()
    page.get_by_role("option").nth(1).click()
    wait_idle(page)

    page.get_by_role("button", name="Train", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("Test accuracy").first).to_be_visible(timeout=120_000)
    nothing_rendered(page, errors, dialogs, "trained")

    open_page(page, "Predict")
    expect(page.get_by_test_id("stPlotlyChart").first).to_be_attached(timeout=30_000)
    expect(page.get_by_text("evil", exact=False).first).to_be_attached()  # the text is there, as text
    nothing_rendered(page, errors, dialogs, "predict")
    for text in HOSTILE:
        box = page.get_by_role("textbox", name="Sentence", exact=True)
        box.fill(text)
        box.press("Enter")
        wait_idle(page)
        nothing_rendered(page, errors, dialogs, f"predict: {text}")
    page.screenshot(path=ARTIFACTS / "hostile-csv-predict.png", full_page=True)
    context.close()


def hostile_model_file(tmp_path: Path) -> Path:
    """A next-word model whose vocabulary, description and device are hostile, saved as a model file."""
    from playground.config import default_config
    from playground.data.datasets import build_builtin
    from playground.io import save_run
    from playground.run import create_run
    from playground.train import train_run

    config = default_config("next-word", "lstm")
    config.data.num_sentences, config.train.epochs, config.train.max_steps = 200, 1, 5
    data = build_builtin(config.data)
    run = create_run(config, data)
    train_run(run, data)
    words = run.vocab.tokens
    for i in range(4, len(words)):
        words[i] = f"{HOSTILE[i % len(HOSTILE)]} {i}"
    run.data_description = HOSTILE[3] + " " + HOSTILE[5]
    run.device = HOSTILE[5] + " " + HOSTILE[7]  # shown in the result box: "trained … on <device>"
    path = tmp_path / "hostile.safetensors"
    path.write_bytes(save_run(run))
    return path


def test_a_strangers_model_file_and_links_stay_text(browser, tmp_path):
    """Vocabulary tokens and descriptions from a model file; a share link's sentence; the Lab's box."""
    url, context, page, errors, dialogs = fresh_tab(browser)
    page.goto(f"{url}/runs")
    wait_idle(page)
    page.locator("input[type=file]").set_input_files(hostile_model_file(tmp_path))
    wait_idle(page)
    expect(page.get_by_text("Loaded", exact=False).first).to_be_visible()
    nothing_rendered(page, errors, dialogs, "runs page")
    for title in ("Train", "Predict", "Words to vectors", "Embedding space", "Inside the recurrence"):
        open_page(page, title)
        expect(page.get_by_test_id("stPlotlyChart").first).to_be_attached(timeout=30_000)
        nothing_rendered(page, errors, dialogs, title)
    open_page(page, "Predict")
    page.get_by_role("slider", name="How many characters to show").or_(
        page.get_by_role("slider", name="How many words to show")
    ).focus()
    page.keyboard.press("End")  # all 25: the vocabulary's hostile tokens as the chart's labels
    wait_idle(page)
    assert "evil" in page.get_by_test_id("stPlotlyChart").first.inner_html()
    nothing_rendered(page, errors, dialogs, "predict bars")
    context.close()

    url, context, page, errors, dialogs = fresh_tab(browser)
    sentence = "the film https://evil.example/zqx was good www.evil.example a@evil.example"
    page.goto(
        f"{url}/recurrence?task=sentiment&arch=lstm&num_sentences=400&epochs=1&hidden_dim=16"
        f"&sentence={sentence.replace(':', '%3A').replace('/', '%2F').replace(' ', '%20')}"
    )
    wait_idle(page)
    open_shared_model(page)
    page.get_by_text("Four design criteria, live").click()  # folded: its text is drawn when opened
    wait_idle(page)
    expect(page.get_by_text("Reordered:", exact=False).first).to_be_visible(timeout=60_000)
    nothing_rendered(page, errors, dialogs, "recurrence link")
    open_page(page, "Task shapes")
    page.get_by_role("tab", name="Many to many").click()
    page.get_by_role("button", name="Train the default next-word LSTM", exact=False).click()
    wait_idle(page)
    for text in HOSTILE:
        box = page.get_by_role("textbox", name="Start", exact=True)
        box.fill(text)
        box.press("Enter")
        wait_idle(page)
        nothing_rendered(page, errors, dialogs, f"lab: {text}")
    page.screenshot(path=ARTIFACTS / "hostile-lab.png", full_page=True)
    context.close()
