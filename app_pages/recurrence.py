"""Inside the recurrence: the unrolled network, one step's arithmetic, states and gates over time."""

import plotly.graph_objects as go
import streamlit as st

from playground.analysis.recurrence import (
    is_recurrent,
    recurrence_equations,
    top_outputs,
    trace_sentence,
)
from playground.config import ARCH_IN_A_SENTENCE
from playground.figures.recurrence import (
    unrolled_figure,
)
from playground.text import capitalized, escape_markdown
from playground.view_options import VIEW_OPTIONS, view_options
from ui.layout import lazy_section
from ui.lecture import LSTM_STOP, current_stop, next_stop, stop_title
from ui.sentences import sentence_box
from ui.session_cache import kept, run_key
from ui.share import linked_run, share_view
from ui.training import switch_run_buttons, train_default_buttons
from ui.view import view_widget
from ui.views.recurrence import (
    design_criteria,
    one_step,
    sentence_key,
    stepped_sentence,
    units_that_track,
    whole_sentence,
)

VIEW = VIEW_OPTIONS["recurrence"]
OPTION = view_options("recurrence")


st.title("Inside the recurrence")
lstm_stop = stop_title("app_pages/recurrence.py") == LSTM_STOP  # arrived by the lecture's path
if lstm_stop:
    st.caption(f"Stop {current_stop('app_pages/recurrence.py') + 1} of the lecture: the LSTM's gates.")
st.markdown(
    "An RNN reads one word per step and applies **the same function with the same weights** "
    "every time, carrying a hidden state h forward."
)
run = linked_run("recurrence", VIEW)
if lstm_stop and run.config.model.arch != "lstm":
    st.info(
        f"This stop of the lecture is the LSTM's gates, and the active run is "
        f"{ARCH_IN_A_SENTENCE[run.config.model.arch]}, which has none. Use one of your LSTM runs, or train "
        "one here: a sentiment LSTM shows its gates react to “not” and “but”."
    )
    switch_run_buttons(lambda r: r.config.model.arch == "lstm", "recurrence_lstm_stop")
    train_default_buttons(
        [
            ("Train a sentiment LSTM", "sentiment", "lstm", "recurrence_stop_sentiment"),
            ("Train a next-word LSTM", "next-word", "lstm", "recurrence_stop_next"),
        ]
    )
    if not is_recurrent(run):
        next_stop("app_pages/recurrence.py")
        st.stop()
elif not is_recurrent(run):
    st.info(
        f"The active run is {ARCH_IN_A_SENTENCE[run.config.model.arch]}, which has no recurrence. Pick an "
        "RNN or LSTM run in the sidebar, or train one here."
    )
    switch_run_buttons(is_recurrent, "recurrence")
    task = run.task if run.config.data.source == "built-in" else "next-word"
    train_default_buttons(
        [
            ("Train an RNN", task, "rnn", "recurrence_train_rnn"),
            ("Train an LSTM", task, "lstm", "recurrence_train_lstm"),
        ]
    )
    next_stop("app_pages/recurrence.py")  # the path goes on even without a recurrent model
    st.stop()

share_view(run, VIEW)
arch = run.config.model.arch
cell = "LSTM" if arch == "lstm" else f"RNN ({run.config.model.activation})"
readout = (
    "y_t at every step, from that step's h_t"
    if run.task == "next-word"
    else "y once, from the last word's h_T (the charts apply the same readout to each earlier h_t, in "
    "brackets: what the model would say if the sentence ended there)"
)
with st.expander(f"This run's equations ({cell})"):
    st.markdown(
        f"The output is {readout}; with more than one layer, x_t of a higher layer is the h_t of the layer "
        f"below. Model: {run.name}, {run.config.model.num_layers} layer(s) of {run.config.model.hidden_dim} "
        "units; pick another in the sidebar."
    )
    for equation in recurrence_equations(arch, run.config.model.activation, run.task):
        st.latex(equation)
text = sentence_box(run, OPTION["sentence"])
try:
    view = trace_sentence(run, text)
except ValueError as error:
    st.info(f"{capitalized(escape_markdown(str(error), 1000))}.")
    st.stop()
if view.truncated:
    st.warning(f"Only the first {len(view.steps)} steps are shown, to keep the figures readable.")

count = len(view.steps)
layer = 0
if view.num_layers > 1:
    layer = view_widget(OPTION["layer"], run, style="segmented")
stepped_sentence(run, view, layer, cell, text)

# Lazy (`lazy_section`): the step's four charts are built and drawn only while it is
# open, so a new sentence does not pay for them folded (docs/architecture.md, "What a rerun costs").
# The step's widgets stay drawn, so the step (and a share link's step) survives folding.
with lazy_section("One step in detail: x_t, y_t and every unit's terms", "recurrence_detail") as detail:
    step_key = "recurrence_step"
    if (asked := st.session_state.get(step_key, 1)) > count:  # a link's step, or a shorter sentence
        st.caption(f"Step {asked:,} is past this sentence's last step: showing step {count}.")
    st.session_state[step_key] = min(asked, count)

    def move(delta: int) -> None:
        st.session_state[step_key] = min(max(1, st.session_state[step_key] + delta), count)

    # A row, not columns: narrow screens stack columns, which put ◀ above the slider and ▶ below it
    stepper = st.container(horizontal=True, vertical_alignment="bottom")
    stepper.button(
        "◀", key="recurrence_back", on_click=move, args=(-1,), disabled=st.session_state[step_key] <= 1
    )
    step = (stepper.slider("Step", 1, count, key=step_key) if count > 1 else 1) - 1
    stepper.button(
        "▶", key="recurrence_forward", on_click=move, args=(1,), disabled=st.session_state[step_key] >= count
    )

    def unrolled() -> go.Figure:
        labels = [top_outputs(view, run, t, 1)["output"].iloc[0] for t in range(count)]
        labels = [f"→ {w}" if run.task == "next-word" else w for w in labels]
        if run.task != "next-word":  # one verdict, at the end; before it, the verdict if it ended there
            labels = [f"({w})" for w in labels[:-1]] + labels[-1:]
        return unrolled_figure(view.steps, step, cell, labels)

    if detail.open:
        st.plotly_chart(kept(("recurrence_unrolled", run_key(run), sentence_key(view), step, cell), unrolled))
        one_step(run, view, layer, step)

# The second views, folded and lazy like the step above: each is built and drawn only while open, so
# a new sentence redraws the stepper alone (docs/architecture.md, "What a rerun costs"). Their widgets
# are drawn folded too, so their values (and a share link's) survive folding.
with lazy_section(
    "The state over the whole sentence: every unit at every step", "recurrence_states_open"
) as states:
    whole_sentence(run, view, layer, states.open)
with lazy_section(
    "Units that track something: a unit that follows a feature of the input", "recurrence_units_open"
) as tracking:
    units_that_track(run, view, layer, text, tracking.open)
with lazy_section(
    "Four design criteria, live: length, long-term dependencies, order, parameter sharing",
    "recurrence_criteria_open",
) as criteria:
    if criteria.open:
        design_criteria(run, text, count)

next_stop("app_pages/recurrence.py")
