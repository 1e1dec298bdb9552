"""Inside the recurrence: one step's arithmetic, the states over the sentence, units that track a feature,
and the four design criteria on the learner's sentence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from playground.analysis.callouts import Callout, gate_callout, saturation_callout
from playground.analysis.prediction import verdict_text
from playground.analysis.recurrence import (
    RecurrenceView,
    first_word_influence,
    reordered,
    shared_parameter_counts,
    step_input_vector,
    step_table,
    top_outputs,
    unit_feature_correlation,
    unit_order,
)
from playground.data.examples import fresh_sentences
from playground.figures.embeddings import embedding_figure
from playground.figures.recurrence import (
    influence_figure,
    output_bars,
    state_heatmap,
    step_heatmap,
    unit_lines,
)
from playground.figures.stepping import GATE_NAMES, recurrence_stepper
from playground.run import Run
from playground.text import escape_markdown, escape_plotly
from playground.view_options import view_options
from ui.lecture import callout_box
from ui.session_cache import kept, run_key
from ui.state import runs
from ui.view import view_widget

OPTION = view_options("recurrence")


@st.cache_data(max_entries=4, show_spinner=False)
def cached_sentences(task: str, seed: int) -> list[str]:
    """fresh_sentences, drawn once per task and seed for every session (they are the same for all)."""
    return fresh_sentences(task, seed)


@st.cache_data(max_entries=32, show_spinner="Correlating units with the feature…")
def feature_correlation(
    run_id: int, steps: int, feature: str, layer: int, state: str, texts: tuple[str, ...], _run: Run
) -> pd.DataFrame:
    """unit_feature_correlation, computed once per run (id and step count), texts and setting."""
    return unit_feature_correlation(_run, list(texts), feature, layer, state)


def sentence_key(view: RecurrenceView) -> tuple:
    """What a figure of one traced sentence depends on besides the run: its steps as shown and as ids."""
    return (tuple(view.steps), tuple(view.ids))


def one_step(run: Run, view: RecurrenceView, layer: int, step: int) -> None:
    """The arithmetic of one step: its equation, the input x_t, the output y_t and every unit's terms."""
    arch = run.config.model.arch
    word = view.steps[step]
    st.subheader(f"Step {step + 1}: reading “{escape_markdown(word)}”")
    key = (run_key(run), sentence_key(view), layer, step)
    table = kept(("recurrence_step_table", *key), lambda: step_table(view, run, layer, step))
    maths, outputs = st.columns([3, 2])
    with maths:
        if arch == "rnn":
            act = run.config.model.activation
            function = r"\tanh" if act == "tanh" else r"\operatorname{ReLU}"
            st.latex(
                function + r"\big(\underbrace{W_{hh} h_{t-1} + b_{hh}}_{\text{memory}} + "
                r"\underbrace{W_{xh} x_t + b_{xh}}_{\text{new word}}\big) = h_t"
            )
        else:
            st.latex(r"c_t = f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t)")
        x_t = step_input_vector(view, layer, step)
        origin = "the word's embedding" if layer == 0 else "h<sub>t</sub> of the layer below"

        def input_strip() -> go.Figure:
            reach = float(np.abs(x_t).max()) or 1.0
            return (
                embedding_figure([word], x_t[None, :])
                .update_layout(
                    title=f"x<sub>t</sub>: {origin}, {len(x_t)} numbers",
                    height=170,
                    yaxis_title=None,
                    xaxis_title="dimension",
                )
                .update_traces(
                    colorbar={
                        "title": None,
                        "thickness": 10,
                        "tickvals": [-reach, 0, reach],
                        "ticktext": [f"{-reach:.2g}", "0", f"{reach:.2g}"],
                    }
                )
            )

        st.plotly_chart(kept(("recurrence_x", *key), input_strip), key="recurrence_x")
    with outputs:
        names = "next word" if run.task == "next-word" else "class"
        bars = kept(
            ("recurrence_y", *key),
            lambda: output_bars(
                top_outputs(view, run, step, 5), f"y<sub>t</sub>: the {names} after “{escape_plotly(word)}”"
            ),
        )
        st.plotly_chart(bars, key="recurrence_y")
    arithmetic = kept(
        ("recurrence_step_heatmap", *key),
        lambda: step_heatmap(table, "The arithmetic of this step, unit by unit (real values)"),
    )
    st.plotly_chart(arithmetic, key="recurrence_step_table")
    st.caption(
        "Blue above 0, red below"
        + (" (gates: white at 0 to blue at 1)" if GATE_NAMES[0] in table.columns else "")
        + ", each row on the range written next to its name: gates 0 to 1, tanh outputs ±1, the others "
        "± their largest value at this step (the stepped chart above takes that over the whole sentence). "
        + (
            "Hover a cell for its value; with more than 24 units the numbers are not written in."
            if len(table) > 24
            else ""
        )
    )


