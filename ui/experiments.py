"""Running a lab experiment in the page: a slot on the server, progress, a chart that grows, Stop."""

from __future__ import annotations

import dataclasses
import inspect
import itertools
import json
import logging
import time
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
import torch

from playground.budget import format_duration
from playground.config import ARCH_LABELS, default_config
from playground.experiments.agreement import training_profile
from playground.experiments.common import ExperimentResult
from playground.experiments.estimate import rough_seconds, rough_seconds_left
from playground.experiments.registry import EXPERIMENTS, reference_result
from playground.text import escape_markdown
from playground.train import MAX_TRAINING_STEPS
from ui.session_cache import kept
from ui.state import device, experiment_saver, persist_experiment
from ui.training import stop_requested, training_slot
from ui.widgets import forget_unless

logger = logging.getLogger(__name__)
_chart_ids = itertools.count()


def results() -> dict[str, ExperimentResult]:
    """This session's experiment results by name, finished or stopped part-way."""
    return st.session_state.setdefault("lab_results", {})


def experiment(
    name: str,
    label: str,
    settings: Callable[[], dict | None],
    settings_label: str,
    figure: Callable[[pd.DataFrame], go.Figure],
    summary: Callable[[pd.DataFrame], list[str]],
    table: Callable,
    view: tuple = (),
) -> None:
    """One experiment: its result first, then its settings (folded) and Run button, disabled until
    `settings()` gives settings; a run shows live under the button.

    The result is this session's run if there is one, else the shipped measurement; it comes first so
    the chart, not the controls, fills the first screen. `view` holds what `figure` depends on besides
    the table (a chosen score), so the figure is kept per result and view (`ui/session_cache.py`).
    """
    result_area = st.container()
    with st.expander(settings_label):
        chosen = settings()
    if chosen is not None:  # the time follows the settings (it said "about 7 minutes" for 20 seconds)
        stopped = results().get(name)
        if stopped is not None and not stopped.complete and goes_on_from(name, chosen, stopped):
            # the same settings as the stopped run: Run goes on from its points, as "Measure the rest"
            label += rough_time(lambda: rough_seconds_left(name, chosen, stopped.rows), " for the rest")
        else:
            label += rough_time(lambda: rough_seconds(name, chosen), " on an idle 2-core CPU")
    if st.button(label, type="primary", key=f"lab_{name}_run", disabled=chosen is None):
        run_live(name, chosen, figure)
    with result_area:
        show_result(name, figure, summary, table, view)


def result_key(result: ExperimentResult) -> tuple:
    """What a figure of `result` depends on: a result only grows (rows, seconds) while it runs."""
    return (repr(result.settings), len(result.rows), result.seconds, result.complete)


def run_live(name: str, settings: dict, figure: Callable[[pd.DataFrame], go.Figure]) -> None:
    """Run experiment `name` with a progress bar and a chart redrawn at every finished point.

    Any click reruns the page and stops the experiment at its next report; the points measured by
    then stay in the session.
    """
    with training_slot() as granted:
        if granted:
            _run_with_progress(name, settings, figure)


def rough_time(seconds: Callable[[], float | None], where: str = "") -> str:
    """' (about 20 s)' for a button, where the estimate applies: the shipped times are a CPU's."""
    if torch.device(device()).type != "cpu" or (estimate := seconds()) is None:
        return ""
    return f" (about {format_duration(max(estimate, 1.0))}{where})"


def points(count: int) -> str:
    """A count of points in words: '1 point', '2 points'."""
    return f"{count} point{'' if count == 1 else 's'}"


class _StoppedExperiment(Exception):
    """Raised from an experiment's progress report once Stop (or any click) asked the script run to stop."""


