"""Inside the recurrence: the unrolled network, one step's arithmetic, states and gates over time."""

import pandas as pd
import streamlit as st

from playground.analysis.prediction import class_probabilities, next_word_probabilities
from playground.analysis.recurrence import (
    FEATURES,
    first_word_influence,
    is_recurrent,
    recurrence_equations,
    shared_parameter_counts,
    step_input_vector,
    step_table,
    top_outputs,
    trace_sentence,
    unit_feature_correlation,
    unit_order,
)
from playground.config import ARCH_LABELS, default_config
from playground.data.language import language_texts
from playground.data.sentiment import generate_sentiment
from playground.figures.embeddings import embedding_figure
from playground.figures.recurrence import (
    influence_figure,
    output_bars,
    state_heatmap,
    step_heatmap,
    unit_lines,
    unrolled_figure,
)
from playground.run import Run
from playground.share_links import (
    ViewOption,
    one_of,
    switch,
    text_option,
    whole,
    whole_list,
    write_list,
    write_switch,
)
from playground.text import escape_markdown
from ui.sentences import sentence_box
from ui.share import linked_run, share_view
from ui.state import builtin_data, runs
from ui.training import train_live
from ui.widgets import multiselect

DEFAULT_SENTENCES = {
    "next-word": "the dogs near the cat are happy today",
    "sentiment": "the film was not good but the music was great",
}
SAMPLE_TEXTS = 300


@st.cache_data(max_entries=4, show_spinner=False)
def sample_texts(task: str, seed: int) -> list[str]:
    """Sentences drawn afresh from the built-in generator (another seed), to correlate units with features."""
    if task == "next-word":
        return language_texts(SAMPLE_TEXTS, seed + 1)
    return [e.text for e in generate_sentiment(10 * SAMPLE_TEXTS, seed + 1).test[:SAMPLE_TEXTS]]


@st.cache_data(max_entries=32, show_spinner="Correlating units with the feature…")
def feature_correlation(
    run_id: int, steps: int, feature: str, layer: int, state: str, texts: tuple[str, ...], _run: Run
) -> pd.DataFrame:
    """unit_feature_correlation, computed once per run (id and step count), texts and setting."""
    return unit_feature_correlation(_run, list(texts), feature, layer, state)


def reordered(text: str) -> str:
    """The clauses around 'but' swapped, or else the words in reverse order."""
    words = text.split()
    if "but" in words[1:-1]:
        i = words.index("but")
        return " ".join(words[i + 1 :] + ["but"] + words[:i])
    return " ".join(reversed(words))


def prediction_text(run: Run, text: str) -> str:
    if run.task == "next-word":
        probabilities = next_word_probabilities(run, text)
        best = int(probabilities.argmax())
        return f"next: “{run.vocab.tokens[best]}” ({float(probabilities[best]):.0%})"
    p = class_probabilities(run, text)
    return f"{p.idxmax()} ({p.max():.0%})"


VIEW = [
    text_option("sentence", "recurrence_text", "The sentence", 400),
    ViewOption("layer", "recurrence_layer", "Layer", whole(0, lambda run: run.config.model.num_layers - 1)),
    ViewOption("step", "recurrence_step", "Step", whole(1, 400)),
    ViewOption(
        "units",
        "recurrence_units",
        "Units to plot",
        whole_list(0, lambda run: run.config.model.hidden_dim - 1, max_items=8),
        write_list,
    ),
    ViewOption("feature", "recurrence_feature", "Feature", one_of(list(FEATURES))),
    ViewOption("cell", "recurrence_cell", "Use the cell state", switch, write_switch),
]

st.title("Inside the recurrence")
st.markdown(
    "An RNN reads one word per step and applies **the same function with the same weights** "
    "every time, carrying a hidden state h forward."
)
run = linked_run("recurrence", VIEW)
if not is_recurrent(run):
    st.info(
        f"The active run is a {ARCH_LABELS[run.config.model.arch]}, which has no recurrence. Pick an RNN "
        "or LSTM run in the sidebar, or train one here."
    )
    left, right = st.columns(2)
    arch = (
        "rnn"
        if left.button("Train an RNN", type="primary", key="recurrence_train_rnn")
        else ("lstm" if right.button("Train an LSTM", key="recurrence_train_lstm") else None)
    )
    if arch:
        config = default_config(run.task if run.config.data.source == "built-in" else "next-word", arch)
        if train_live(config, builtin_data(config.data)) is not None:
            st.rerun()
    st.stop()

share_view(run, VIEW)
arch = run.config.model.arch
cell = "LSTM" if arch == "lstm" else f"RNN ({run.config.model.activation})"
readout = (
    "y_t at every step, from that step's h_t"
    if run.task == "next-word"
    else "y once, from the last word's h_T"
)
st.markdown(
    f"This run's equations ({cell}; the output is {readout}; with more than one layer, x_t of a "
    "higher layer is the h_t of the layer below):"
)
for equation in recurrence_equations(arch, run.config.model.activation, run.task):
    st.latex(equation)
