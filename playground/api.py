"""The library in a notebook: train, predict, trace, save and load with the functions the app uses.

    from playground import train_model, predict
    run = train_model(task="sentiment", arch="lstm", seed=0)
    predict(run, "the film was not good")

docs/library.md has a worked example.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playground.analysis.attention import AttentionView, is_transformer, trace_attention
from playground.analysis.prediction import class_probabilities, top_next_words, unread_tokens
from playground.analysis.recurrence import RecurrenceView, is_recurrent, trace_sentence
from playground.config import ExperimentConfig, with_settings
from playground.data.datasets import TaskData, build_builtin
from playground.data.files import data_warnings, file_task_data, read_data_file
from playground.data.tokenizer import tokenize
from playground.device import pick_device
from playground.io import MAX_FILE_BYTES, ModelFileError, load_run, save_run
from playground.run import Run, create_run
from playground.train import TrainingProgress, train_run


def load_data(
    config: ExperimentConfig,
    path: str | Path | None = None,
    text_column: str | None = None,
    label_column: str | None = None,
) -> tuple[TaskData, list[str]]:
    """The data `config` trains on: the built-in corpus, or a file read exactly as the app reads an upload.

    Returns the data and notes on how it was read (encoding, skipped rows, too few examples).
    Raises UploadError with the app's message for a file it would refuse.
    """
    if path is None:
        if config.data.source == "upload":
            raise ValueError("This configuration trains on an uploaded file: give its path.")
        return build_builtin(config.data), []
    data_file = read_data_file(path, config.data.task, text_column, label_column)
    data = file_task_data(data_file, config.data)
    return data, [*data_file.notes, *data_warnings(data)]


def train_model(
    config: ExperimentConfig | None = None,
    *,
    data: str | Path | TaskData | None = None,
    device: str = "auto",
    progress: Callable[[Run, TrainingProgress], None] | None = None,
    text_column: str | None = None,
    label_column: str | None = None,
    **settings: Any,
) -> Run:
    """Train a model as the Train page does and return its Run.

    `settings` are the Train form's fields by name (task, arch, hidden_dim, epochs, seed, ...), with
    the form's bounds; the others take the defaults of that task and architecture, or `config`'s.
    `data` is None for the built-in corpus, a .txt (next-word) or .csv (sentiment) path, or a TaskData.
    Notes about the data or the settings are issued as warnings.
    """
    config, changed = with_settings(config, **settings)
    if data is not None:
        config.data.source = "upload"
    if isinstance(data, TaskData):
        task_data, notes = data, []
    else:
        task_data, notes = load_data(config, data, text_column, label_column)
    for note in [*changed, *notes]:
        warnings.warn(note, stacklevel=2)
    run = create_run(config, task_data)
    return train_run(run, task_data, pick_device(device), progress)


def predict(run: Run, text: str, k: int = 5) -> dict[str, Any]:
    """What the model says about `text`, as the Predict page shows it.

    Next-word: the `k` likeliest next tokens with their probabilities. Sentiment: the label and each
    class's probability. Both list the words the model has never seen (read as <unk>).
    """
    # tokens past what the model reads: a next-word model reads the end, a classifier the start
    from_start = run.task != "next-word"
    tokens, unread = tokenize(text, run.vocab.level), len(unread_tokens(run, text, from_start))
    read = tokens[: len(tokens) - unread] if from_start else tokens[unread:]
    unknown = list(dict.fromkeys(t for t in read if t not in run.vocab))  # each once, of what is read
    if run.task == "next-word":
        top = top_next_words(run, text, k)
        return {
            "text": text,
            "task": run.task,
            "unknown": unknown,
            "unread": unread,
            "next": [
                {"token": str(w), "probability": float(p)}
                for w, p in zip(top["word"], top["probability"], strict=True)
            ],
        }
    if not tokenize(text, run.vocab.level):
        raise ValueError("Type at least one word.")
    probabilities = class_probabilities(run, text)
    return {
        "text": text,
        "task": run.task,
        "unknown": unknown,
        "unread": unread,
        "label": str(probabilities.idxmax()),
        "probabilities": {str(name): float(p) for name, p in probabilities.items()},
    }


def trace(run: Run, text: str) -> RecurrenceView | AttentionView:
    """`text` through the model's traced path, as "Inside the recurrence" and "Self-attention" see it.

    `.steps` are the tokens read, `.trace` the real intermediates (hidden states and gates of an
    RNN/LSTM; queries, keys, values and attention weights of a Transformer).
    """
    if is_recurrent(run):
        return trace_sentence(run, text)
    if is_transformer(run):
        return trace_attention(run, text)
    raise ValueError("A bag of words has no steps to trace: it averages its word vectors.")


def save_model(run: Run, path: str | Path) -> Path:
    """Write the run as the Runs page's model file (.safetensors: weights, config, vocabulary, history)."""
    path = Path(path)
    if path.suffix != ".safetensors":
        raise ValueError(
            f"{path.name}: a model file's name ends in .safetensors (the Runs page loads only those)."
        )
    path.write_bytes(save_run(run))
    return path


def load_model(path: str | Path, keep_status: bool = False) -> Run:
    """A model file saved by the Runs page, the CLI or `save_model`, checked as the Runs page checks it.

    `keep_status`: the run says how its training ended (finished, stopped, diverged) and why, as the
    file records it; otherwise it is "loaded", as an upload on the Runs page is.
    """
    path = Path(path)
    if path.is_dir():
        raise ModelFileError(f"{path}: that is a folder, not a model file.")
    if not path.exists():
        raise ModelFileError(f"{path}: no such file.")
    if not path.is_file():
        raise ModelFileError(f"{path}: not a regular file (a device or a pipe), so not a model file.")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:  # refuse before reading it all; load_run says the same
        raise ModelFileError(
            f"The file is {size / 2**20:.0f} MB; model files are at most {MAX_FILE_BYTES // 2**20} MB."
        )
    return load_run(path.read_bytes(), restore=keep_status)