def _run_with_progress(name: str, settings: dict, figure: Callable[[pd.DataFrame], go.Figure]) -> None:
    live = st.empty()  # the Stop button, bar and live chart: cleared when the run ends (one Stop, not two)
    # Bound now: after a Stop click every Streamlit call raises, st.session_state included, and the
    # points measured by then must still reach this session's results and the store
    kept, save, stop = results(), experiment_saver(), stop_requested()
    finished = None
    try:
        area = live.container()
        row = area.container(horizontal=True, vertical_alignment="center")  # button as wide as its label
        row.button(
            "Stop",
            icon=":material/stop:",
            key=f"lab_stop_{name}",
            help="Stops after the current report; the points measured so far are kept.",
        )
        bar = row.progress(0.0, text="Starting…")
        area.caption(
            "Any click on this page stops the run (a chart's control too); the points measured are kept."
        )
        chart = area.empty()
        drawn, started = 0, time.perf_counter()
        saved = started
        stopped = kept.get(name)
        # A finished run is kept if this one, with the very same settings, is stopped part-way: the
        # part would otherwise replace the whole (review 21: a reload lost a 3-model result)
        finished = (
            stopped
            if stopped is not None and stopped.complete and goes_on_from(name, settings, stopped)
            else None
        )
        stopped = stopped if stopped is not None and not stopped.complete else None

        def show(result: ExperimentResult, fraction: float) -> None:
            nonlocal drawn, saved
            if stop() and not result.complete:
                # A point finished after the click: the page the click started already says how many
                # were kept, so this one is not added (it was, and a reload showed one more).
                raise _StoppedExperiment
            if result.rows or result.complete:  # before its first point, an earlier result stays
                # A copy: the experiment appends its next point to its own rows while the page reads these.
                kept[name] = result = dataclasses.replace(result, rows=list(result.rows))
                # a part of a run that a finished one stands in for is not stored: a reload finds the whole
                if (time.perf_counter() - saved > 5.0 and finished is None) or result.complete:
                    persist_experiment(result)  # a reload or a server restart keeps the points measured
                    saved = time.perf_counter()
            elapsed = result.seconds or time.perf_counter() - started  # the time a stopped run reports
            carried = f" ({result.carried} kept from your stopped run)" if result.carried else ""
            bar.progress(
                min(fraction, 1.0), text=f"{points(len(result.rows))} measured{carried} · {elapsed:.0f} s"
            )
            if len(result.rows) > drawn and result.rows:
                drawn = len(result.rows)
                chart.plotly_chart(figure(result.table), key=f"lab_live_{next(_chart_ids)}")

        kept[name] = EXPERIMENTS[name].run(**settings, device=device(), progress=show, resume=stopped)
    except _StoppedExperiment:
        pass
    except ValueError as error:
        st.error(f"{escape_markdown(str(error), 1000)}.")
    finally:
        if finished is not None and not kept[name].complete:
            kept[name] = finished
        if name in kept:
            save(kept[name])
        live.empty()


def show_result(
    name: str,
    figure: Callable[[pd.DataFrame], go.Figure],
    summary: Callable[[pd.DataFrame], list[str]],
    aggregate: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    view: tuple = (),
) -> None:
    """The stored result of `name`: chart, what it shows against the published result, table, JSON.

    Until the learner runs it, the shipped multi-seed result, with the commands that measured it.
    """
    result = results().get(name)
    reference = reference_result(name)
    own = result is not None and bool(result.rows)
    if own and reference is not None and shipped_chosen(name, reference[0]):
        result = None
    if result is None or not result.rows:
        if reference is None:
            return
        result, reports = reference
        machine = " and ".join(dict.fromkeys(report.get("machine", "a CPU") for report in reports))
        commands = "; ".join(f"`{report['command']}`" for report in reports)
        then = (
            f"Your own run is kept: “{YOUR_RUN}” above shows it again."
            if own
            else "Press the button below to measure it here, live, with one seed."
        )
        provenance = (
            f"Measured earlier on {machine}, {result.seconds / 60:.1f} min in all, with {commands}. {then}"
        )
    else:
        provenance = ""
    table = result.table
    chart, lines, aggregated = kept(
        ("lab", name, *view, *result_key(result)),
        lambda: (figure(table), summary(table), aggregate(table) if aggregate is not None else None),
    )
    if not result.complete:
        settings = resumable_settings(name, result)
        st.warning(
            f"Stopped after {points(len(result.rows))} ({result.seconds:.0f} s), with "
            f"{escape_markdown(settings_text(settings))}. These are kept: **Measure the rest** goes on "
            "from them. A run with other settings starts over, and replaces these once its first "
            "point is measured.",
            icon=":material/pause:",
        )
        rest = "Measure the rest" + rough_time(lambda: rough_seconds_left(name, settings, result.rows))
        if st.button(rest, icon=":material/play_arrow:", key=f"lab_{name}_rest"):
            run_live(name, settings, figure)  # with the stopped result's own settings: it is resumed
            st.rerun()  # the finished (or again stopped) result, drawn from the top
    st.plotly_chart(chart, key=f"lab_chart_{name}")
    if provenance:
        st.caption(provenance)
    st.markdown("**What we measured:** " + " ".join(lines))
    st.markdown(f"**Published:** {EXPERIMENTS[name].published}")
    with st.expander("The numbers"):
        if aggregated is not None:
            st.caption("Over seeds: mean, standard deviation (std), lowest (low) and highest (high).")
            st.dataframe(aggregated, hide_index=True)
            st.caption("Every seed's rows:")
        st.dataframe(table, hide_index=True)
        st.download_button(
            "Download as JSON",
            json.dumps(result.to_dict(), indent=2),
            f"{name}.json",
            "application/json",
            icon=":material/download:",
            key=f"lab_json_{name}",
        )


