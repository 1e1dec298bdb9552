"""Train: task, data, architecture and hyperparameters; live curves; this session's runs."""

import dataclasses
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from playground.budget import over_budget
from playground.config import (
    ARCH_LABELS,
    ARCHITECTURES,
    TASK_LABELS,
    TASKS,
    ExperimentConfig,
    check_consistency,
    default_config,
    from_query_params,
    to_query_params,
)
from playground.data.datasets import TaskData
from playground.data.files import (
    FILE_KINDS,
    FILE_WANTED,
    LABEL_COLUMN_GUESSES,
    TEXT_COLUMN_GUESSES,
    DataFile,
    few_examples_warning,
    file_task_data,
    guess_column,
    table_file,
    text_file,
)
from playground.data.uploads import MAX_UPLOAD_BYTES, UploadError, read_table
from playground.figures.training import training_curve
from playground.run import count_model_parameters
from playground.text import escape_markdown
from ui.forms import field_widget, preset_widgets, section_widgets
from ui.share import opening_link
from ui.state import active_run, builtin_data, keep_across_pages, runs
from ui.training import draw_curves, estimate_note, show_outcome, train_live


@dataclasses.dataclass
class Upload:
    """A learner's file as read from the uploader; `key` changes when the file or its columns do."""

    key: tuple
    file: DataFile


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
    )
    if file is None:
        st.caption("Nothing leaves this server; the file lives in your session only.")
        return None
    try:
        if kind == "txt":
            upload = Upload((file.file_id,), text_file(file.getvalue(), file.name))
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


st.title("Train a model")
if (params := opening_link("train")) is not None:  # a share link sets the form once
    linked, link_warnings = from_query_params(params)
    if linked is not None:
        preset_widgets(linked)
        st.session_state["train_link_notes"] = [None, *link_warnings]
        st.session_state["train_link_cost_check"] = True  # an over-size link says so at the top
for note in st.session_state.pop("train_link_notes", []):
    if note is None:
        st.info(
            "This configuration came from a shared link. Press **Train**: the seed is part of the "
            "link, so the run reproduces the shared numbers."
        )
    else:
        st.warning(escape_markdown(note, 1000))
link_alert = st.container()
keep_across_pages("train_task", "train_arch")
settings, results = st.columns([5, 6], gap="large")