st.caption(
    f"Model: {run.name}, {cell}, {run.config.model.num_layers} layer(s) of "
    f"{run.config.model.hidden_dim} units. Pick another in the sidebar."
)
text = sentence_box(run, DEFAULT_SENTENCES, "recurrence_text")
try:
    view = trace_sentence(run, text)
except ValueError as error:
    st.info(f"{escape_markdown(str(error), 1000).capitalize()}.")
    st.stop()
if view.truncated:
    st.warning(f"Only the first {len(view.steps)} steps are shown, to keep the figures readable.")

count = len(view.steps)
layer = 0
if view.num_layers > 1:
    layer = st.segmented_control(
        "Layer",
        list(range(view.num_layers)),
        default=0,
        required=True,
        format_func=lambda i: f"layer {i + 1}",
        key="recurrence_layer",
    )
step_key = "recurrence_step"
st.session_state[step_key] = min(st.session_state.get(step_key, 1), count)


def move(delta: int) -> None:
    st.session_state[step_key] = min(max(1, st.session_state[step_key] + delta), count)


back, slider, forward = st.columns([1, 8, 1], vertical_alignment="bottom")
back.button(
    "◀",
    key="recurrence_back",
    on_click=move,
    args=(-1,),
    disabled=st.session_state[step_key] <= 1,
    help="previous step",
)
forward.button(
    "▶",
    key="recurrence_forward",
    on_click=move,
    args=(1,),
    disabled=st.session_state[step_key] >= count,
    help="next step",
)
step = (slider.slider("Step", 1, count, key=step_key) if count > 1 else 1) - 1

labels = [top_outputs(view, run, t, 1)["output"].iloc[0] for t in range(count)]
labels = [f"→ {w}" if run.task == "next-word" else w for w in labels]
st.plotly_chart(unrolled_figure(view.steps, step, cell, labels))  # its toolbar saves it as PNG
st.caption(
    "Blue: the word's vector x_t. Green: the hidden state h_t. Orange: the output y_t (its top "
    "prediction written above). The arrows are the same three weight matrices at every step."
)

word = view.steps[step]
st.subheader(f"Step {step + 1}: reading “{escape_markdown(word)}”")
table = step_table(view, run, layer, step)
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
    origin = "the word's embedding" if layer == 0 else "h_t of the layer below"
    st.plotly_chart(
        embedding_figure([word], x_t[None, :])
        .update_layout(
            title=f"x_t: the input at this step, {origin} ({len(x_t)} numbers)",
            height=170,
            yaxis_title=None,
            xaxis_title="dimension",
        )
        .update_traces(showscale=False),
        key="recurrence_x",
    )
with outputs:
    names = "next word" if run.task == "next-word" else "class"
    st.plotly_chart(
        output_bars(top_outputs(view, run, step, 5), f"y_t: the {names} after “{word}”"), key="recurrence_y"
    )
st.plotly_chart(
    step_heatmap(table, "The arithmetic of this step, unit by unit (real values)"),
    key="recurrence_step_table",
)
if len(table) > 24:
    st.caption("Hover a cell for its value; with more than 24 units the numbers are not written in.")

st.subheader("The state over the whole sentence")
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
tabs = st.tabs(list(states))
for tab, (name, (values, signed, zmax)) in zip(tabs, states.items(), strict=True):
    figure = state_heatmap(values, view.steps, f"{name} for each unit and step", order, signed, zmax)
    tab.plotly_chart(figure, key=f"recurrence_heatmap_{name}")
st.caption(
    "Units are ordered so that units with similar time courses sit together (hierarchical "
    "clustering by correlation). Hover a cell to see the word and value."
)
picked = multiselect(
    st,
    "Units to plot",
    list(range(hidden.shape[0])),
    key="recurrence_units",
    default=[int(u) for u in order[:3]],
    max_selections=8,
)
if picked:
    st.plotly_chart(
        unit_lines(hidden, view.steps, picked, "Chosen hidden units, step by step"),
        key="recurrence_unit_lines",
    )

st.subheader("Units that track something")
builtin = run.config.data.source == "built-in"
texts = (sample_texts(run.task, run.config.data.data_seed) if builtin else run.examples) or [text]
feature = st.selectbox("A feature of the input", list(FEATURES), key="recurrence_feature")
use_cell = arch == "lstm" and st.toggle("Use the cell state c_t", key="recurrence_cell")
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
    title = f"Unit {best} on your sentence (r = {correlation['correlation'].iloc[0]:.2f})"
    right.plotly_chart(
        unit_lines(source[layer, 0].numpy().T, view.steps, [best], title), key="recurrence_best_unit"
    )

st.subheader("Four design criteria, live")
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
                "model says": [prediction_text(run, p) for p in prefixes],
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
            "your sentence": prediction_text(run, text),
            "reordered": prediction_text(run, other),
        }
    ]
    if bows:
        rows.append(
            {
                "model": bows[-1].name,
                "your sentence": prediction_text(bows[-1], text),
                "reordered": prediction_text(bows[-1], other),
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
    st.plotly_chart(influence_figure(first_word_influence(run, text)), key="recurrence_influence")
    st.page_link(
        "app_pages/lab.py",
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
