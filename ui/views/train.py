"""The Train page's larger parts: reading an upload, the data it trains on, the share link, the runs table."""

from __future__ import annotations

import dataclasses
import math
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from playground.config import ExperimentConfig, to_query_params
from playground.data.datasets import TaskData
from playground.data.files import (
    FILE_KINDS,
    FILE_WANTED,
    LABEL_COLUMN_GUESSES,
    TEXT_COLUMN_GUESSES,
    DataFile,
    data_warnings,
    file_task_data,
    guess_column,
    table_file,
    text_file,
)
from playground.data.uploads import MAX_UPLOAD_BYTES, UploadError, read_table
from playground.run import count_model_parameters
from playground.shared_training import data_digest
from playground.text import escape_markdown
from ui.state import builtin_data, runs


@dataclasses.dataclass
class Upload:
    """A learner's file as read from the uploader; `key` changes when the file or its columns do."""

    key: tuple
    file: DataFile
    identity: str  # the content hash of the bytes and the columns read: shared trainings are found by it


def read_upload(task: str) -> Upload | None:
    """Show the uploader (and column pickers) and read the file, or explain what is wrong with it."""
    kind = FILE_KINDS[task]
    hint = " (set “Text is” below)" if kind == "txt" else ""
    limit = f"{MAX_UPLOAD_BYTES / 1e6:g} MB"
    file = st.file_uploader(
        f"Upload {FILE_WANTED[kind]}{hint}, at most {limit}",
        type=[kind],
        key=f"train_upload_{task}",
        help=f"Files over {limit} ({MAX_UPLOAD_BYTES:,} bytes) are refused.",
        max_upload_size=math.ceil(MAX_UPLOAD_BYTES / 2**20),  # under the server's limit, for model files
    )
    if file is None:
        st.caption(
            "Nothing leaves this server; the file lives in your session only. A file over "
            f"{limit} never arrives: the box marks it with a red “!”, and pointing at it gives the reason."
        )
        return None
    try:
        if kind == "txt":
            raw = file.getvalue()
            upload = Upload((file.file_id,), text_file(raw, file.name), data_digest(raw))
        else:
            table, notes = read_table(file.getvalue(), file.name)
            columns = list(table.columns)
            left, right = st.columns(2)
            text_column = left.selectbox(
                "Text column",
                columns,
                key="train_text_column",
                index=guess_column(columns, TEXT_COLUMN_GUESSES, 0),
            )
            label_column = right.selectbox(
                "Label column",
                columns,
                key="train_label_column",
                index=guess_column(columns, LABEL_COLUMN_GUESSES, 1),
            )
            st.dataframe(table.head(5), hide_index=True, height=150)
            upload = Upload(
                (file.file_id, text_column, label_column),
                table_file(table, file.name, text_column, label_column, notes),
                data_digest(file.getvalue(), str(text_column), str(label_column)),
            )
    except UploadError as error:
        st.error(escape_markdown(str(error), 1000))
        return None
    for note in upload.file.notes:
        st.warning(escape_markdown(note, 1000))
    return upload


def upload_task_data(upload: Upload, config: ExperimentConfig) -> TaskData:
    """Tensors for an upload, rebuilt only when the file, its columns or the token settings change."""
    key = (upload.key, dataclasses.astuple(config.data))
    cached = st.session_state.get("train_upload_data")
    if cached is None or cached[0] != key:
        cached = (key, file_task_data(upload.file, config.data))
        st.session_state["train_upload_data"] = cached
    return cached[1]


def share_configuration(config: ExperimentConfig) -> None:
    """Keep the address bar a link to this configuration, and offer it in a popover."""
    link = to_query_params(config)
    if dict(st.query_params) != link:
        st.query_params.from_dict(link)  # the address bar is always a link to this configuration
    with st.popover("Share this configuration", icon=":material/link:"):
        base = (st.context.url or "").split("?")[0]
        st.code(f"{base}?{urlencode(link)}", language=None, wrap_lines=True)
        st.caption(
            "Whoever opens the link gets this form filled in; with the same seed, training gives "
            "the same numbers on the same kind of device and number of CPU threads (a run's "
            "device line says which). Uploaded files are not part of a link."
        )


