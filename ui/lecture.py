"""The lecture's path through the app: its stops in order, the "next" link each page ends with, callouts."""

from __future__ import annotations

import streamlit as st

from playground.analysis.callouts import Callout
from playground.text import escape_markdown

LSTM_STOP = "LSTM gates (Inside the recurrence, with an LSTM run)"
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
        LSTM_STOP,
        "The LSTM's cell cₜ = fₜ ⊙ cₜ₋₁ + iₜ ⊙ gₜ: gates decide what it keeps, adds and shows; watch them "
        "open and close word by word.",
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
        path_link(page, f"{number}. {title}", sentence, number - 1)


def path_link(page: str, label: str, sentence: str, stop: int) -> None:
    """A stop's link under a short label, its sentence below it: a link's label never wraps, so a long
    one ran off the page's edge. A stop on a page the path visits twice says which visit it is
    (`?stop=`), so the page can show that stop and lead on from it."""
    twice = [p for p, _, _ in LECTURE_PATH].count(page) > 1
    box = st.container(gap=None)  # the sentence close under its own link, not halfway to the next
    box.page_link(
        page,
        label=label,
        icon=":material/arrow_forward:",
        query_params={"stop": str(stop)} if twice else None,
    )
    box.caption(escape_markdown(sentence, 400))


def note_arrival(url_path: str) -> None:
    """On arriving at a page, remember which stop of the path its link named (`?stop=`), for the page's
    later reruns too: the page rewrites the address bar with its own view at once."""
    if st.session_state.get("lecture_page") != url_path:
        st.session_state["lecture_page"] = url_path
        named = st.query_params.get("stop")
        page = f"app_pages/{url_path or 'home'}.py"
        fits = named is not None and named.isdigit() and int(named) < len(LECTURE_PATH)
        st.session_state["lecture_stop"] = named if fits and LECTURE_PATH[int(named)][0] == page else None


def current_stop(page: str) -> int | None:
    """Which stop of the path `page` is showing: the one its link named, else the page's first."""
    stops = [i for i, (p, _, _) in enumerate(LECTURE_PATH) if p == page]
    if not stops:
        return None
    named = st.session_state.get("lecture_stop")
    return int(named) if named is not None and named.isdigit() and int(named) in stops else stops[0]


def stop_title(page: str) -> str | None:
    """The title of the stop `page` is showing, or None off the path."""
    at = current_stop(page)
    return None if at is None else LECTURE_PATH[at][1]


def next_stops(page: str, at: int | None = None) -> list[tuple[int, tuple[str, str, str]]]:
    """The stops after stop `at` (`page`'s first place on the path if None), up to and including the
    first new page, each with its place on the path.

    A stop on a page seen before (the LSTM's gates on Inside the recurrence) is offered too, but the
    last link always leads on, so following the last "next" link walks the path to its end.
    """
    pages = [p for p, _, _ in LECTURE_PATH]
    if page not in pages:
        return []
    first = pages.index(page) if at is None else at
    seen = set(pages[: first + 1])
    stops = []
    for number in range(first + 1, len(LECTURE_PATH)):
        stop = LECTURE_PATH[number]
        if stop[0] == page:
            continue
        stops.append((number, stop))
        if stop[0] not in seen:
            break
    return stops


def next_stop(page: str) -> None:
    """The links to the lecture's next stops after the stop `page` shows (each page on the path ends
    with it)."""
    at = current_stop(page)
    if at is None:
        return
    st.divider()
    stops = next_stops(page, at)
    if not stops:
        st.page_link(
            "app_pages/home.py", label="The end of the lecture's path: back to Home", icon=":material/home:"
        )
        return
    for number, (target, title, sentence) in stops:
        path_link(target, f"Next: {title}", sentence, number)


def callout_box(callout: Callout | None) -> None:
    """A callout as a box: a light bulb when the model shows the lecture's pattern, a search when not."""
    if callout is None:
        return
    icon = ":material/lightbulb:" if callout.found else ":material/search:"
    st.info(escape_markdown(callout.text, 2000), icon=icon)
