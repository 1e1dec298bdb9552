"""Sequence Playground: train small RNNs, LSTMs and Transformers, and look inside them.

In a notebook: ``from playground import train_model, predict, trace, save_model, load_model``
(docs/library.md). They are imported on first use, so ``import playground`` stays cheap.
"""

__version__ = "0.1.0"  # the only place the version is written (pyproject.toml reads it)

NOTEBOOK_API = ("train_model", "load_data", "predict", "trace", "save_model", "load_model")
__all__ = ["__version__", *NOTEBOOK_API]


def __getattr__(name: str):
    if name in NOTEBOOK_API:
        from playground import api

        return getattr(api, name)
    raise AttributeError(f"module 'playground' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *NOTEBOOK_API})
