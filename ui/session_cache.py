"""Figures kept in the learner's own session, built once per key, so a rerun that changes something else
does not build them again.

Building a plotly figure validates every property (0.05-0.9 s for this app's larger charts); a rerun
that only changes a checkbox would otherwise rebuild every chart on its page. `st.cache_data` does not
help here: it pickles what it keeps, and unpickling a figure validates it again; handing
`st.plotly_chart` a figure as a plain dict validates it too. `st.cache_resource` would keep the figure
as it is, but shares it with every user. So figures stay in `st.session_state`, one store per session,
the last `MAX_FIGURES` keys.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

import streamlit as st

from playground.run import Run

MAX_FIGURES = 64
STORE_KEY = "kept_figures"
Built = TypeVar("Built")


def run_key(run: Run) -> tuple:
    """What a figure of `run` depends on besides the page's own options: the run, its state and steps."""
    return (run.id, run.status, run.steps)


def kept(key: tuple[Hashable, ...], build: Callable[[], Built]) -> Built:
    """`build()` for `key`, built on this key's first use in this session and kept for its later reruns.

    The result is shared by every later use of `key`: callers must not change it (no `update_layout` on
    a kept figure); whatever differs goes into the key.
    """
    store: OrderedDict = st.session_state.setdefault(STORE_KEY, OrderedDict())
    if key in store:
        store.move_to_end(key)
        return store[key]
    value = build()
    store[key] = value
    while len(store) > MAX_FIGURES:
        store.popitem(last=False)
    return value
