"""The limits page's experiment controls: each returns the settings of one experiment run, or None."""

from __future__ import annotations

import streamlit as st

from playground.config import ARCH_LABELS
from playground.experiments.adding import ARCHITECTURES as ADDING_MODELS
from playground.experiments.parallel import MODELS as PARALLEL_MODELS
from playground.experiments.registry import EXPERIMENTS
from playground.experiments.translation import MODELS as TRANSLATION_MODELS
from ui.experiments import steps_choice


def pick_models(column, labels: dict[str, str], default: list[str], key: str, **kwargs) -> list[str]:
    """A multiselect of an experiment's models, shown by their labels."""
    return column.multiselect("Models", list(labels), default, format_func=labels.get, key=key, **kwargs)


def adding_settings() -> dict | None:
    """Lengths, models and steps for the adding problem; None until at least one of each is picked."""
    small = EXPERIMENTS["adding"].small
    # The models on a row of their own: five chips in a column showed three and cut "Transformer"
    models = pick_models(st, ADDING_MODELS, small["architectures"], "lab_adding_models")
    cols = st.columns([3, 2])  # room for the length chips (at 2 they hid behind "▮")
    lengths = cols[0].multiselect(
        "Sequence lengths", [10, 25, 50, 100, 200, 400], small["lengths"], key="lab_adding_lengths"
    )
    with cols[1]:
        steps = steps_choice(
            "Training steps", [500, 1000, 2000, 3000, 5000, 10_000], small["steps"], "lab_adding_steps"
        )
    if not (lengths and models):
        return None
    return {"lengths": sorted(lengths), "architectures": models, "steps": steps, "hidden": small["hidden"]}


def agreement_settings() -> dict | None:
    """Models, phrases in between and epochs for the agreement test."""
    small = EXPERIMENTS["agreement"].small
    cols = st.columns([3, 2, 2])
    models = pick_models(cols[0], ARCH_LABELS, small["architectures"], "lab_agreement_models")
    phrases = cols[1].slider(
        "Most phrases in between", 2, 10, small["max_phrases"], key="lab_agreement_phrases"
    )
    epochs = cols[2].slider("Epochs", 1, 6, small["epochs"], key="lab_agreement_epochs")
    if not models:
        return None
    return {
        "architectures": models,
        "max_phrases": phrases,
        "epochs": epochs,
        "num_sentences": small["num_sentences"],
    }


def bottleneck_settings() -> dict | None:
    """Models, sentence length, hidden size and the two step budgets of the translation test."""
    small = EXPERIMENTS["bottleneck"].small
    models = st.multiselect(  # on a row of its own: in a column it cut "with attention" to "with attenti"
        "Models",
        list(TRANSLATION_MODELS),
        small["models"],
        format_func={"plain": "one vector", "attention": "with attention"}.get,
        help="\n".join(f"- {name}: {label}" for name, label in TRANSLATION_MODELS.items()),
        key="lab_bottleneck_models",
    )
    cols = st.columns(4)
    clauses = cols[0].slider(
        "Most clauses per sentence", 1, 6, small["max_clauses"], key="lab_bottleneck_clauses"
    )
    hidden = cols[1].select_slider(
        "Hidden size", [32, 64, 128, 256], small["hidden"], key="lab_bottleneck_hidden"
    )
    with cols[2]:
        steps = steps_choice(
            "Training steps", [500, 1000, 2000, 3000, 6000, 12_000], small["steps"], "lab_bottleneck_steps"
        )
    with cols[3]:
        plain_steps = steps_choice(
            "Steps for the plain model",
            [500, 1000, 2000, 3000, 6000, 12_000],
            small["steps"],
            "lab_bottleneck_plain_steps",
        )
    if not models:
        return None
    return {
        "models": models,
        "max_clauses": clauses,
        "hidden": hidden,
        "steps": steps,
        "plain_steps": plain_steps,
    }


def parallel_settings() -> dict | None:
    """Lengths and layers to time."""
    small = EXPERIMENTS["parallel"].small
    cols = st.columns([3, 3])
    lengths = cols[0].multiselect(
        "Sequence lengths",
        [16, 32, 64, 128, 256, 512, 1024, 2048],
        small["lengths"],
        key="lab_parallel_lengths",
    )
    models = pick_models(cols[1], PARALLEL_MODELS, small["models"], "lab_parallel_models")
    if not (lengths and models):
        return None
    return {"lengths": sorted(lengths), "models": models}
