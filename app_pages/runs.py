"""Runs: compare this session's runs, delete them, and save or load a run as a model file."""

import pandas as pd
import streamlit as st

from playground.config import SECTIONS, field_spec
from playground.figures.training import runs_comparison
from playground.io import MAX_FILE_BYTES, ModelFileError, load_run, save_run
from playground.outcomes import NEXT_WORD_CEILING
from playground.text import escape_markdown
from ui.state import MAX_RUNS, active_run, add_run, delete_runs, full_note, run_store, runs
from ui.views.train import runs_table
from ui.widgets import multiselect


def config_differences(chosen: list) -> pd.DataFrame:
    """The configuration fields whose values differ between the chosen runs."""
    flat = {}
    for run in chosen:
        flat[run.name] = {
            f"{section}.{field}": value
            for section, values in run.config.to_dict().items()
            for field, value in values.items()
        }
    table = pd.DataFrame(flat)
    differing = table[table.nunique(axis=1, dropna=False) > 1] if len(chosen) > 1 else table
    return differing.astype(str)


COMPARE_PARAM = "compare"  # the compared runs' #numbers in the address bar, so a reload keeps the choice


def linked_comparison(kept: list) -> list:
    """The runs the address bar names (`?compare=3,5`), those still kept; [] if it names none."""
    wanted = st.query_params.get(COMPARE_PARAM, "").split(",")
    by_number = {str(run.number or run.id): run.id for run in kept}
    return [by_number[n] for n in wanted if n in by_number]


def config_label(field: str) -> str:
    """'model.hidden_dim' as the Train page names it: 'Hidden size'."""
    section, name = field.split(".", 1)
    return field_spec(SECTIONS[section], name).get("label") or name.replace("_", " ")


def save_active_run() -> None:
    """The active run as a model file and its history as CSV."""
    st.subheader("Save a run")
    run = active_run()
    file_stem = f"run-{run.number or run.id}-{run.config.model.arch}-{run.task}"  # "#2 LSTM · sentiment"
    st.markdown(
        f"The active run, **{run.name}**: weights in safetensors, with its configuration, "
        "vocabulary and history in the file's header. Loading never runs code from the file."
    )
    left, right = st.columns(2)
    left.download_button(
        "Download the model file",
        lambda: save_run(run),
        f"{file_stem}.safetensors",
        "application/octet-stream",
        icon=":material/download:",
        key="runs_download_model",
    )
    right.download_button(
        "Download its history (CSV)",
        lambda: run.history.to_csv(index=False),
        f"{file_stem}-history.csv",
        "text/csv",
        icon=":material/table:",
        key="runs_download_history",
    )


def load_model_file() -> None:
    """A model file saved from this page, loaded back as a new run (the active one)."""
    st.subheader("Load a model file")
    # A new, empty box after each file loaded: the browser sends nothing when the file just removed from
    # a box is chosen in it again, so loading the same file twice silently did nothing
    uploads = st.session_state.setdefault("runs_uploads", 0)
    full_note()
    upload = st.file_uploader(
        "A .safetensors model file saved from this page",
        type=None,  # any name: a .pt chosen by mistake gets the loader's reason, not "files are not allowed"
        key=f"runs_upload_{uploads}",
        max_upload_size=MAX_FILE_BYTES // 2**20,  # the largest file the app writes fits (tests/test_io.py)
    )
    if upload is not None:
        try:
            loaded = load_run(upload.getvalue())
        except ModelFileError as error:
            st.error(escape_markdown(str(error), 1000))
        else:
            dropped = add_run(loaded)
            st.session_state["runs_uploads"] = uploads + 1
            st.session_state["runs_loaded_note"] = (
                f"Loaded {loaded.name} from “{escape_markdown(upload.name, 80)}” ({loaded.num_parameters:,} "
                "parameters). It is now the active run."
                + "".join(
                    f" To make room, {escape_markdown(name)} was removed (a browser keeps at most "
                    f"{MAX_RUNS} runs)."
                    for name in dropped
                )
            )
            st.rerun()  # the sidebar, drawn before this page, then lists it as the active run
    if note := st.session_state.pop("runs_loaded_note", None):  # once, on the rerun after loading
        st.success(note)


st.title("Runs")
st.markdown(
    f"Every model you train is kept here (at most {MAX_RUNS}; the oldest goes first). Compare "
    "them, delete the ones you are done with, or save one as a model file."
)
kept = runs()
if not kept:
    st.info("No runs yet: train one on Home or Train, or load a model file below.")
else:
    names = {run.id: run.name for run in kept}
    if "runs_chosen" not in st.session_state and (linked := linked_comparison(kept)):
        st.session_state["runs_chosen"] = linked  # a reload: the choice the address bar kept
    chosen_ids = multiselect(
        st,
        "Runs to compare",
        list(names),
        default=[r.id for r in kept[-3:]],
        format_func=names.get,
        key="runs_chosen",
        placeholder="Pick runs to draw their curves",
    )
    chosen = [run for run in kept if run.id in chosen_ids]
    numbers = ",".join(str(run.number or run.id) for run in chosen)
    if st.query_params.get(COMPARE_PARAM) != numbers:
        if numbers:
            st.query_params[COMPARE_PARAM] = numbers
        else:
            st.query_params.pop(COMPARE_PARAM, None)
    if chosen:
        histories = {run.name: run.history for run in chosen}
        tasks = {run.name: run.task for run in chosen}
        left, right = st.columns(2)
        left.plotly_chart(runs_comparison(histories, "loss", tasks=tasks), key="runs_loss")
        right.plotly_chart(runs_comparison(histories, "accuracy", tasks=tasks), key="runs_accuracy")
        if any(run.task == "next-word" and run.config.data.source == "built-in" for run in chosen):
            st.caption(
                f"Next-word accuracy on the built-in language: {NEXT_WORD_CEILING} Models that reach that "
                "ceiling end level with each other."
            )
        with st.expander(
            "How their configurations differ" if len(chosen) > 1 else "Its configuration", expanded=True
        ):
            differences = config_differences(chosen)
            if differences.empty:
                st.caption("The chosen runs have the same configuration.")
            else:
                differences.index = [config_label(field) for field in differences.index]
                st.dataframe(differences)
    else:
        st.info("No run chosen: pick one or more in the box above to draw their curves and settings.")

    st.subheader("Your runs")
    runs_table()  # newest first; a dash where a figure does not apply to a run
    # Deleting is its own choice, none picked at first, behind a popover: one click next to the
    # comparison's defaults (the newest three) removed them for good.
    with st.popover("Delete runs…", icon=":material/delete:"):
        doomed = multiselect(  # newest first, as in the table and the sidebar
            st, "Runs to delete", list(reversed(names)), default=[], format_func=names.get, key="runs_doomed"
        )
        st.caption(
            "Deleted runs leave this browser and the server for good. Download a run's model file "
            "below first to keep a copy."
        )
        count = f"{len(doomed)} run{'' if len(doomed) == 1 else 's'}"
        if st.button(f"Delete {count} for good", type="primary", disabled=not doomed, key="runs_delete"):
            delete_runs(set(doomed))
            st.rerun()  # the box's chips of the deleted runs go with them (`ui.widgets.multiselect`)
    save_active_run()
load_model_file()
keep_days = run_store().settings.keep_days
st.caption(
    f"Your runs are saved on this server and come back after a reload, a lost connection or a "
    f"restart of the server, for {keep_days:g} days after your last visit. Only this browser gets "
    "them back (a cookie tells it apart; nothing in a link does): another browser or a private "
    "window starts empty. Deleting a run here deletes it from the server too."
)
