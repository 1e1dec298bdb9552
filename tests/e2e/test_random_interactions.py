"""Random sequences of a learner's interactions, seeded and replayable, on every page.

Four trained runs (RNN, LSTM, Transformer, bag of words) are put in the run store under one
browser's cookie, so the app restores them; then the test types (hostile text included), moves
sliders, picks options, presses buttons, switches the active run, changes page and reloads, at
random. It fails on any exception box, console error or dialog, and prints the seed and the
actions that led there. Replay with PLAYGROUND_MONKEY_SEED=<seed>; `--monkey-long` runs thousands.
"""

from __future__ import annotations

import os
import random
import re
import secrets
import tempfile
from pathlib import Path

import pytest

from playground.config import default_config
from playground.data.datasets import build_builtin
from playground.run import create_run
from playground.run_store import RunStore, StoreSettings
from playground.train import train_run
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, benign, start_server
from tests.e2e.test_bad_input import HOSTILE

pytestmark = pytest.mark.e2e

if not Path(CHROMIUM).exists() and not os.environ.get("PLAYGROUND_REQUIRE_BROWSER"):
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

PAGES = [
    "Home",
    "Train",
    "Predict",
    "Runs",
    "Words to vectors",
    "Embedding space",
    "Inside the recurrence",
    "Backprop through time",
    "Self-attention",
    "Task shapes",
    "Limits of RNNs",
]
# Buttons that start minutes of training are left to the journey tests; everything else is fair game.
SLOW_BUTTON = re.compile(r"train|run |measure|experiment|explod|both|stop", re.IGNORECASE)
TEXTS = [
    *HOSTILE.values(),
    "the dogs near the cat",
    "The Film Was Not Good.",
    "",
    "a",
    "zzz qqq",
    "www.evil.example a@b.c https://evil.example",
    "the " * 70,
]
RUNS = [("sentiment", "lstm"), ("next-word", "transformer"), ("sentiment", "rnn"), ("sentiment", "bow")]


def settle(page, timeout: float = 60_000) -> None:
    page.wait_for_timeout(150)
    page.wait_for_selector("[data-test-script-state=notRunning]", state="attached", timeout=timeout)
    page.wait_for_timeout(150)


def seeded_store() -> tuple[str, str]:
    """A store folder holding one small trained run of each architecture, and the cookie that owns them."""
    root = tempfile.mkdtemp(prefix="playground-store-monkey-")
    store = RunStore(StoreSettings(root=Path(root)))
    browser = secrets.token_urlsafe(32)
    for task, arch in RUNS:
        config = default_config(task, arch)
        config.data.num_sentences = 600
        config.train.epochs = 1
        data = build_builtin(config.data)
        store.save(browser, train_run(create_run(config, data), data))
    return root, browser