def whole_sentence(run: Run, view: RecurrenceView, layer: int, shown: bool = True) -> None:
    """Every unit's state (and an LSTM's gates) over the sentence, and chosen units as lines.

    Folded (`shown` False), only its widgets are drawn: they keep their values, nothing is built.
    """
    arch = run.config.model.arch
    hidden = view.trace.hidden_states[layer, 0].numpy().T  # (H, T)
    order = unit_order(hidden)
    relu = arch == "rnn" and run.config.model.activation == "relu"
    states = {"hidden h_t": (hidden, not relu, None)}
    if arch == "lstm":
        trace = view.trace
        states |= {
            "cell c_t": (trace.cell_states[layer, 0].numpy().T, True, None),
            "forget f_t": (trace.forget_gates[layer, 0].numpy().T, False, 1.0),
            "input i_t": (trace.input_gates[layer, 0].numpy().T, False, 1.0),
            "output o_t": (trace.output_gates[layer, 0].numpy().T, False, 1.0),
            "candidate g_t": (trace.cell_candidates[layer, 0].numpy().T, True, 1.0),
        }
        st.markdown(
            "Gates are between 0 (closed) and 1 (open): the **forget** gate keeps old memory, the "
            "**input** gate lets the candidate g_t in, the **output** gate decides what of the cell "
            "c_t shows in h_t."
        )
    # Lazy tabs: only the open tab's heatmap is built and drawn (a hidden tab's chart cost a new
    # sentence as much as a shown one); choosing another tab reruns the page.
    tabs = st.tabs(list(states), key="recurrence_state_tab", on_change="rerun")
    for tab, (name, (values, signed, zmax)) in zip(tabs, states.items(), strict=True):
        if not (shown and tab.open):
            continue
        figure = kept(
            ("recurrence_heatmap", run_key(run), sentence_key(view), layer, name),
            lambda values=values, name=name, signed=signed, zmax=zmax: state_heatmap(
                values, view.steps, f"{name} for each unit and step", order, signed, zmax
            ),
        )
        tab.plotly_chart(figure, key=f"recurrence_heatmap_{name}")
    st.caption(
        "Units are ordered so that units with similar time courses sit together (hierarchical "
        "clustering by correlation). Hover a cell to see the word and value."
    )
    picked = view_widget(
        OPTION["units"], run, options=range(hidden.shape[0]), default=[int(u) for u in order[:3]]
    )
    if picked and shown:
        lines = kept(
            ("recurrence_unit_lines", run_key(run), sentence_key(view), layer, tuple(picked)),
            lambda: unit_lines(hidden, view.steps, picked, "Chosen hidden units, step by step"),
        )
        st.plotly_chart(lines, key="recurrence_unit_lines")


def units_that_track(run: Run, view: RecurrenceView, layer: int, text: str, shown: bool = True) -> None:
    """The units whose state correlates best with a feature of the input, over fresh sentences.

    Folded (`shown` False), only its widgets are drawn: they keep their values, nothing is computed.
    """
    arch = run.config.model.arch
    builtin = run.config.data.source == "built-in"
    feature = view_widget(OPTION["feature"], run)
    use_cell = arch == "lstm" and view_widget(OPTION["cell"], run)
    if not shown:
        return
    texts = (cached_sentences(run.task, run.config.data.data_seed) if builtin else run.examples) or [text]
    state_kind = "cell" if use_cell else "hidden"
    correlation = feature_correlation(run.id, run.steps, feature, layer, state_kind, tuple(texts), run)
    if correlation["correlation"].abs().max() < 1e-6:
        st.info("This feature never changes in these sentences, so no unit can track it. Pick another.")
    else:
        left, right = st.columns([1, 2])
        left.dataframe(
            correlation.head(8),
            hide_index=True,
            column_config={"correlation": st.column_config.NumberColumn(format="%.2f")},
        )
        left.caption(
            f"Pearson correlation over every step of {len(texts)} sentences "
            + ("drawn afresh from the built-in generator." if builtin else "held out from your data.")
        )
        best = int(correlation["unit"].iloc[0])
        source = view.trace.cell_states if state_kind == "cell" else view.trace.hidden_states
        # r is the table's, over the sentences above; one sentence's own r can be far from it
        r = correlation["correlation"].iloc[0]
        title = f"Unit {best} on your sentence (r = {r:.2f} over {len(texts)} sentences)"
        best_line = kept(
            ("recurrence_best_unit", run_key(run), sentence_key(view), layer, state_kind, feature),
            lambda: unit_lines(source[layer, 0].numpy().T, view.steps, [best], title),
        )
        right.plotly_chart(best_line, key="recurrence_best_unit")