def resumable_settings(name: str, result: ExperimentResult) -> dict:
    """The arguments that run experiment `name` again as `result` was run (what else it records, out)."""
    accepted = inspect.signature(EXPERIMENTS[name].run).parameters
    return {k: v for k, v in result.settings.items() if k in accepted and k != "device"}


def goes_on_from(name: str, chosen: dict, stopped: ExperimentResult) -> bool:
    """Whether running `name` with `chosen` (and the defaults of what the page does not set) goes on
    from `stopped`: the experiment keeps a stopped run's points only for the very same settings."""
    parameters = inspect.signature(EXPERIMENTS[name].run).parameters
    defaults = {k: p.default for k, p in parameters.items() if p.default is not inspect.Parameter.empty}
    settings = resumable_settings(name, stopped)
    return {k: v for k, v in {**defaults, **chosen}.items() if k in settings} == settings


def settings_text(settings: dict) -> str:
    """Settings as a learner reads them: 'lengths 25, 100; architectures tanh, lstm; steps 3,000'."""

    def value(v: object) -> str:
        if isinstance(v, list | tuple):
            return ", ".join(value(item) for item in v)
        if isinstance(v, str):
            return ARCH_LABELS.get(v, v)  # "LSTM", as the page's models are named, not "lstm"
        return f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else str(v)

    return "; ".join(f"{key.replace('_', ' ')} {value(v)}" for key, v in settings.items())


YOUR_RUN, SHIPPED = "Your run", "The shipped measurement"


def shipped_chosen(name: str, shipped: ExperimentResult) -> bool:
    """Whether the learner, who has a run of their own of `name`, chose to see the shipped result again."""
    key = f"lab_show_{name}"
    forget_unless(key, lambda v: v in (YOUR_RUN, SHIPPED))
    seeds = len(set(shipped.table["seed"])) if "seed" in shipped.table else 1
    shown = st.segmented_control(
        "Show",
        [YOUR_RUN, SHIPPED],
        format_func=lambda v: v if v == YOUR_RUN else f"{v} ({seeds} seed{'s' if seeds > 1 else ''})",
        default=YOUR_RUN,
        required=True,
        key=key,
        help="Your run replaced the shipped result on this chart; this brings it back, to compare.",
    )
    return shown == SHIPPED


@st.cache_data(show_spinner=False)
def cached_training_profile(num_sentences: int) -> dict:
    """What the agreement models' training data shows (a fraction of a second, kept per server)."""
    return training_profile(num_sentences, default_config("next-word", "rnn").data.data_seed)


def steps_choice(label: str, options: list[int], default: int, key: str) -> int:
    """A steps slider that never offers more than the server allows."""
    allowed = [n for n in options if n <= MAX_TRAINING_STEPS] or [MAX_TRAINING_STEPS]
    return st.select_slider(label, allowed, value=min(default, allowed[-1]), key=key)
