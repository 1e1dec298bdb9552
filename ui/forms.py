"""Widgets generated from the config fields' own labels, bounds and help."""

from __future__ import annotations

import dataclasses
from typing import Any

import streamlit as st

from playground.config import ARCH_LABELS, TASK_LABELS, field_spec
from ui.state import keep_across_pages

CHOICE_LABELS = {
    **ARCH_LABELS,
    **TASK_LABELS,
    "built-in": "Built-in corpus",
    "upload": "Upload a file",
    "word": "Words",
    "char": "Characters",
    "adam": "Adam",
    "sgd": "SGD (momentum 0.9)",
    "default": "Default",  # PyTorch's uniform ±1/√H; short, so a narrow box shows it whole
    "orthogonal": "Orthogonal",
    "identity": "Identity (IRNN)",
    "sinusoidal": "Sinusoidal",
    "learned": "Learned",
    "relative": "Relative",
    "adamw": "AdamW",
    "constant": "Constant",
    "cosine": "Cosine",  # with a warm-up (the help says so); the longer name was cut in its box
    "lines": "Lines",
    "stream": "One stream",
}


def field_widget(section: Any, name: str, key: str, container=st) -> Any:
    """One widget for field `name` of config `section`, starting at the section's value."""
    spec = field_spec(type(section), name)
    value = getattr(section, name)
    common = {"label": spec["label"], "help": spec["help"], "key": key}
    keep_across_pages(key)
    preset = key in st.session_state  # set from a share link or kept: the widget must not get a default too
    if spec["choices"] is not None:
        options = list(spec["choices"])
        start = {} if preset else {"index": options.index(value)}
        return container.selectbox(
            options=options, format_func=lambda c: CHOICE_LABELS.get(c, c), **start, **common
        )
    if isinstance(value, int):
        start = {} if preset else {"value": value}
        return int(
            container.number_input(
                min_value=int(spec["lo"]), max_value=int(spec["hi"]), step=1, **start, **common
            )
        )
    start = {} if preset else {"value": float(value)}
    return float(
        container.number_input(
            min_value=float(spec["lo"]),
            max_value=float(spec["hi"]),
            format="%g",
            step=_float_step(spec, value),
            **start,
            **common,
        )
    )


def _float_step(spec: dict, value: float) -> float:
    if spec["hi"] <= 1:
        return 0.05
    return max(value / 10, 1e-6) if value else 0.1


def section_widgets(section: Any, names: list[str], key_prefix: str, columns: int | list[float] = 3) -> Any:
    """Widgets for several fields laid out in columns (a count, or their relative widths); returns a
    new section with their values."""
    values = {}
    slots = st.columns(columns)
    for i, name in enumerate(names):
        values[name] = field_widget(section, name, f"{key_prefix}_{name}", slots[i % len(slots)])
    return dataclasses.replace(section, **values)


def form_keys(task: str, arch: str) -> dict[str, str]:
    """The Train form's widget key prefixes: data settings per task, model and training per architecture."""
    return {
        "source": f"train_source_{task}",
        "data": f"train_data_{task}",
        "model": f"train_model_{task}_{arch}",
        "train": f"train_train_{task}_{arch}",
    }


def preset_widgets(config) -> None:
    """Put a config's values into the Train page's widget keys, before the widgets are drawn."""
    task, arch = config.data.task, config.model.arch
    st.session_state["train_task"], st.session_state["train_arch"] = task, arch
    keys = form_keys(task, arch)
    st.session_state[keys["source"]] = config.data.source
    for section, prefix in (
        (config.data, keys["data"]),
        (config.model, keys["model"]),
        (config.train, keys["train"]),
    ):
        for f in dataclasses.fields(section):
            if f.name not in ("task", "source", "arch"):
                st.session_state[f"{prefix}_{f.name}"] = getattr(section, f.name)
