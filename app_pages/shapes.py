"""Task shapes: the four shapes of sequence problems, each a small model trained here in seconds."""

import streamlit as st

from ui.lecture import next_stop
from ui.views.shapes import many_to_many, many_to_one, one_to_many, one_to_one

st.title("Task shapes: four shapes of sequence problems")
st.markdown(
    "Sequence problems come in four shapes, by what goes in and what comes out: one item or a "
    "sequence. Each tab trains one small model of its shape here, in seconds, and lets you try it."
)
tabs = st.tabs(["One to one", "Many to one", "One to many", "Many to many"])
for tab, shape in zip(tabs, (one_to_one, many_to_one, one_to_many, many_to_many), strict=True):
    with tab:
        shape()

next_stop("app_pages/shapes.py")