def training_data(config: ExperimentConfig, upload: Upload | None) -> TaskData | None:
    """The data this configuration trains on, with its size and the model's, or None (with a message)."""
    if config.data.source == "built-in":
        data = builtin_data(config.data)
    else:
        data = None
        if upload is not None:
            try:
                data = upload_task_data(upload, config)
            except UploadError as error:
                st.error(escape_markdown(str(error), 1000))
    if data is not None:
        st.caption(
            f"Data: {escape_markdown(data.description)} · vocabulary {len(data.vocab):,} tokens · "
            f"{len(data.train):,} training and {len(data.validation):,} validation examples · "
            f"model: {count_model_parameters(config, data):,} parameters"
        )
        for warning in data_warnings(data):
            st.warning(escape_markdown(warning))
    return data


PERCENT_COLUMNS = (
    "val accuracy",
    "test accuracy",
    "order-sensitive accuracy",
    "unseen-structure accuracy",
    "largest edit change",
    "baseline accuracy",
)
DECIMAL_COLUMNS = {"test ECE": "{:.3f}", "val loss": "{:.3f}", "lr": "{:g}"}
NOT_MEASURED = "—"


def shown_cell(column: str, value: object) -> str:
    """One cell of the runs table as text: a dash where the figure does not apply to that run."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NOT_MEASURED
    if column in PERCENT_COLUMNS:
        return f"{value:.1%}"
    if column in DECIMAL_COLUMNS:
        return DECIMAL_COLUMNS[column].format(value)
    if column == "params":
        return f"{int(value):,}"
    if isinstance(value, float) and value.is_integer() and column != "seconds":
        return str(int(value))  # a whole number in a column that a missing value turned into floats
    return str(value)


def runs_frame(summaries: list[dict]) -> tuple[pd.DataFrame, bool]:
    """The runs table, and whether some figure applies to only some of its runs.

    A column no run has (order-sensitive accuracy of next-word runs) is dropped. Where runs of two kinds
    mix, a figure one kind has and the other has not would show "None": every cell is then written as
    text, with a dash for those.
    """
    table = pd.DataFrame(summaries).dropna(axis=1, how="all")
    partial = bool(table.isna().any().any())
    if partial:
        table = table.astype(object)
        for column in table.columns:
            table[column] = [shown_cell(column, v) for v in table[column]]
    else:  # numbers, so a column sorts; percentages in points, drawn "%.1f%%" as the text form writes them
        for column in PERCENT_COLUMNS:
            if column in table:
                table[column] = table[column] * 100
    return table, partial


def runs_table() -> None:
    """Every run of this browser, newest first, one row each."""
    if runs():
        table, partial = runs_frame([r.summary() for r in reversed(runs())])
        percent = st.column_config.NumberColumn(format="%.1f%%")
        st.dataframe(
            table,
            hide_index=True,
            column_config={
                "val accuracy": percent,
                "test accuracy": percent,
                "order-sensitive accuracy": percent,
                "unseen-structure accuracy": percent,
                "largest edit change": st.column_config.NumberColumn(
                    format="%.1f%%",
                    help="Test accuracy with the edit that moves it most (a full stop, commas, capitals "
                    "or no punctuation) minus without it",
                ),
                "test ECE": st.column_config.NumberColumn(
                    format="%.3f",
                    help="Expected calibration error on the test split (0 = perfectly calibrated)",
                ),
                "baseline accuracy": percent,
                "val loss": st.column_config.NumberColumn(format="%.3f"),
                "lr": st.column_config.NumberColumn(format="%g"),
                "params": st.column_config.NumberColumn(format="localized"),  # 35,677, as Train writes it
            }
            if not partial
            else None,
        )
        if partial:
            st.caption(
                f"{NOT_MEASURED} marks a figure that does not apply to that run: the sentiment probes "
                "(order-sensitive and unseen-structure accuracy, edits, calibration, P(positive) with no "
                "known word) are measured on sentiment runs only, a bag of words has no hidden size, and "
                "a run still training, or stopped before its end, has no test accuracy."
            )
    else:
        st.caption("Runs you train appear here, newest first, so you can compare them.")
