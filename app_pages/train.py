"""Train: task, data, architecture and hyperparameters; live curves; this session's runs."""

import dataclasses
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

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
from playground.data.datasets import TaskData, build_classification, build_next_word, build_stream
from playground.data.uploads import UploadError, decode_upload, labelled_texts, read_table, text_lines
from playground.figures.training import training_curve
from playground.text import escape_markdown
from playground.train import count_model_parameters
from ui.forms import field_widget, preset_widgets, section_widgets
from ui.links import opening_link
from ui.state import active_run, builtin_data, keep_across_pages, runs
from ui.training import draw_curves, show_outcome, train_live

TEXT_COLUMN_GUESSES = ("text", "sentence", "review", "content", "comment", "tweet")
LABEL_COLUMN_GUESSES = ("label", "sentiment", "class", "target", "category", "y")


@dataclasses.dataclass
class Upload:
    """A learner's file, read and checked: texts (and labels, for classification)."""

    key: tuple
    description: str
    texts: list[str]
    labels: list[str] | None
    text: str = ""  # the whole decoded .txt, newlines kept, for the one-stream layout
    stream_description: str = ""


def read_upload(task: str) -> Upload | None:
    """Show the uploader (and column pickers) and read the file, or explain what is wrong with it."""
    kind = "txt" if task == "next-word" else "csv"
    what = ("a .txt file: one sentence per line, or one long text (set “Text is” below)" if kind == "txt"
            else "a .csv file with a text column and a label column")
    file = st.file_uploader(f"Upload {what}", type=[kind], key=f"train_upload_{task}")
    if file is None:
        st.caption("Nothing leaves this server; the file lives in your session only.")
        return None
    try:
        if kind == "txt":
            decoded = decode_upload(file.getvalue(), file.name)
            lines, notes = text_lines(decoded.text, file.name), decoded.notes
            stream = f"upload {file.name} as one stream, {len(decoded.text):,} characters"
            upload = Upload((file.file_id,), f"upload {file.name}, {len(lines):,} lines", lines, None,
                            decoded.text, stream)
        else:
            table, notes = read_table(file.getvalue(), file.name)
            columns = list(table.columns)
            left, right = st.columns(2)
            text_column = left.selectbox("Text column", columns, key="train_text_column",
                                         index=_guess(columns, TEXT_COLUMN_GUESSES, 0))
            label_column = right.selectbox("Label column", columns, key="train_label_column",
                                           index=_guess(columns, LABEL_COLUMN_GUESSES, 1))
            st.dataframe(table.head(5), hide_index=True, height=150)
            texts, labels, more_notes = labelled_texts(table, text_column, label_column)
            notes += more_notes
            upload = Upload((file.file_id, text_column, label_column),
                            f"upload {file.name}, {len(texts):,} rows", texts, labels)
    except UploadError as error:
        st.error(str(error))
        return None
    for note in notes:
        st.warning(note)
    return upload


def upload_task_data(upload: Upload, config: ExperimentConfig) -> TaskData:
    """Tensors for an upload, rebuilt only when the file, its columns or the token settings change."""
    key = (upload.key, dataclasses.astuple(config.data))
    cached = st.session_state.get("train_upload_data")
    if cached is None or cached[0] != key:
        if upload.labels is None and config.data.text_layout == "stream":
            data = build_stream(upload.text, config.data, upload.stream_description)
        elif upload.labels is None:
            data = build_next_word(upload.texts, config.data, upload.description)
        else:
            data = build_classification(upload.texts, upload.labels, config.data, upload.description)
        cached = (key, data)
        st.session_state["train_upload_data"] = cached
    return cached[1]


def _guess(columns: list, names: tuple, fallback: int) -> int:
    lowered = [str(c).lower() for c in columns]
    return next((lowered.index(n) for n in names if n in lowered), fallback)


st.title("Train a model")
if (params := opening_link("train")) is not None:  # a share link sets the form once
    linked, link_warnings = from_query_params(params)
    if linked is not None:
        preset_widgets(linked)
        st.session_state["train_link_notes"] = [None, *link_warnings]
for note in st.session_state.pop("train_link_notes", []):
    if note is None:
        st.info("This configuration came from a shared link. Press **Train**: the seed is part of the "
                "link, so the run reproduces the shared numbers.")
    else:
        st.warning(note)
keep_across_pages("train_task", "train_arch")
settings, results = st.columns([5, 6], gap="large")

