"""Home: what the playground is, the four task shapes, and a one-click first model."""

import streamlit as st

from playground.config import default_config
from playground.figures.concepts import task_shapes_figure
from ui.state import builtin_data, runs
from ui.training import show_outcome, train_live

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
    "step); **Shapes and limits** trains one model of each shape, translation included, and "
    "reruns the experiments that showed where plain RNNs fail."
)

st.subheader("Train a model now")
st.write("One click trains an LSTM with sensible defaults in a few seconds.")
left, right = st.columns(2)
task = None
if left.button(
    "Train a sentiment model", type="primary", icon=":material/sentiment_satisfied:", width="stretch"
):
    task = "sentiment"
if right.button("Train a next-word model", icon=":material/text_fields:", width="stretch"):
    task = "next-word"
if task:
    config = default_config(task, "lstm")
    run = train_live(config, builtin_data(config.data))
    if run is not None:
        st.session_state["home_run_id"] = run.id
        st.rerun()  # so the sidebar lists the new run
home_run = next((r for r in runs() if r.id == st.session_state.get("home_run_id")), None)
if home_run is not None:
    show_outcome(home_run)
    if home_run.status == "finished":
        st.page_link(
            "app_pages/predict.py",
            label="Now type a sentence on the Predict page",
            icon=":material/arrow_forward:",
        )

st.subheader("Where to go next")
st.page_link(
    "app_pages/train.py",
    label="Train: pick data, an architecture and its sizes; watch the loss fall",
    icon=":material/model_training:",
)
st.page_link(
    "app_pages/predict.py",
    label="Predict: next-word probabilities, generation, and sentiment word by word",
    icon=":material/keyboard:",
)
