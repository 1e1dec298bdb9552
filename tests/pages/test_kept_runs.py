"""A learner's runs: a copy handed on twice (a click stopped the script run that kept it) is kept once."""

from streamlit.testing.v1 import AppTest

from playground.text import escape_markdown


def keep_the_same_run_twice():
    import streamlit as st

    from playground.config import default_config
    from playground.data.datasets import build_builtin
    from playground.run import create_run
    from ui.state import add_run, runs

    config = default_config("sentiment", "bow")
    config.data.num_sentences = 200
    run = create_run(config, build_builtin(config.data))
    add_run(run)
    add_run(run)  # as settle_runs does with a copy the stopped script run had already kept
    st.write(f"kept {len(runs())}: {[r.number for r in runs()]}")


def test_a_run_handed_on_twice_is_listed_once():
    app = AppTest.from_function(keep_the_same_run_twice, default_timeout=60).run()
    assert not app.exception
    assert app.markdown[0].value == "kept 1: [1]"


def test_a_run_deleted_in_another_tab_of_the_browser_leaves_this_one_too():
    """Tab C went on showing (and listing) a run tab B of the same browser had deleted; then, told,
    it fell back to the newest run, a model the page it was on could not show."""
    from tests.pages.test_pages import APP, no_errors, open_page, tiny_training
    from ui.state import run_store

    first = open_page(AppTest.from_file(APP, default_timeout=180).run(), "train")
    for arch in ("rnn", "rnn", "bow"):
        first = tiny_training(first, "sentiment", arch)
    browser = first.session_state["browser_id"]
    older, doomed, newest = first.session_state["runs"]
    other = AppTest.from_file(APP, default_timeout=180)
    other.session_state["browser_id"] = browser  # the same cookie: another tab
    other = open_page(other.run(), "recurrence")
    same = next(r for r in other.session_state["runs"] if r.uid == doomed.uid)  # restored: its own id
    other.selectbox(key="active_run_picker").set_value(same.id).run()
    assert [r.uid for r in other.session_state["runs"]] == [older.uid, doomed.uid, newest.uid]
    run_store().delete(browser, doomed)  # what the first tab's Delete does
    other.text_input(key="recurrence_text").input("the film was great").run()
    no_errors(other)
    assert [r.uid for r in other.session_state["runs"]] == [older.uid, newest.uid]
    assert [t.value for t in other.toast if "deleted in another tab" in t.value] == [
        f"{escape_markdown(doomed.name)} was deleted in another tab of this browser. This tab now shows "
        f"{escape_markdown(older.name)}."
    ]
    shown = next(r for r in other.session_state["runs"] if r.id == other.session_state["active_run_id"])
    assert shown.uid == older.uid  # an RNN like the one deleted, not the newest (a bag of words)
    assert not any("no recurrence" in i.value for i in other.info)


def test_a_deleted_runs_stand_in_is_the_newest_most_like_it():
    """An RNN deleted with an LSTM of another task and a Transformer of its own task left: the LSTM,
    which the recurrent pages it was shown on can show, not the Transformer."""
    from types import SimpleNamespace

    from ui.state import most_like

    def run(arch: str, task: str, name: str) -> SimpleNamespace:
        return SimpleNamespace(config=SimpleNamespace(model=SimpleNamespace(arch=arch)), task=task, name=name)

    gone = run("rnn", "sentiment", "gone")
    lstm, transformer = run("lstm", "next-word", "lstm"), run("transformer", "sentiment", "transformer")
    assert most_like(gone, [lstm, transformer]).name == "lstm"
    assert most_like(gone, [transformer, lstm]).name == "lstm"
    older_rnn, newer_rnn = run("rnn", "next-word", "older"), run("rnn", "next-word", "newer")
    assert most_like(gone, [older_rnn, lstm, newer_rnn]).name == "newer"  # same architecture, newest
    bow, other_bow = run("bow", "next-word", "bow"), run("bow", "sentiment", "bow of its task")
    assert most_like(gone, [other_bow, bow]).name == "bow of its task"  # nothing recurrent: same task
    assert most_like(run("transformer", "next-word", "t"), [lstm, bow]).name == "bow"  # not recurrent either


def test_runs_deleted_together_in_another_tab_are_one_toast():
    """Ten runs deleted at once in one tab put ten toasts over a third of the other tab."""
    from tests.pages.test_pages import APP, no_errors, open_page, tiny_training
    from ui.state import run_store

    first = open_page(AppTest.from_file(APP, default_timeout=180).run(), "train")
    for arch in ("bow", "bow", "bow"):
        first = tiny_training(first, "sentiment", arch)
    other = AppTest.from_file(APP, default_timeout=180)
    other.session_state["browser_id"] = first.session_state["browser_id"]
    other = open_page(other.run(), "encoding")
    for run in first.session_state["runs"][1:]:
        run_store().delete(first.session_state["browser_id"], run)
    other.run()
    no_errors(other)
    toasts = [t.value for t in other.toast if "deleted in another tab" in t.value]
    assert toasts == [
        "2 runs (#2, #3) were deleted in another tab of this browser. This tab now shows "
        + escape_markdown("#1 Bag of words · sentiment")
        + "."
    ]
    assert other.session_state["highest_deleted_number"] == 3


