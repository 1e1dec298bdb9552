"""Backprop through time: the gradient on the learner's sentence across runs; two runs that explode or not."""

from __future__ import annotations

import streamlit as st

from playground.analysis.callouts import saturation_callout
from playground.analysis.gradients import gradient_through_time
from playground.analysis.recurrence import step_inputs
from playground.experiments.clipping import EXPLODING_CLIPS, exploding_config
from playground.figures.gradients import gradient_time_figure, loss_comparison_figure
from playground.outcomes import clipping_outcome
from playground.run import Run
from playground.text import capitalized, escape_markdown
from playground.view_options import view_options
from ui.lecture import callout_box
from ui.sentences import sentence_box
from ui.session_cache import kept, run_key
from ui.state import builtin_data, delete_runs, full_note, runs
from ui.training import train_live
from ui.view import view_widget
from ui.widgets import multiselect

OPTION = view_options("gradients")


def gradient_on_your_sentence(run: Run) -> None:
    """‖∂L/∂h_t‖ (or ‖∂L/∂x_t‖) at each step of the learner's sentence, for this run and others to compare."""
    candidates = {r.id: r for r in runs() if r.task == run.task and r.vocab.level == run.vocab.level}
    candidates[run.id] = run
    text = sentence_box(run, OPTION["sentence"])
    chart = st.container()  # the chart first, the choices that change it under it
    # The active run is always drawn (the callout below and section 2 speak of it); others are added.
    others = multiselect(
        st,
        "Add other runs of this task to the chart",
        [i for i in candidates if i != run.id],
        format_func=lambda i: candidates[i].name,
        key="gradients_others",
        placeholder="None: the active run only",
        help="The active run's line is always drawn (pick another in the sidebar): the note under the "
        "chart and section 2 speak of it.",
    )
    chosen = [run.id, *others]
    left, right = st.columns(2)
    loss_kind, target_class = "last", None
    if run.task == "next-word":
        loss_kind = view_widget(OPTION["loss"], run, left, style="radio", horizontal=True)
    else:
        target_class = view_widget(
            OPTION["label"],
            run,
            left,
            format_func=lambda c: (
                "the class the model predicts"
                if c is None or c < 0
                else f"“{escape_markdown(run.class_names[c], 60)}”"
            ),
        )
    recurrent = all(candidates[i].config.model.arch in ("rnn", "lstm") for i in chosen)
    # ∂L/∂x_t was forced by a Transformer or bag of words; with only recurrent runs back, h_t (what the
    # equations above and the note below speak of) is the default again
    if recurrent and st.session_state.get("gradients_forced_input"):
        st.session_state.pop(OPTION["wrt"].key, None)
    st.session_state["gradients_forced_input"] = not recurrent
    quantity = view_widget(
        OPTION["wrt"], run, right, style="radio", default="hidden" if recurrent else "input", horizontal=True
    )
    if quantity == "hidden" and not recurrent:
        st.info("Only RNN and LSTM runs have a hidden state h_t: showing ∂L/∂x_t for every run instead.")
        quantity = "input"
    frames = {}
    for run_id in chosen:
        other = candidates[run_id]
        try:
            frames[other.name] = kept(
                ("gradients_through_time", run_key(other), text, loss_kind, target_class),
                lambda other=other: gradient_through_time(other, text, loss_kind, target_class),
            )
        except ValueError as error:
            st.info(f"{capitalized(escape_markdown(str(error), 1000))}.")
            break
    if frames:
        symbol = "h_t" if quantity == "hidden" else "x_t"
        shown = tuple(run_key(candidates[i]) for i in chosen[: len(frames)])
        figure = kept(
            ("gradients_time", shown, text, loss_kind, target_class, quantity),
            lambda: gradient_time_figure(frames, quantity, f"‖∂L/∂{symbol}‖ at each step (log scale)"),
        )
        chart.plotly_chart(figure, key="gradients_time")
        target = ""
        if run.task == "next-word":  # the sentence's last word is only ever a target
            last = step_inputs(run, text)[0][-1]
            target = (
                f"The last word, “{escape_markdown(last, 60)}”, is what the last step predicts, not "
                "an input, so it has no step on the axis. "
            )
        chart.caption(
            f"{target}Computed exactly with autograd through the model's step-by-step path. A line that "
            "falls steeply to the left means the loss barely reaches the first words. Train an RNN "
            "(tanh), an RNN with ReLU and identity initialisation, an LSTM and a Transformer on the "
            "Train page to compare them here."
        )
        with chart:
            callout_box(
                kept(
                    ("gradients_saturation", run_key(run), text),
                    lambda: saturation_callout(run, text, page="backprop"),
                )
            )


# The colours of Streamlit's error, success and warning boxes that say how each run went.
OUTCOME_COLORS = {
    "blew up": "#d62728",
    "diverged": "#d62728",
    "trained": "#2ca02c",
    "did not learn": "#e0a000",
}


def demo_pair() -> list[Run]:
    """The learner's latest finished pair of this demonstration (a reload, or an earlier press), or []."""
    pair = []
    for clip in EXPLODING_CLIPS:
        config = exploding_config(clip)
        found = [r for r in runs() if r.config == config and r.status == "finished"]
        pair += found[-1:]
    return pair if len(pair) == 2 else []


def exploding_for_real() -> None:
    """Train the same RNN with and without clipping at a high learning rate, and say how each went."""
    earlier = demo_pair()
    if earlier:
        label = "Train both again (they replace these two)"
    else:
        label = "Train both (a few seconds)"
        full_note(count=2)
    if st.button(label, icon=":material/bolt:", key="gradients_explode"):
        delete_runs({r.id for r in earlier})  # a second press made two more copies, two more of the cap
        pair_ids, active = [], st.session_state.get("active_run_id")
        for clip in EXPLODING_CLIPS:
            config = exploding_config(clip)
            trained = train_live(config, builtin_data(config.data))
            if trained is not None:
                pair_ids.append(trained.id)
        st.session_state["gradients_explode_runs"] = pair_ids
        if any(r.id == active for r in runs()):  # a demonstration: the learner's own model stays the page's
            st.session_state["active_run_id"] = active
        st.rerun()
    pair = [r for r in runs() if r.id in st.session_state.get("gradients_explode_runs", [])] or earlier
    if len(pair) == 2:
        outcomes = [clipping_outcome(r) for r in pair]
        st.plotly_chart(
            loss_comparison_figure(
                {r.name: r.history for r in pair},
                colors=[OUTCOME_COLORS[kind] for kind, _ in outcomes],  # as the boxes under it
            ),
            key="gradients_explode_chart",
        )
        for r, (kind, text) in zip(pair, outcomes, strict=True):
            message = f"**{escape_markdown(r.name)}**: {escape_markdown(text, 1000)}"
            if kind in ("blew up", "diverged"):
                st.error(message, icon=":material/trending_up:")
            elif kind == "trained":
                st.success(message, icon=":material/check_circle:")
            else:
                st.warning(message)