def design_criteria(run: Run, text: str, count: int) -> None:
    """Variable length, long-term dependencies, order and parameter sharing, each shown on this sentence."""
    builtin = run.config.data.source == "built-in"
    one, two = st.columns(2)
    with one:
        st.markdown("**1 · Variable length.** The same weights read sentences of any length:")
        words = text.split()
        lengths = sorted({max(1, len(words) // 3), max(1, 2 * len(words) // 3), len(words)})
        prefixes = [" ".join(words[:n]) for n in lengths]
        st.dataframe(
            pd.DataFrame(
                {
                    "sentence": prefixes,
                    "words": lengths,
                    "model says": [verdict_text(run, p) for p in prefixes],
                }
            ),
            hide_index=True,
        )
        st.markdown(
            "**3 · Order.** A bag of words cannot tell a sentence from its reordering; a recurrent model can:"
        )
        other = reordered(text)
        bows = [r for r in runs() if r.config.model.arch == "bow" and r.task == run.task]
        rows = [
            {
                "model": run.name,
                "your sentence": verdict_text(run, text),
                "reordered": verdict_text(run, other),
            }
        ]
        if bows:
            rows.append(
                {
                    "model": bows[-1].name,
                    "your sentence": verdict_text(bows[-1], text),
                    "reordered": verdict_text(bows[-1], other),
                }
            )
        st.caption(f"Reordered: “{escape_markdown(other)}”")
        st.dataframe(pd.DataFrame(rows), hide_index=True)
        if not bows and builtin:
            st.caption(
                "Train a bag-of-words model on the Train page to add its row: its two answers are "
                "always identical."
            )
    with two:
        st.markdown(
            "**2 · Long-term dependencies.** Replace only the first word and see how much each later "
            "h_t still changes: a plain RNN forgets quickly, an LSTM holds on longer."
        )
        influence = kept(
            ("recurrence_influence", run_key(run), text),
            lambda: influence_figure(first_word_influence(run, text)),
        )
        st.plotly_chart(influence, key="recurrence_influence")
        st.page_link(
            "app_pages/limits.py",
            label="How long can each model remember? The adding problem and subject-verb agreement, measured",
            icon=":material/science:",
        )
        st.markdown(
            "**4 · Parameter sharing.** The recurrent weights and the output layer are reused at "
            "every step, so the count does not grow with the sentence:"
        )
        counts = shared_parameter_counts(run, count)
        st.dataframe(
            pd.DataFrame({"parameters": counts}),
            column_config={"parameters": st.column_config.NumberColumn(format="%d")},
        )


@st.cache_data(max_entries=16, show_spinner=False, hash_funcs={Run: lambda run: (run.id, run.status)})
def cached_callouts(run: Run, text: str, layer: int) -> list[Callout | None]:
    """The page's callouts on this run and sentence (computed once per run, sentence and layer)."""
    return [gate_callout(run, text, layer), saturation_callout(run, text, page="recurrence")]


def stepper_figure(run: Run, view: RecurrenceView, layer: int, cell: str, text: str) -> go.Figure:
    """The stepper of this run, sentence and layer (`view` is `trace_sentence(run, text)`), kept per session.

    Building it (a frame per step) takes about 25 ms since it is written as a spec, 0.35-0.9 s before
    when plotly validated it; any other control on the page would pay that again for the same chart.
    """

    def build() -> go.Figure:
        count = len(view.steps)
        tables = [step_table(view, run, layer, t) for t in range(count)]
        outputs = [top_outputs(view, run, t, 5) for t in range(count)]
        return recurrence_stepper(view.steps, tables, outputs, cell, verdict_at_end=run.task != "next-word")

    return kept(("recurrence_stepper", run_key(run), text, layer, cell), build)


def stepped_sentence(run: Run, view: RecurrenceView, layer: int, cell: str, text: str) -> None:
    """The main chart: the unrolled network, each step's arithmetic and outputs, stepped in the browser."""
    st.plotly_chart(stepper_figure(run, view, layer, cell, text), key="recurrence_stepper")
    lstm = run.config.model.arch == "lstm"
    st.caption(
        ("Drag the slider or press ▶: the steps play in your browser. " if len(view.steps) > 1 else "")
        + "Blue x_t is the word's vector, green h_t the hidden state"
        + (", purple c_t the cell state" if lstm else "")
        + (
            ", orange y_t the output (its top prediction above). "
            if run.task == "next-word"
            else ", orange y_t the output: a sentiment model's verdict is the last step's; at earlier steps "
            "(in brackets) y_t is what it would say if the sentence ended there. "
        )
        + "In the arithmetic each unit is a bar, up for positive and down for negative, on its row's range "
        "(written next to its name"
        + ("; gates run 0 to 1 up from the row's floor" if lstm else "")
        + "): a bar that fills its half of the row is a unit at the end of that range"
        + (
            "; in a ±1 row (h_t, and g_t in an LSTM) that is a saturated tanh. "
            if lstm or run.config.model.activation == "tanh"
            else ". "
        )
        + "Hover a bar for its value."
    )
    for callout in cached_callouts(run, text, layer):
        callout_box(callout)
