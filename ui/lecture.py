"""The lecture's path through the app: its stops in order, the "next" link each page ends with, callouts."""

from __future__ import annotations

import streamlit as st

from playground.analysis.callouts import Callout
from playground.text import escape_markdown

# (page, title, one sentence): the lecture's order, recurrence → BPTT → vanishing gradients → LSTM →
# limits → attention. A stop may come back to a page with a different question (the LSTM's gates).
# Subscripts are Unicode (xₜ, cₜ₋₁): the sentence is an escaped caption, where "x_t" showed as typed.
LECTURE_PATH = [
    (
        "app_pages/shapes.py",
        "Task shapes",
        "Sequence problems come in four shapes: one or many in, one or many out.",
    ),
    ("app_pages/encoding.py", "Words to vectors", "A word becomes the vector xₜ a network can read."),
    (
        "app_pages/recurrence.py",
        "Inside the recurrence",
        "Recurrence: one cell reads a word per step with the same weights and carries a hidden state hₜ.",
    ),
    (
        "app_pages/gradients.py",
        "Backprop through time",
        "Backprop through time, and why gradients vanish: a product of diag(1 − h²) Wₕₕ per step back.",
    ),
    (
        "app_pages/recurrence.py",
        "LSTM gates (Inside the recurrence, with an LSTM run)",
        "The LSTM cell path cₜ = fₜ ⊙ cₜ₋₁ + iₜ ⊙ gₜ lets memory and gradient through: watch the gates.",
    ),
    (
        "app_pages/limits.py",
        "Limits of RNNs",
        "Where recurrent models still fail: long distances, one-vector bottlenecks, steps that cannot run in "
        "parallel.",
    ),
    (
        "app_pages/attention.py",
        "Self-attention",
        "Self-attention: every word looks at every other directly, through queries, keys and values.",
    ),
]


def lecture_path() -> None:
    """Home's list of the lecture's stops, each one sentence and one link."""
    for number, (page, title, sentence) in enumerate(LECTURE_PATH, start=1):
        path_link(page, f"{number}. {title}", sentence)


def path_link(page: str, label: str, sentence: str) -> None:
    """A stop's link under a short label, its sentence below it: a link's label never wraps, so a long
    one ran off the page's edge."""
    stop = st.container(gap=None)  # the sentence close under its own link, not halfway to the next
    stop.page_link(page, label=label, icon=":material/arrow_forward:")
    stop.caption(escape_markdown(sentence, 400))


def next_stops(page: str) -> list[tuple[str, str, str]]:
    """The stops after `page`'s first place on the path, up to and including the first new page.

    A stop on a page seen before (the LSTM's gates on Inside the recurrence) is offered too, but the
    last link always leads on, so following the last "next" link walks the path to its end.
    """
    pages = [p for p, _, _ in LECTURE_PATH]
    if page not in pages:
        return []
    first = pages.index(page)
    seen = set(pages[: first + 1])
    stops = []
    for stop in LECTURE_PATH[first + 1 :]:
        if stop[0] == page:
            continue
        stops.append(stop)
        if stop[0] not in seen:
            break
    return stops


def next_stop(page: str) -> None:
    """The links to the lecture's next stops after `page` (each page on the path ends with it)."""
    if page not in [p for p, _, _ in LECTURE_PATH]:
        return
    st.divider()
    stops = next_stops(page)
    if not stops:
        st.page_link(
            "app_pages/home.py", label="The end of the lecture's path: back to Home", icon=":material/home:"
        )
        return
    for target, title, sentence in stops:
        path_link(target, f"Next: {title}", sentence)


def callout_box(callout: Callout | None) -> None:
    """A callout as a box: a light bulb when the model shows the lecture's pattern, a search when not."""
    if callout is None:
        return
    icon = ":material/lightbulb:" if callout.found else ":material/search:"
    st.info(escape_markdown(callout.text, 2000), icon=icon)
