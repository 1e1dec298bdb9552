"""Widgets drawn from the view-option table (`playground/view_options.py`): one label, bound and default each.

A page asks for an option by name and gets its widget; the same entry parses and writes share links.
`narrow` lets a page tighten a run-level bound to what its sentence allows (a step within the words).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from playground.run import Run
from playground.share_links import ViewOption
from ui.sentences import limited_text_input
from ui.widgets import forget_unless, multiselect, selectbox, slider


def _initial(option: ViewOption, value: Any) -> dict[str, Any]:
    """The widget's starting value, unless the session (or a link) already holds one for its key."""
    return {} if option.key in st.session_state else {"value": value}


def view_widget(
    option: ViewOption,
    run: Run,
    where: Any = st,
    style: str | None = None,
    options: Sequence | None = None,
    hi: float | None = None,
    default: Any = None,
    **kwargs: Any,
) -> Any:
    """Draw `option`'s widget for `run` in `where` and return its value.

    style: "slider" (default for numbers), "number"; "select" (default for choices), "radio", "segmented".
    options, hi and default narrow the table's run-level choices, upper bound and default for this view.
    """
    label = option.label_for(run)
    kwargs.setdefault("help", option.help)
    start = option.default_for(run) if default is None else default
    if option.kind == "text":
        return limited_text_input(label, start, option.key, option.max_chars, container=where, **kwargs)
    if option.kind == "switch":
        forget_unless(option.key, lambda v: isinstance(v, bool))
        return where.toggle(label, key=option.key, **_initial(option, bool(start)), **kwargs)
    if option.kind in ("whole", "real") and style != "select":
        lo, top = option.bounds(run)
        top = top if hi is None else min(top, hi)
        start = min(max(start, lo), top)
        if option.kind == "real":
            lo, top, start = float(lo), float(top), float(start)
            kwargs.setdefault("step", option.step)
        if style == "number":
            forget_unless(option.key, lambda v: isinstance(v, int | float) and lo <= v <= top)
            return where.number_input(label, lo, top, key=option.key, **_initial(option, start), **kwargs)
        return slider(where, label, lo, top, start, key=option.key, **kwargs)
    choices = list(option.options(run) if options is None else options)
    shown = kwargs.pop("format_func", option.format)
    if option.kind == "whole_list":
        kwargs.setdefault("max_selections", option.max_items)
        return multiselect(
            where, label, choices, key=option.key, default=start or None, format_func=shown, **kwargs
        )
    index = choices.index(start) if start in choices else 0
    if style == "radio":
        forget_unless(option.key, lambda v: v in choices)
        extra = {} if option.key in st.session_state else {"index": index}
        return where.radio(label, choices, format_func=shown, key=option.key, **extra, **kwargs)
    if style == "segmented":
        forget_unless(option.key, lambda v: v in choices)
        extra = {} if option.key in st.session_state else {"default": choices[index] if choices else None}
        return where.segmented_control(
            label, choices, format_func=shown, required=True, key=option.key, **extra, **kwargs
        )
    return selectbox(where, label, choices, key=option.key, index=index, format_func=shown, **kwargs)
