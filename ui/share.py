"""Share links on the pages that show a model: read one once, retrain its model, keep the URL current."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from urllib.parse import urlencode

import streamlit as st

from playground.budget import estimate_run, over_budget
from playground.config import ARCH_LABELS, TASK_LABELS, ExperimentConfig, default_config, from_query_params
from playground.run import Run
from playground.share_links import ViewOption, matches, read_view, view_link
from playground.text import escape_markdown
from ui.forms import CHOICE_LABELS
from ui.state import builtin_data, full_note, keep_across_pages, runs
from ui.training import ago, require_run, stored_copy, train_live


@dataclasses.dataclass
class PendingLink:
    """A share link opened on `page` whose model this session has not trained yet."""

    page: str
    config: ExperimentConfig
    params: dict[str, list[str]]
    warnings: list[str]


def remember_opening_link(page: str) -> None:
    """Keep the URL this session was opened with: only that one is a share link.

    Later URLs are the app's own (every page writes its state there as it runs).
    """
    if "opening_link" not in st.session_state:
        params = {key: st.query_params.get_all(key) for key in st.query_params}
        st.session_state["opening_link"] = (page, params)


def opening_link(page: str) -> dict[str, list[str]] | None:
    """The parameters of the link this session was opened with, once, if it was opened on `page`."""
    opened = st.session_state.get("opening_link")
    if opened is None or opened[0] != page or not opened[1]:
        return None
    st.session_state["opening_link"] = (opened[0], {})
    return opened[1]


def _read_link(page: str) -> None:
    params = opening_link(page)
    if params is None:
        return
    config, warnings = from_query_params(params)
    if config is not None:
        st.session_state["pending_link"] = PendingLink(page, config, params, warnings)


DESCRIBED = {
    "task",
    "arch",
    "source",
    "embedding_dim",
    "hidden_dim",
    "num_layers",
    "epochs",
    "learning_rate",
    "seed",
}


def _describe(config: ExperimentConfig) -> str:
    """The link's model in one line: its kind, sizes and training, and every other setting that differs
    from the defaults (a step limit of 20 read as a full "3 epochs")."""
    model, train = config.model, config.train
    layers = f"{model.num_layers} layer{'s' if model.num_layers > 1 else ''}"
    size = (
        f"embedding {model.embedding_dim}"
        if model.arch == "bow"
        else f"{layers} of {model.hidden_dim}, embedding {model.embedding_dim}"
    )
    text = (
        f"{ARCH_LABELS[model.arch]}, {TASK_LABELS[config.data.task].lower()}, {size}, "
        f"{train.epochs} epochs at learning rate {train.learning_rate:g}, seed {train.seed}"
    )
    defaults = default_config(config.data.task, model.arch)
    changed = [
        f"{f.metadata['label']} {CHOICE_LABELS.get(value, value) if isinstance(value, str) else f'{value:g}'}"
        for section in ("data", "model", "train")
        for f in dataclasses.fields(getattr(config, section))
        if f.name not in DESCRIBED
        and (value := getattr(getattr(config, section), f.name))
        != getattr(getattr(defaults, section), f.name)
    ]
    return text + (f"; changed from the defaults: {', '.join(changed)}" if changed else "")


def linked_run(page: str, options: Sequence[ViewOption], arch: str = "lstm") -> Run:
    """The run this page shows: the one a share link names (trained here on one click), else the active one.

    Stops the page until a linked model is trained or the learner sets the link aside; with no run
    at all, offers to train a default one of `arch` (the page's kind of model).
    """
    _read_link(page)
    keep_across_pages(*(option.key for option in options))
    pending: PendingLink | None = st.session_state.get("pending_link")
    if pending is not None and pending.page == page:
        for warning in pending.warnings:
            st.warning(escape_markdown(warning, 1000))
        match = next((r for r in reversed(runs()) if matches(r, pending.config)), None)
        if match is None and (stopped_id := st.session_state.pop("link_shows_stopped", None)):
            match = next((r for r in runs() if r.id == stopped_id), None)  # the learner chose it
        if match is None and (copy := stored_copy(pending.config)) is not None:
            # The sidebar's run list was drawn before this copy existed: run again so that it lists it.
            st.session_state["linked_from_store"] = st.session_state["active_run_id"] = copy.id
            st.rerun()
        if match is None:
            _offer_training(page, pending)  # stops the page until the learner chooses
        if st.session_state.get("active_run_id") != match.id:
            # The sidebar named the run active before the link: run again so that it names this one
            st.session_state["active_run_id"] = match.id
            if not matches(match, pending.config):  # the stopped run the learner chose: choose it again
                st.session_state["link_shows_stopped"] = match.id
            st.rerun()
        del st.session_state["pending_link"]
        # a reload's own address bar shares nothing, unless the learner chose a stopped run on its offer
        own_view = match.uid == st.session_state.get("restored_active_uid") and matches(match, pending.config)
        _show_linked(pending, options, match, announce=not own_view)
        if st.session_state.pop("linked_from_store", None) == match.id:  # someone here trained it already
            st.info(
                f"Trained {ago(match.created)} on this server for whoever opened this link first; "
                "same settings give the same numbers, so you got that model at once, as your own "
                "copy. To watch it train, press **Train again** on the Train page.",
                icon=":material/group:",
            )
    return require_run(page, arch)


def _offer_training(page: str, pending: PendingLink) -> None:
    """Offer to train the link's model (or to show this learner's stopped training of it); stop the page."""
    ended_early = [r for r in runs() if r.config == pending.config and r.status in ("stopped", "interrupted")]
    stopped = ended_early[-1] if ended_early else None
    if stopped is None:
        st.info(
            f"This view was shared together with its model: {_describe(pending.config)}. Train "
            "it here; the seed is part of the link, so you get the same model and the same "
            "numbers the sender saw.",
            icon=":material/link:",
        )
    else:  # a reload or a click during the first training stopped it
        st.info(
            f"This view was shared together with its model: {_describe(pending.config)}. Your "
            f"training of it, **{escape_markdown(stopped.name)}**, stopped at step {stopped.steps:,} "
            f"of {stopped.total_steps:,} (reloading the page or clicking elsewhere stops a training "
            "you are watching). Train it to the end here, from the start (the seed gives the same "
            "numbers the sender saw), or look at the stopped one as it is.",
            icon=":material/link:",
        )
    refusal = over_budget(estimate_run(pending.config, builtin_data(pending.config.data)))
    if refusal is not None:
        st.error(refusal, icon=":material/block:")
    full_note()
    columns = st.columns(3 if stopped is not None else 2)
    if columns[0].button(
        "Train the shared model",
        type="primary",
        width="stretch",
        key=f"{page}_link_train",
        disabled=refusal is not None,
    ):
        if train_live(pending.config, builtin_data(pending.config.data)) is not None:
            st.rerun()
    if stopped is not None and columns[1].button(
        "Show the stopped run", width="stretch", key=f"{page}_link_stopped"
    ):
        st.session_state["pending_link"] = dataclasses.replace(pending, warnings=[])
        st.session_state["link_shows_stopped"] = stopped.id
        st.rerun()
    if columns[-1].button("Set the link aside", width="stretch", key=f"{page}_link_ignore"):
        del st.session_state["pending_link"]
        st.rerun()
    st.stop()


def _show_linked(
    pending: PendingLink, options: Sequence[ViewOption], run: Run, announce: bool = True
) -> None:
    """Make `run` the active one and set this page's widgets to the view the link asks for; `announce`
    says so in the page."""
    st.session_state["active_run_id"] = run.id
    values, warnings = read_view(pending.params, options, run)
    for key, value in values.items():
        st.session_state[key] = value
    for warning in warnings:
        st.warning(escape_markdown(warning, 1000))
    if announce:
        st.success(f"Showing the shared view on {escape_markdown(run.name)}.", icon=":material/link:")


def share_view(run: Run, options: Sequence[ViewOption]) -> None:
    """Keep the address bar a link to this view of `run`, and offer it in a popover."""
    values = {o.key: st.session_state[o.key] for o in options if o.key in st.session_state}
    link = view_link(run, values, options)
    if link and (stop := st.session_state.get("lecture_stop")) is not None:
        link = {**link, "stop": stop}  # the lecture's stop this page shows survives a reload (ui/lecture.py)
    if dict(st.query_params) != link:
        st.query_params.from_dict(link)
    with st.popover("Share this view", icon=":material/link:"):
        if not link:
            st.markdown(
                "This run was trained on an uploaded file, which a link cannot carry. Send the "
                "model file instead: download it on the **Runs** page; whoever uploads it there "
                "sees the same model."
            )
            return
        base = (st.context.url or "").split("?")[0]
        st.code(f"{base}?{urlencode(link)}", language=None, wrap_lines=True)
        caption = (
            "The link holds this model's training settings, its seed and what this page shows. "
            "Whoever opens it trains the same model in one click and sees this view."
        )
        if not run.complete:
            caption += " This run was stopped early; the link trains it to the end, so numbers can differ."
        st.caption(caption)
