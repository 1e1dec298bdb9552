"""Home: what the playground is, the four task shapes, and a one-click first model."""

import streamlit as st

from playground.figures.concepts import task_shapes_figure
from playground.text import escape_markdown
from ui.lecture import lecture_path
from ui.state import runs
from ui.training import show_outcome, train_default_buttons

st.title("Sequence Playground")
st.markdown(
    "Train a small **RNN**, **LSTM** or **Transformer** on sentences, then type your own and "
    "watch what it predicts. Everything runs here, on your data or on corpora the playground "
    "generates, with the real numbers of the model you trained."
)

st.subheader("Four shapes of sequence problems")
st.plotly_chart(task_shapes_figure(), config={"displayModeBar": False})
st.markdown("A recurrent network reads one input per step and carries a hidden state forward:")
st.latex(r"h_t = \tanh(W_{hh}\, h_{t-1} + W_{xh}\, x_t + b), \qquad y_t = W_{hy}\, h_t")
st.caption(
    "The same weights are used at every step, so one model handles sentences of any length. "
    "Train and Predict cover many-to-one (sentiment) and many-to-many (the next word at every "
    "step); **Task shapes** trains one model of each shape, translation included, and "
    "**Limits of RNNs** reruns the experiments that showed where plain RNNs fail."
)

st.subheader("Train a model now")
st.write(
    "One click trains an LSTM with sensible defaults: seconds on an idle server, longer while others "
    "train. A progress bar shows how far it has got."
)
trained = train_default_buttons(
    [
        ("Train a sentiment model", "sentiment", "lstm", "home_sentiment"),
        ("Train a next-word model", "next-word", "lstm", "home_next_word"),
    ],
    rerun=False,
)
if trained is not None:
    st.session_state["home_run_id"] = trained.id
    st.session_state["home_just_trained"] = True
    st.rerun()  # so the sidebar lists the new run
home_run = next((r for r in runs() if r.id == st.session_state.get("home_run_id")), None)
if home_run is not None:
    if st.session_state.pop("home_just_trained", False) and home_run.status == "finished":
        # the result lands under the buttons, often below the window's edge: say where it is
        st.toast(
            f"{escape_markdown(home_run.name)} is trained. Its result, and a link to try it on Predict, "
            "are under the buttons.",
            icon=":material/check_circle:",
        )
    show_outcome(home_run)
    if home_run.status == "finished":
        st.page_link(
            "app_pages/predict.py",
            label="Now type a sentence on the Predict page",
            icon=":material/arrow_forward:",
        )

st.subheader("The lecture, in order")
st.caption(
    "Each stop is a page; each page ends with a link to the next. Train a model first (above): the "
    "pages show what *your* model does."
)
lecture_path()
st.caption("Besides the path: Train, Predict and Runs (top of the sidebar) work on any model.")