def test_a_run_added_in_another_tab_of_the_browser_comes_to_this_one_once_it_has_settled():
    """A run trained in one tab did not appear in the browser's other open tab until a reload."""
    import os
    import time

    from tests.pages.test_pages import APP, no_errors, open_page, tiny_training
    from ui.state import run_store

    first = open_page(AppTest.from_file(APP, default_timeout=180).run(), "train")
    first = tiny_training(first, "sentiment", "bow")
    browser = first.session_state["browser_id"]
    other = AppTest.from_file(APP, default_timeout=180)
    other.session_state["browser_id"] = browser  # the same cookie: another tab
    other = open_page(other.run(), "runs")
    assert len(other.session_state["runs"]) == 1
    shown_before = other.session_state["active_run_id"]

    first = tiny_training(first, "sentiment", "rnn")
    added = first.session_state["runs"][-1]
    checkpoint = first.session_state["runs"][0]  # a training still going on in the first tab
    checkpoint.status, checkpoint.uid, checkpoint.number = "training", "0" * 32, 3
    run_store().save(browser, checkpoint)
    other.run()
    no_errors(other)
    assert [r.uid for r in other.session_state["runs"]][1:] == [added.uid]  # the checkpoint waits
    assert other.session_state["runs"][-1].number == added.number == 2
    assert other.session_state["active_run_id"] == shown_before  # the page this tab shows stays
    assert [t.value for t in other.toast if "another tab" in t.value] == [
        f"From another tab of this browser: {escape_markdown(added.name)}. Pick it under **Active run**."
    ]
    other.run()
    assert len(other.session_state["runs"]) == 2 and not other.toast  # once
    stored = run_store().folder(browser) / f"{checkpoint.uid}.safetensors"
    long_ago = time.time() - 120
    os.utime(stored, (long_ago, long_ago))  # no checkpoint since: the server running it stopped
    other.run()
    assert other.session_state["runs"][-1].uid == checkpoint.uid
    assert other.session_state["runs"][-1].status == "interrupted"


def number_a_copy_kept_after_a_reload():
    import streamlit as st

    from playground.config import default_config
    from playground.data.datasets import build_builtin
    from playground.run import create_run
    from ui.browser import browser_id
    from ui.state import add_run, number_giver, run_store, runs, settle_runs

    config = default_config("sentiment", "bow")
    config.data.num_sentences = 200
    data = build_builtin(config.data)
    add_run(create_run(config, data))  # #1
    give = number_giver()  # bound when a shared training starts to be watched
    run_store().note_number(browser_id(), 2)  # meanwhile another tab of the browser gave #2
    copy = create_run(config, data)
    copy.number = give()  # the reload stopped the script run: the copy is numbered and stored then
    st.session_state["arrived_copies"] = [(copy, False)]
    settle_runs()  # a next script run of this tab (a click, not a reload) takes it in
    st.write(f"numbers {[r.number for r in runs()]}, noted {run_store().last_number(browser_id())}")


def test_a_copy_kept_after_its_watcher_was_stopped_never_takes_another_tabs_number():
    """Two tabs trained; one was reloaded mid-training: its copy, numbered when the training started,
    and the other tab's run were both "#2 LSTM · next-word" (the comparison then drew one of them)."""
    app = AppTest.from_function(number_a_copy_kept_after_a_reload, default_timeout=60).run()
    assert not app.exception
    assert app.markdown[0].value == "numbers [1, 3], noted 3"


def test_a_link_to_one_of_the_browsers_runs_is_named_in_the_sidebar_at_once():
    """Review 19: the page showed the linked run while the sidebar went on naming the newest one."""
    from playground.config import to_query_params
    from tests.pages.test_pages import APP, no_errors, open_page, tiny_training

    first = open_page(AppTest.from_file(APP, default_timeout=180).run(), "train")
    for arch in ("rnn", "bow"):
        first = tiny_training(first, "sentiment", arch)
    linked, newest = first.session_state["runs"]
    other = AppTest.from_file(APP, default_timeout=180)
    other.session_state["browser_id"] = first.session_state["browser_id"]  # a new tab of that browser
    other.query_params.update(to_query_params(linked.config))
    other = other.switch_page("app_pages/gradients.py").run()
    no_errors(other)
    assert "Showing the shared view on" in other.success[0].value
    shown = next(r for r in other.session_state["runs"] if r.uid == linked.uid)
    assert other.session_state["active_run_id"] == shown.id
    assert other.selectbox(key="active_run_picker").value == shown.id  # not the newest, a bag of words


def test_a_reload_opens_on_the_run_the_learner_had_active_not_the_newest():
    """Review 19: after Backprop's demo pair, a reloaded tab showed the SGD demo run (the newest) on
    every page instead of the learner's own model."""
    from tests.pages.test_pages import APP, no_errors, open_page, tiny_training

    first = open_page(AppTest.from_file(APP, default_timeout=180).run(), "train")
    for arch in ("rnn", "bow"):
        first = tiny_training(first, "sentiment", arch)
    chosen, newest = first.session_state["runs"]
    first.selectbox(key="active_run_picker").set_value(chosen.id).run()
    first = open_page(first, "predict")  # any next script run notes the choice
    reloaded = AppTest.from_file(APP, default_timeout=180)
    reloaded.session_state["browser_id"] = first.session_state["browser_id"]
    reloaded = open_page(reloaded.run(), "predict")
    no_errors(reloaded)
    active = next(
        r for r in reloaded.session_state["runs"] if r.id == reloaded.session_state["active_run_id"]
    )
    assert active.uid == chosen.uid != newest.uid
