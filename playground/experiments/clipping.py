"""Backprop through time's clipping demonstration: one RNN trained at a high learning rate, with and
without gradient clipping, named as a demonstration wherever runs are listed."""

from __future__ import annotations

from functools import cache

from playground.config import ExperimentConfig, default_config

EXPLODING_CLIPS = (0.0, 0.1)  # no clipping, then the gradient norm clipped to 0.1


def exploding_config(clip: float) -> ExperimentConfig:
    """The default next-word RNN, SGD (momentum 0.9) at learning rate 1.0 for one epoch, clipped at `clip`.

    Language modelling, one of the tasks Pascanu et al. (2013) trained with clipping: at this learning
    rate the unclipped run's loss climbs several times over and the clipped one trains (seed 0).
    """
    config = default_config("next-word", "rnn")
    config.train.optimizer, config.train.learning_rate, config.train.epochs = "sgd", 1.0, 1
    config.train.clip_grad = clip
    return config


def clip_label(clip: float) -> str:
    """How the demonstration names one of its two runs."""
    return f"clipped at {clip:g}" if clip else "no clipping"


@cache
def _demo_configs() -> tuple[tuple[ExperimentConfig, str], ...]:
    return tuple((exploding_config(clip), clip_label(clip)) for clip in EXPLODING_CLIPS)


def demo_label(config: ExperimentConfig) -> str | None:
    """ "no clipping (demo)" or "clipped at 0.1 (demo)" for the demonstration's settings, else None."""
    for demo, label in _demo_configs():  # never mutated: the cache hands out the same objects
        if config == demo:
            return f"{label} (demo)"
    return None
