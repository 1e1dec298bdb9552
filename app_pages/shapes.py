"""Task shapes: the four shapes of sequence problems, each a small model trained here in seconds."""

import streamlit as st

from playground.text import escape_markdown
from ui.lecture import next_stop
from ui.share import opening_link
from ui.state import keep_across_pages
from ui.views.shapes import SHAPES, share_shape, tidy_link, unused_link_values

st.title("Task shapes: four shapes of sequence problems")
st.markdown(
    "Sequence problems come in four shapes, by what goes in and what comes out: one item or a "
    "sequence. Each tab trains one small model of its shape here, in seconds, and lets you try it."
)
keep_across_pages(*(key for shape in SHAPES for key in shape.keys))
link_notice = st.container()  # filled once the open tab's inputs have taken the link's values
if opened := opening_link("shapes"):
    link, notes = tidy_link(opened)
    if link.get("shape") != opened.get("shape"):  # retyped ("many to one" opened One to one): as named
        st.session_state["shape"] = link["shape"][-1]
    st.session_state["shapes_link_unjudged"] = link
    for note in notes:
        link_notice.warning(note, icon=":material/link:")  # only the page's own names
# Bound to the address bar (?shape=…), so a link opens its tab; only the open tab's content runs.
tabs = st.tabs([shape.label for shape in SHAPES], key="shape", bind="query-params")
for tab, shape in zip(tabs, SHAPES, strict=True):
    if tab.open:
        with tab:
            shape.draw()
            share_shape(shape)

if unjudged := st.session_state.get("shapes_link_unjudged"):
    unused, waiting = unused_link_values(unjudged, st.session_state)
    st.session_state["shapes_link_unjudged"] = {name: unjudged[name] for name in waiting}
    if unused:
        link_notice.warning(
            "This link asked for what the page cannot show, so it shows the default instead: "
            + ", ".join(f"“{escape_markdown(value, 80)}”" for value in unused)
            + " (a tab that does not exist, a number out of range or not a number).",
            icon=":material/link_off:",
        )

next_stop("app_pages/shapes.py")
