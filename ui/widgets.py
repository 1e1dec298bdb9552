"""Widgets whose kept value is checked against today's options before they are drawn.

A value in `st.session_state` outlives the options it was picked from: a shorter sentence, another
active run, a value the browser sent as text. Drawing a widget with such a value raises, or hands
the page a value of the wrong type. Each wrapper drops a kept value that is no longer valid, so the
widget falls back to its default.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from numbers import Real
from typing import Any

import streamlit as st


def forget_unless(key: str, valid: Callable[[Any], bool]) -> None:
    """Drop the kept value of widget `key` unless `valid(value)`."""
    if key in st.session_state:
        try:
            keep = bool(valid(st.session_state[key]))
        except Exception:  # a value of a type the check cannot even compare
            keep = False
        if not keep:
            del st.session_state[key]


def _is_option(value: Any, options: Sequence) -> bool:
    return any(type(value) is type(option) and value == option for option in options)


SHOWN_OPTIONS = "_selectbox_shown_options"  # per selectbox key: the option labels it was last drawn with


def selectbox(container: Any, label: str, options: Sequence, key: str, **kwargs: Any) -> Any:
    """`st.selectbox` whose kept value must be one of `options` (same type and value).

    When its options' labels change (a new sentence: option 7 was "8 happy" and is now "8 today"),
    the value is written again, kept if still an option, else the default: the browser keeps
    showing the label it last showed unless the server sends a value, and the page would then use
    one word while the box names another.
    """
    options = list(options)
    shown = kwargs.get("format_func", str)
    labels = tuple(str(shown(option)) for option in options)
    drawn = st.session_state.setdefault(SHOWN_OPTIONS, {})
    if options and key in st.session_state and drawn.get(key, labels) != labels:
        kept = st.session_state[key]
        st.session_state[key] = kept if _is_option(kept, options) else options[kwargs.get("index") or 0]
        kwargs["index"] = 0  # the value just written is the widget's; a default beside it warns
    drawn[key] = labels
    forget_unless(key, lambda value: _is_option(value, options))
    chosen = container.selectbox(label, options, key=key, **kwargs)
    if chosen is None or _is_option(chosen, options) or not options:
        return chosen
    # The browser sent the label of an option that no longer exists; Streamlit hands it back as text.
    return options[kwargs.get("index") or 0]


def multiselect(container: Any, label: str, options: Sequence, key: str, **kwargs: Any) -> list:
    """`st.multiselect` whose kept value must be a list of `options`: values no longer options (a
    deleted run) are taken out, and the rest written back so that the browser shows them too.

    Dropping the whole value instead left the browser showing the old chips over an empty value
    ("Delete 0 runs for good" under a deleted run's chip).
    """
    options = list(options)
    kept = st.session_state.get(key)
    if isinstance(kept, list) and not all(_is_option(v, options) for v in kept):
        st.session_state[key] = [v for v in kept if _is_option(v, options)]
        kwargs.pop("default", None)  # the value just written is the widget's; a default beside it warns
    forget_unless(key, lambda value: isinstance(value, list))
    chosen = container.multiselect(label, options, key=key, **kwargs)
    return [value for value in chosen if _is_option(value, options)]


def slider(container: Any, label: str, lo: float, hi: float, value: float, key: str, **kwargs: Any) -> Any:
    """`st.slider` over one number whose kept value must lie in [lo, hi] and have the bounds' type."""
    kind = Real if isinstance(lo, float) or isinstance(hi, float) else int
    forget_unless(key, lambda v: isinstance(v, kind) and not isinstance(v, bool) and lo <= v <= hi)
    return container.slider(label, lo, hi, value, key=key, **kwargs)