with settings:
    st.subheader("1 · Task and data")
    task = st.segmented_control("Task", TASKS, format_func=TASK_LABELS.get, required=True, key="train_task",
                                **({} if "train_task" in st.session_state else {"default": "next-word"}))
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
    arch = st.segmented_control("Architecture", ARCHITECTURES, format_func=ARCH_LABELS.get, required=True,
                                key="train_arch",
                                **({} if "train_arch" in st.session_state else {"default": "lstm"}))
    defaults = default_config(task, arch)
    model_fields = {"rnn": ["embedding_dim", "hidden_dim", "num_layers", "activation", "recurrent_init",
                            "dropout"],
                    "lstm": ["embedding_dim", "hidden_dim", "num_layers", "dropout"],
                    "transformer": ["embedding_dim", "hidden_dim", "num_layers", "num_heads", "positional",
                                    "dropout"],
                    "bow": ["embedding_dim", "dropout"]}[arch]
    model_config = section_widgets(defaults.model, model_fields, f"train_model_{task}_{arch}")
    model_config = dataclasses.replace(model_config, arch=arch)

    st.subheader("3 · Training")
    train_config = section_widgets(defaults.train, ["optimizer", "learning_rate", "schedule", "batch_size",
                                                    "epochs", "max_steps", "clip_grad", "word_dropout",
                                                    "seed"],
                                   f"train_train_{task}_{arch}")
    config = ExperimentConfig(data_config, model_config, train_config)
    for warning in check_consistency(config):
        st.warning(warning)
    link = to_query_params(config)
    if dict(st.query_params) != link:
        st.query_params.from_dict(link)  # the address bar is always a link to this configuration
    with st.popover("Share this configuration", icon=":material/link:"):
        base = (st.context.url or "").split("?")[0]
        st.code(f"{base}?{urlencode(link)}", language=None, wrap_lines=True)
        st.caption("Whoever opens the link gets this form filled in; with the same seed, training gives "
                   "the same numbers. Uploaded files are not part of a link.")

    if source == "built-in":
        data = builtin_data(config.data)
    else:
        data = upload_task_data(upload, config) if upload is not None else None
    if data is not None:
        st.caption(f"Data: {escape_markdown(data.description)} · vocabulary {len(data.vocab):,} tokens · "
                   f"{len(data.train):,} training and {len(data.validation):,} validation examples · "
                   f"model: {count_model_parameters(config, data):,} parameters")
        if len(data.train) < 20 or len(data.validation) < 5:
            st.warning(f"Only {len(data.train):,} training and {len(data.validation):,} validation examples: "
                       "the model can do little more than memorise them, and its accuracy on so few "
                       "held-out examples means little. Add more text for a fair test.")
    clicked = st.button("Train", type="primary", icon=":material/play_arrow:", disabled=data is None,
                        width="stretch", key="train_button")

with results:
    st.subheader("Training")
    st.caption("Loss and accuracy on the training batches (blue) and on held-out validation "
               "sentences (orange). The dashed line is a model that ignores its input: the most "
               "frequent word for next-word prediction, the most frequent class for sentiment.")
    if clicked and data is not None:
        if train_live(config, data, side_by_side=False) is not None:
            st.rerun()  # so the sidebar and the table below list the new run
    if (run := active_run()) is not None:
        st.caption(f"Curves of the active run, {run.name}. Change the active run in the sidebar.")
        show_outcome(run)
        draw_curves(run, st.empty(), st.empty())
        if run.config.train.schedule != "constant" and not run.history.empty:
            steps = run.history.query("split == 'train'")
            st.plotly_chart(training_curve(steps, "learning_rate", title="Learning rate of each update"),
                            key="train_learning_rate")
    else:
        st.info("Set up a model on the left and press **Train**. The loss and accuracy curves appear "
                "here while it trains; the dashed line is what a model that ignores its input scores.")

st.subheader("This session's runs")
if runs():
    table = pd.DataFrame([r.summary() for r in reversed(runs())])
    percent = st.column_config.NumberColumn(format="percent")
    st.dataframe(table, hide_index=True, column_config={
        "val accuracy": percent, "test accuracy": percent, "order-sensitive accuracy": percent,
        "baseline accuracy": percent, "val loss": st.column_config.NumberColumn(format="%.3f"),
        "lr": st.column_config.NumberColumn(format="%g")})
else:
    st.caption("Runs you train appear here, newest first, so you can compare them.")