with settings:
    st.subheader("1 · Task and data")
    task = st.segmented_control(
        "Task",
        TASKS,
        format_func=TASK_LABELS.get,
        required=True,
        key="train_task",
        **({} if "train_task" in st.session_state else {"default": "next-word"}),
    )
    defaults = default_config(task, "lstm")
    source = field_widget(defaults.data, "source", f"train_source_{task}")
    upload = read_upload(task) if source == "upload" else None
    with st.expander("Tokens and sequence length"):
        data_fields = ["tokenizer", "min_count", "max_vocab", "max_length"]
        if task == "next-word":
            data_fields.insert(3, "text_layout")
        if source == "built-in":
            data_fields += ["num_sentences", "data_seed"]
        data_config = section_widgets(defaults.data, data_fields, f"train_data_{task}", columns=2)
    data_config = dataclasses.replace(data_config, task=task, source=source)

    st.subheader("2 · Model")
    arch = st.segmented_control(
        "Architecture",
        ARCHITECTURES,
        format_func=ARCH_LABELS.get,
        required=True,
        key="train_arch",
        **({} if "train_arch" in st.session_state else {"default": "lstm"}),
    )
    defaults = default_config(task, arch)
    model_fields = {
        "rnn": ["embedding_dim", "hidden_dim", "num_layers", "activation", "recurrent_init", "dropout"],
        "lstm": ["embedding_dim", "hidden_dim", "num_layers", "dropout"],
        "transformer": [
            "embedding_dim",
            "hidden_dim",
            "num_layers",
            "num_heads",
            "positional",
            "pooling",
            "dropout",
        ],
        "bow": ["embedding_dim", "dropout"],
    }[arch]
    if task != "sentiment":  # a next-word Transformer reads every position: nothing is pooled
        model_fields = [name for name in model_fields if name != "pooling"]
    model_config = section_widgets(defaults.model, model_fields, f"train_model_{task}_{arch}")
    model_config = dataclasses.replace(model_config, arch=arch)

    st.subheader("3 · Training")
    train_config = section_widgets(
        defaults.train,
        [
            "optimizer",
            "learning_rate",
            "schedule",
            "batch_size",
            "epochs",
            "max_steps",
            "clip_grad",
            "word_dropout",
            "seed",
        ],
        f"train_train_{task}_{arch}",
    )
    config = ExperimentConfig(data_config, model_config, train_config)
    for warning in check_consistency(config):
        st.warning(escape_markdown(warning, 1000))
    link = to_query_params(config)
    if dict(st.query_params) != link:
        st.query_params.from_dict(link)  # the address bar is always a link to this configuration
    with st.popover("Share this configuration", icon=":material/link:"):
        base = (st.context.url or "").split("?")[0]
        st.code(f"{base}?{urlencode(link)}", language=None, wrap_lines=True)
        st.caption(
            "Whoever opens the link gets this form filled in; with the same seed, training gives "
            "the same numbers. Uploaded files are not part of a link."
        )

    if source == "built-in":
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
        if (few := few_examples_warning(data)) is not None:
            st.warning(few)
    # The cost is shown as the settings change, and a link over the server's limits says so on opening.
    refusal = over_budget(estimate_note(config, data)) if data is not None else None
    opened_from_link = data is not None and st.session_state.pop("train_link_cost_check", False)
    if refusal is not None and opened_from_link:
        link_alert.error(
            f"This link's model is too big for this server: {refusal[0].lower()}{refusal[1:]}",
            icon=":material/block:",
        )
    affordable = data is not None and refusal is None
    clicked = st.button(
        "Train",
        type="primary",
        icon=":material/play_arrow:",
        disabled=not affordable,
        width="stretch",
        key="train_button",
    )

with results:
    st.subheader("Training")
    st.caption(
        "Loss and accuracy on the training batches (blue) and on held-out validation "
        "sentences (orange). The dashed line is a model that ignores its input: the most "
        "frequent word for next-word prediction, the most frequent class for sentiment."
    )
    if clicked and data is not None:
        if train_live(config, data, side_by_side=False) is not None:
            st.rerun()  # so the sidebar and the table below list the new run
    if (run := active_run()) is not None:
        st.caption(f"Curves of the active run, {run.name}. Change the active run in the sidebar.")
        show_outcome(run)
        draw_curves(run, st.empty(), st.empty())
        if run.config.train.schedule != "constant" and not run.history.empty:
            steps = run.history.query("split == 'train'")
            st.plotly_chart(
                training_curve(steps, "learning_rate", title="Learning rate of each update"),
                key="train_learning_rate",
            )
    else:
        st.info(
            "Set up a model on the left and press **Train**. The loss and accuracy curves appear "
            "here while it trains; the dashed line is what a model that ignores its input scores."
        )

st.subheader("Your runs")
if runs():
    table = pd.DataFrame([r.summary() for r in reversed(runs())])
    percent = st.column_config.NumberColumn(format="percent")
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "val accuracy": percent,
            "test accuracy": percent,
            "order-sensitive accuracy": percent,
            "unseen-structure accuracy": percent,
            "largest edit change": percent,
            "test ECE": st.column_config.NumberColumn(format="%.3f"),
            "baseline accuracy": percent,
            "val loss": st.column_config.NumberColumn(format="%.3f"),
            "lr": st.column_config.NumberColumn(format="%g"),
        },
    )
else:
    st.caption("Runs you train appear here, newest first, so you can compare them.")
