"""A learner's own data file turned into training data, the same way from the app, the CLI and a notebook."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from playground.config import DataConfig
from playground.data.datasets import TaskData, build_classification, build_next_word, build_stream
from playground.data.tokenizer import MAX_TOKEN_CHARS
from playground.data.uploads import (
    MAX_UPLOAD_BYTES,
    UploadError,
    check_lines_to_split,
    decode_upload,
    labelled_texts,
    read_table,
    text_lines,
)

TEXT_COLUMN_GUESSES = ("text", "sentence", "review", "content", "comment", "tweet")
LABEL_COLUMN_GUESSES = ("label", "sentiment", "class", "target", "category", "y")
FILE_KINDS = {"next-word": "txt", "sentiment": "csv"}
FILE_WANTED = {
    "txt": "a .txt file: one sentence per line, or one long text",
    "csv": "a .csv file with a text column and a label column",
}


@dataclass
class DataFile:
    """A learner's file, read and checked: texts (and labels, for classification), with reading notes."""

    description: str
    texts: list[str]
    labels: list[str] | None
    text: str = ""  # the whole decoded .txt, newlines kept, for the one-stream layout
    stream_description: str = ""
    notes: list[str] = field(default_factory=list)
    name: str = "file"


def text_file(raw: bytes, name: str, origin: str = "upload") -> DataFile:
    """A .txt file for next-word prediction: its lines, and the whole text for the one-stream layout."""
    decoded = decode_upload(raw, name)
    lines = text_lines(decoded.text, name)
    return DataFile(
        f"{origin} {name}, {len(lines):,} lines",
        lines,
        None,
        decoded.text,
        f"{origin} {name} as one stream, {len(decoded.text):,} characters",
        decoded.notes,
        name,
    )


def table_file(
    table: pd.DataFrame,
    name: str,
    text_column: str,
    label_column: str,
    notes: list[str] | None = None,
    origin: str = "upload",
) -> DataFile:
    """A .csv file's chosen text and label columns, for classification."""
    texts, labels, more_notes = labelled_texts(table, text_column, label_column)
    return DataFile(
        f"{origin} {name}, {len(texts):,} rows", texts, labels, notes=[*(notes or []), *more_notes]
    )


def guess_column(columns: list, names: tuple[str, ...], fallback: int) -> int:
    """The index of the first column named like one of `names` (any case), else `fallback`."""
    lowered = [str(c).lower() for c in columns]
    return next((lowered.index(n) for n in names if n in lowered), min(fallback, len(columns) - 1))


def file_task_data(data_file: DataFile, config: DataConfig) -> TaskData:
    """Training tensors for a file under the form's token settings (lines or one stream for .txt)."""
    if data_file.labels is None and config.text_layout == "stream":
        return build_stream(data_file.text, config, data_file.stream_description)
    if data_file.labels is None:
        check_lines_to_split(data_file.texts, data_file.name)
        return build_next_word(data_file.texts, config, data_file.description)
    return build_classification(data_file.texts, data_file.labels, config, data_file.description)


def read_data_file(
    path: str | Path, task: str, text_column: str | None = None, label_column: str | None = None
) -> DataFile:
    """A data file on disk, checked as the app checks an upload (same limits, same messages).

    Columns not named are guessed from the header as the app's pickers guess them.
    """
    path = Path(path)
    kind = FILE_KINDS[task]
    if path.suffix.lower() != f".{kind}":
        raise UploadError(
            f"{path.name}: {task} trains on {FILE_WANTED[kind]} (the app's uploader takes only "
            f".{kind} for this task)."
        )
    if not path.is_file():
        raise UploadError(f"{path}: no such file.")
    if path.stat().st_size > MAX_UPLOAD_BYTES:  # refuse before reading it all; decode_upload says the same
        raise UploadError(
            f"{path.name} is {path.stat().st_size / 2**20:.1f} MB; the limit is "
            f"{MAX_UPLOAD_BYTES // 2**20} MB. Upload a smaller part of it."
        )
    raw = path.read_bytes()
    if kind == "txt":
        if text_column or label_column:
            raise UploadError(f"{path.name}: text and label columns are for .csv files (sentiment).")
        return text_file(raw, path.name, origin="file")
    table, notes = read_table(raw, path.name)
    columns = [str(c) for c in table.columns]
    for flag, wanted in (("text", text_column), ("label", label_column)):
        if wanted is not None and wanted not in columns:
            raise UploadError(
                f"{path.name} has no column '{wanted[:60]}' for the {flag}s; its columns are "
                f"{', '.join(c[:40] for c in columns[:20])}."
            )
    text_column = text_column or columns[guess_column(columns, TEXT_COLUMN_GUESSES, 0)]
    label_column = label_column or columns[guess_column(columns, LABEL_COLUMN_GUESSES, 1)]
    return table_file(table, path.name, text_column, label_column, notes, origin="file")


def data_warnings(data: TaskData) -> list[str]:
    """What to tell a learner about data read from their file: too small for held-out accuracy to
    mean much, or with "words" too long to be words."""
    warnings = []
    if len(data.train) < 20 or len(data.validation) < 5:
        warnings.append(
            f"Only {len(data.train):,} training and {len(data.validation):,} validation examples: "
            "the model can do little more than memorise them, and its accuracy on so few "
            "held-out examples means little. Add more text for a fair test."
        )
    if data.vocab.too_long:
        many = data.vocab.too_long
        warnings.append(
            f"{many:,} {'tokens are' if many > 1 else 'token is'} longer than {MAX_TOKEN_CHARS} "
            "characters (a link, a code, a run of letters with no spaces): the model reads "
            f"{'them' if many > 1 else 'it'} as <unk>, an unknown word."
        )
    return warnings
