"""Train: task, data, architecture and hyperparameters; live curves; this session's runs."""

import dataclasses

import streamlit as st

from playground.budget import over_budget
from playground.config import (
    ARCH_LABELS,
    ARCHITECTURES,
    TASK_LABELS,
    TASKS,
    TRAIN_FORM_FIELDS,
    ExperimentConfig,
    check_consistency,
    data_form_fields,
    default_config,
    from_query_params,
    model_form_fields,
)
from playground.figures.training import training_curve
from playground.text import escape_markdown
from ui.forms import field_widget, form_keys, preset_widgets, section_widgets
from ui.session_cache import kept, run_key
from ui.share import opening_link
from ui.state import active_run, full_note, keep_across_pages
from ui.training import draw_curves, estimate_note, show_outcome, train_live
from ui.views.train import read_upload, runs_table, share_configuration, training_data

st.title("Train a model")
if (params := opening_link("train")) is not None:  # a share link sets the form once
    linked, link_warnings = from_query_params(params)
    if linked is not None:
        preset_widgets(linked)
        st.session_state["train_link_notes"] = [None, *link_warnings]
        st.session_state["train_link_cost_check"] = True  # an over-size link says so at the top
# One container whether or not it holds the notes: the click on Train reruns without them, and every
# element after a dropped one moved up a place, so for the whole training Streamlit showed the stale
# page below the live one, the learner's view on the stale copy (found by a review).
link_notes = st.container()
for note in st.session_state.pop("train_link_notes", []):
    if note is None:
        link_notes.info(
            "This configuration came from a shared link. Press **Train**: the seed is part of the "
            "link, so the run reproduces the shared numbers."
        )
    else:
        link_notes.warning(escape_markdown(note, 1000))
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
    source = field_widget(defaults.data, "source", form_keys(task, "")["source"])
    upload = read_upload(task) if source == "upload" else None
    with st.expander("Tokens and sequence length"):
        fields = data_form_fields(task, source)
        data_config = section_widgets(defaults.data, fields, form_keys(task, "")["data"], columns=2)
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
    keys = form_keys(task, arch)
    model_config = section_widgets(defaults.model, model_form_fields(task, arch), keys["model"])
    model_config = dataclasses.replace(model_config, arch=arch)

    st.subheader("3 · Training")
    # The learning rate and its schedule on a row of two, the seed in half a row: in a third of the
    # column a link's 1e-6 read "0.000(", 1e6 "10000" and seed 2147483647 "21474", and any wider
    # third cut another field's label or value
    first, last = ["learning_rate", "schedule"], ["seed"]
    train_config = section_widgets(defaults.train, first, keys["train"], columns=2)
    rest = [name for name in TRAIN_FORM_FIELDS if name not in first + last]
    train_config = section_widgets(train_config, rest, keys["train"])
    train_config = section_widgets(train_config, last, keys["train"], columns=2)
    config = ExperimentConfig(data_config, model_config, train_config)
    for warning in check_consistency(config):
        st.warning(escape_markdown(warning, 1000))
    share_configuration(config)
    data = training_data(config, upload)
    # The cost is shown as the settings change, and a link over the server's limits says so on opening.
    refusal = over_budget(estimate_note(config, data)) if data is not None else None
    opened_from_link = data is not None and st.session_state.pop("train_link_cost_check", False)
    if refusal is not None and opened_from_link:
        link_alert.error(  # the numbers and what to lower are once, next to the Train button
            "This link's model is too big for this server: under **3 · Training**, above the Train "
            "button, is what it would cost and what to lower.",
            icon=":material/block:",
        )
    affordable = data is not None and refusal is None
    full_note()
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
        identity = upload.identity if upload is not None else None
        if train_live(config, data, side_by_side=False, data_identity=identity) is not None:
            st.rerun()  # so the sidebar and the table below list the new run
    if (run := active_run()) is not None:
        st.caption(f"Curves of the active run, {run.name}. Change the active run in the sidebar.")
        show_outcome(run, data if run.config == config else None)
        draw_curves(run, st.empty(), st.empty(), key="train_active")
        if run.config.train.schedule != "constant" and not run.history.empty:
            steps = run.history.query("split == 'train'")
            rate = kept(
                ("train_learning_rate", run_key(run), len(steps)),
                lambda: training_curve(steps, "learning_rate", title="Learning rate of each update"),
            )
            st.plotly_chart(rate, key="train_learning_rate")
    else:
        st.info(
            "Set up a model on the left and press **Train**. The loss and accuracy curves appear "
            "here while it trains; the dashed line is what a model that ignores its input scores."
        )

st.subheader("Your runs")
runs_table()
