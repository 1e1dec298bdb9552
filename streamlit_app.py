"""Sequence Playground: navigation, the shared sidebar (device, active run), nothing else."""

from pathlib import Path

import streamlit as st

from playground.device import describe_device
from ui.layout import narrow_screen_layout
from ui.lecture import note_arrival
from ui.share import remember_opening_link
from ui.state import (
    ACTIVE_RUN_PICKER,
    active_run,
    device,
    drop_runs_deleted_elsewhere,
    fit_threads,
    pick_up_runs_added_elsewhere,
    remember_active_run,
    remember_this_browser,
    restore_kept_widgets,
    restore_session,
    runs,
    settle_runs,
    warm_up_in_background,
)

ICON = Path(__file__).parent / "assets" / "icon.png"
st.set_page_config(
    page_title="Sequence Playground",
    page_icon=str(ICON),
    layout="wide",
    initial_sidebar_state="auto",  # Streamlit folds it at 768 px; ui.layout folds it below 900 px
)

page = st.navigation(
    {
        "Start": [
            st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True),
            st.Page("app_pages/train.py", title="Train", icon=":material/model_training:"),
            st.Page("app_pages/predict.py", title="Predict", icon=":material/keyboard:"),
            st.Page("app_pages/runs.py", title="Runs", icon=":material/stacks:"),
        ],
        "The lecture, in order": [
            st.Page("app_pages/shapes.py", title="Task shapes", icon=":material/category:"),
            st.Page("app_pages/encoding.py", title="Words to vectors", icon=":material/data_array:"),
            st.Page("app_pages/recurrence.py", title="Inside the recurrence", icon=":material/replay:"),
            st.Page("app_pages/gradients.py", title="Backprop through time", icon=":material/trending_down:"),
            st.Page("app_pages/limits.py", title="Limits of RNNs", icon=":material/science:"),
            st.Page("app_pages/attention.py", title="Self-attention", icon=":material/hub:"),
        ],
        "More views": [
            st.Page("app_pages/embeddings.py", title="Embedding space", icon=":material/scatter_plot:"),
        ],
    }
)

fit_threads()  # before any PyTorch work in this script thread
restore_session()
settle_runs()
drop_runs_deleted_elsewhere()
pick_up_runs_added_elsewhere()
remember_opening_link(page.url_path)
note_arrival(page.url_path)
restore_kept_widgets()

with st.sidebar:
    current = device()
    st.badge(
        describe_device(current), icon=":material/memory:", color="green" if current.type != "cpu" else "gray"
    )
    kept = runs()
    if kept:
        active = active_run()
        ids = [r.id for r in reversed(kept)]
        # A finished run is the usual case: its status only took room the sidebar cuts names for
        names = {r.id: r.name if r.status == "finished" else f"{r.name} ({r.status})" for r in kept}
        if st.session_state.get(ACTIVE_RUN_PICKER) != active.id:
            # Made active elsewhere (a page's button, a new run, a link): written, so the browser is
            # sent it. An index alone changed the box's label but not what it sent back.
            st.session_state[ACTIVE_RUN_PICKER] = active.id
        st.selectbox(
            "Active run",
            ids,
            key=ACTIVE_RUN_PICKER,
            format_func=names.get,
            help="The model the Predict page and later pages use.",
            on_change=lambda: st.session_state.update(active_run_id=st.session_state[ACTIVE_RUN_PICKER]),
        )
    else:
        st.caption("No model yet: train one on Home or Train.")
    narrow_screen_layout()  # last in the sidebar: its script takes no room above the badge
    # Before the page: a page that stops early (a link's training, "no model yet") or a reload
    # during the first training would otherwise leave a new browser without its cookie, and its
    # runs, stored under that browser's id, unreachable after the reload.
    remember_this_browser()
    remember_active_run()

page.run()
warm_up_in_background()  # after the page is drawn, so the first view never waits for it