def act(page, rng: random.Random) -> str:
    """Do one random thing a learner could do on the current page; return what it was."""
    roll = rng.random()
    if roll < 0.08:
        name = rng.choice(PAGES)
        page.get_by_test_id("stSidebarNav").get_by_text(name, exact=True).click()
        return f"open {name}"
    if roll < 0.11:
        page.reload()
        return "reload"
    main = page.get_by_test_id("stMain")
    kinds = {
        "text": main.locator("[data-testid=stTextInput] input:not([disabled]):visible"),
        "slider": main.locator("[data-testid=stSlider] [role=slider]:visible"),
        "select": main.locator("[data-testid=stSelectbox]:visible"),
        "toggle": main.locator(
            "[data-testid=stCheckbox] label:visible, [data-testid=stToggle] label:visible"
        ),
        "segment": main.locator("[data-testid=stButtonGroup] button:not([disabled]):visible"),
        "radio": main.locator("[data-testid=stRadio] label:visible"),
        "button": main.locator("[data-testid=stButton] button:not([disabled]):visible"),
        "number": main.locator("[data-testid=stNumberInput] input:not([disabled]):visible"),
        "active run": page.get_by_test_id("stSidebar").locator("[data-testid=stSelectbox]:visible"),
    }
    available = [(kind, loc, n) for kind, loc in kinds.items() if (n := loc.count())]
    if not available:
        return "nothing to do"
    kind, locator, count = rng.choice(available)
    index = rng.randrange(count)
    element = locator.nth(index)
    element.scroll_into_view_if_needed(timeout=5_000)
    if kind == "text":
        text = rng.choice(TEXTS)
        element.fill(text)
        element.press("Enter")
        return f"type {text[:30]!r} into text box {index}"
    if kind == "number":
        value = rng.choice(["0", "1", "-5", "3", "99999", "1e9", "2.5"])
        element.fill(value)
        element.press("Enter")
        return f"number {value} into box {index}"
    if kind == "slider":
        key = rng.choice(["ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown"])
        element.focus()
        element.press(key)
        return f"slider {index} {key}"
    if kind in ("select", "active run"):
        element.click()
        options = page.get_by_role("option")
        combo = element.get_by_role("combobox")
        if not options.count() and combo.count():
            combo.first.press("ArrowDown")  # in Streamlit 1.67 a click may only focus the combo box
            page.wait_for_timeout(200)
        n = options.count()
        if not n:
            page.keyboard.press("Escape")
            return f"{kind} {index}: no options"
        choice = rng.randrange(n)
        label = options.nth(choice).inner_text()[:30]
        options.nth(choice).click()
        return f"{kind} {index} -> {label!r}"
    label = element.inner_text()[:30]
    if kind == "button" and SLOW_BUTTON.search(label):
        return f"skip button {label!r}"
    element.click()
    return f"{kind} {label!r}"


def test_random_interactions_raise_nothing(request):
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    seed = int(os.environ.get("PLAYGROUND_MONKEY_SEED", random.SystemRandom().randrange(10**6)))
    actions_per_run = 1000 if request.config.getoption("--monkey-long") else 30
    rng = random.Random(seed)
    root, browser_id = seeded_store()
    log: list[str] = []
    with start_server(env={"PLAYGROUND_STORE_DIR": root}) as (url, _), sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        context.add_cookies([{"name": "sequence_playground_browser", "value": browser_id, "url": url}])
        page = context.new_page()
        problems: list[str] = []

        def console(message) -> None:
            text = f"{message.text} {message.location.get('url', '')}"  # a 404's message lacks its URL
            if message.type == "error" and not benign(text):
                problems.append(text)

        page.on("console", console)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
        page.set_default_timeout(20_000)
        page.goto(url)
        settle(page)
        try:
            for active in range(len(RUNS)):
                picker = page.get_by_test_id("stSidebar").locator("[data-testid=stSelectbox]:visible")
                if picker.count():  # random deletions may have left fewer runs, or none
                    picker.click()
                    options = page.get_by_role("option")
                    options.nth(active % options.count()).click()
                    log.append(f"make run {active} active")
                    settle(page)
                for _ in range(actions_per_run):
                    try:
                        log.append(act(page, rng))
                    except PlaywrightTimeout as error:  # the element moved or hid; not the app's fault
                        log.append(f"could not interact ({str(error).splitlines()[0][:60]})")
                    except PlaywrightError as error:
                        # A rerun replaced the element between finding and using it; anything else is real.
                        if "not attached to the DOM" not in str(error):
                            raise
                        log.append("could not interact (a rerun replaced the element)")
                    settle(page)
                    errors = page.get_by_test_id("stException")
                    if errors.count():
                        problems.append(errors.first.inner_text()[:600])
                    assert not problems
        except Exception:
            print(f"\nRandom interactions failed with PLAYGROUND_MONKEY_SEED={seed}; actions:")
            print("\n".join(f"{i:4d} {a}" for i, a in enumerate(log)))
            print("problems:", problems)
            raise
        print(f"\n{len(log)} random actions with PLAYGROUND_MONKEY_SEED={seed}, no error:")
        print("\n".join(f"{i:4d} {a}" for i, a in enumerate(log)))
        chromium.close()
