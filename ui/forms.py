"""Widgets generated from the config fields' own labels, bounds and help."""

from __future__ import annotations

import dataclasses
from typing import Any

import streamlit as st

from playground.config import ARCH_LABELS, TASK_LABELS, field_spec

CHOICE_LABELS = {
    **ARCH_LABELS, **TASK_LABELS,
    "built-in": "Built-in corpus", "upload": "Upload a file", "word": "Words", "char": "Characters",
    "adam": "Adam", "sgd": "SGD (momentum 0.9)", "default": "PyTorch default",
    "orthogonal": "Orthogonal", "identity": "Identity (IRNN)", "sinusoidal": "Sinusoidal",
    "learned": "Learned",
}


def field_widget(section: Any, name: str, key: str, container=st) -> Any:
    """One widget for field `name` of config `section`, starting at the section's value."""
    spec = field_spec(type(section), name)
    value = getattr(section, name)
    common = {"label": spec["label"], "help": spec["help"], "key": key}
    if spec["choices"] is not None:
        options = list(spec["choices"])
        return container.selectbox(options=options, index=options.index(value),
                                   format_func=lambda c: CHOICE_LABELS.get(c, c), **common)
    if isinstance(value, int):
        return int(container.number_input(min_value=int(spec["lo"]), max_value=int(spec["hi"]),
                                          value=value, step=1, **common))
    return float(container.number_input(min_value=float(spec["lo"]), max_value=float(spec["hi"]),
                                        value=float(value), format="%g",
                                        step=_float_step(spec, value), **common))


def _float_step(spec: dict, value: float) -> float:
    if spec["hi"] <= 1:
        return 0.05
    return max(value / 10, 1e-6) if value else 0.1


def section_widgets(section: Any, names: list[str], key_prefix: str, columns: int = 3) -> Any:
    """Widgets for several fields laid out in columns; returns a new section with their values."""
    values = {}
    slots = st.columns(columns)
    for i, name in enumerate(names):
        values[name] = field_widget(section, name, f"{key_prefix}_{name}", slots[i % columns])
    return dataclasses.replace(section, **values)
