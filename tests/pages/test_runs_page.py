"""The 'Runs' page under AppTest: compare, delete, save and load model files."""

import copy

from playground.io import save_run
from playground.text import escape_markdown
from tests.pages.test_pages import app, no_errors, open_page, tiny_training


def test_without_runs_it_says_what_to_do():
    at = open_page(app(), "runs")
    no_errors(at)
    assert "No runs yet" in at.info[0].value


def test_compare_and_delete():
    at = tiny_training(open_page(app(), "train"), "sentiment", "rnn")
    at = tiny_training(at, "sentiment", "lstm")
    at = open_page(at, "runs")
    no_errors(at)
    assert len(at.multiselect(key="runs_chosen").value) == 2
    assert len(at.get("plotly_chart")) == 2
    differences = at.dataframe[0].value  # under the charts, before the table of every run
    assert "Architecture" in differences.index and "Seed" not in differences.index  # Train's labels
    assert at.query_params["compare"] == "1,2"  # a reload keeps the comparison (review 21)
    at.multiselect(key="runs_chosen").set_value([]).run()
    no_errors(at)
    assert "No run chosen" in at.info[0].value and not at.get("plotly_chart")
    assert "compare" not in at.query_params
    at.multiselect(key="runs_chosen").set_value([r.id for r in at.session_state["runs"]]).run()
    assert at.query_params["compare"] == "1,2"
    assert at.multiselect(key="runs_doomed").value == [] and at.button(key="runs_delete").disabled
    at.multiselect(key="runs_doomed").set_value([at.session_state["runs"][0].id]).run()
    assert at.button(key="runs_delete").label == "Delete 1 run for good"
    at.button(key="runs_delete").click().run()
    no_errors(at)
    assert [r.config.model.arch for r in at.session_state["runs"]] == ["lstm"]
    assert len(at.multiselect(key="runs_chosen").value) == 1  # the comparison lost the deleted run


def test_a_saved_model_file_loads_and_a_bad_one_is_refused():
    at = tiny_training(open_page(app(), "train"), "next-word", "lstm")
    raw = save_run(at.session_state["runs"][0])
    at = open_page(at, "runs")
    uploader = at.file_uploader(key=f"runs_upload_{at.session_state['runs_uploads']}")
    uploader.set_value(("model.safetensors", raw, "application/octet-stream")).run()
    no_errors(at)
    assert "Loaded" in at.success[0].value and len(at.session_state["runs"]) == 2
    loaded = at.session_state["runs"][-1]
    assert at.selectbox(key="active_run_picker").value == loaded.id  # the sidebar shows it at once
    again = at.file_uploader(key=f"runs_upload_{at.session_state['runs_uploads']}")
    assert again.value is None  # a new, empty box: the same file chosen again is sent again
    again.set_value(("model.safetensors", raw, "application/octet-stream")).run()
    assert "Loaded #3" in at.success[0].value and "“model\\.safetensors”" in at.success[0].value
    uploader = at.file_uploader(key=f"runs_upload_{at.session_state['runs_uploads']}")
    uploader.set_value(("model.pt", b"\x80\x04junk", "application/x")).run()  # any name: the loader says why
    assert "pickle" in at.error[0].value and len(at.session_state["runs"]) == 3
    at.run()  # the refused file stays in its box, and is refused again, not loaded
    assert "pickle" in at.error[0].value and len(at.session_state["runs"]) == 3


def test_a_stopped_runs_file_loads_without_a_made_up_test_score():
    """Its Train page said "Test accuracy 0.0%" for a training that never reached its test."""
    at = tiny_training(open_page(app(), "train"), "next-word", "lstm")
    stopped = copy.copy(at.session_state["runs"][0])
    stopped.status, stopped.metrics = "stopped", {k: v for k, v in stopped.metrics.items() if "test" not in k}
    at = open_page(at, "runs")
    at.file_uploader(key=f"runs_upload_{at.session_state['runs_uploads']}").set_value(
        ("s.safetensors", save_run(stopped), "application/x")
    ).run()
    at = open_page(at, "train")
    no_errors(at)
    assert any("did not finish" in w.value and "no test score" in w.value for w in at.warning)
    assert not any("Test accuracy" in s.value for s in at.success)


def test_a_deleted_runs_number_is_not_given_again():
    """#2 deleted, the next run was #2 again: a downloaded run-2-… file then named another model."""
    from streamlit.testing.v1 import AppTest

    from tests.pages.test_pages import APP

    at = tiny_training(open_page(app(), "train"), "sentiment", "rnn")
    at = tiny_training(at, "sentiment", "bow")
    at = open_page(at, "runs")
    at.multiselect(key="runs_doomed").set_value([at.session_state["runs"][1].id]).run()
    at.button(key="runs_delete").click().run()
    at = tiny_training(open_page(at, "train"), "sentiment", "bow")
    assert [r.number for r in at.session_state["runs"]] == [1, 3]
    again = AppTest.from_file(APP, default_timeout=180)
    again.session_state["browser_id"] = at.session_state["browser_id"]  # a reload: the same browser
    again = open_page(again.run(), "runs")
    again.multiselect(key="runs_doomed").set_value([again.session_state["runs"][1].id]).run()
    again.button(key="runs_delete").click().run()  # #3 deleted
    reload = AppTest.from_file(APP, default_timeout=180)
    reload.session_state["browser_id"] = at.session_state["browser_id"]
    reload = tiny_training(open_page(reload.run(), "train"), "sentiment", "bow")
    assert [r.number for r in reload.session_state["runs"]] == [1, 4]  # the store's markers hold #3


def test_two_tabs_of_one_browser_never_give_two_runs_one_number():
    """Tabs A and B each loaded a file as "#9": a third tab listed two runs called #9."""
    from streamlit.testing.v1 import AppTest

    from tests.pages.test_pages import APP

    first = tiny_training(open_page(app(), "train"), "sentiment", "bow")
    raw = save_run(first.session_state["runs"][0])
    browser = first.session_state["browser_id"]
    tabs = []
    for _ in range(2):  # both open before either loads: each holds only #1
        tab = AppTest.from_file(APP, default_timeout=180)
        tab.session_state["browser_id"] = browser
        tabs.append(open_page(tab.run(), "runs"))
    for tab in tabs:
        tab.file_uploader(key=f"runs_upload_{tab.session_state['runs_uploads']}").set_value(
            ("model.safetensors", raw, "application/octet-stream")
        ).run()
        no_errors(tab)
    assert [tab.session_state["runs"][-1].number for tab in tabs] == [2, 3]
    third = AppTest.from_file(APP, default_timeout=180)
    third.session_state["browser_id"] = browser
    third = open_page(third.run(), "runs")
    assert sorted(r.number for r in third.session_state["runs"]) == [1, 2, 3]


def test_at_the_cap_a_load_says_which_run_it_will_remove_and_which_it_removed(monkeypatch):
    """Review 19: the 13th model file silently removed the learner's first model (a toast, lost in the
    rerun, was the only word of it)."""
    import ui.state

    monkeypatch.setattr(ui.state, "MAX_RUNS", 2)
    at = tiny_training(open_page(app(), "train"), "sentiment", "bow")
    first = at.session_state["runs"][0]
    name = escape_markdown(first.name)
    raw = save_run(first)
    at = open_page(at, "runs")
    assert not any("a browser keeps at most" in c.value for c in at.caption)  # one run: room left
    at.file_uploader(key=f"runs_upload_{at.session_state['runs_uploads']}").set_value(
        ("model.safetensors", raw, "application/octet-stream")
    ).run()
    assert "removed" not in at.success[0].value
    warned = [c.value for c in at.caption if "a browser keeps at most" in c.value]
    assert len(warned) == 1 and f"replaces the oldest, **{name}**" in warned[0]
    at.file_uploader(key=f"runs_upload_{at.session_state['runs_uploads']}").set_value(
        ("model.safetensors", raw, "application/octet-stream")
    ).run()
    no_errors(at)
    assert f"To make room, {name} was removed" in at.success[0].value
    assert first.id not in [r.id for r in at.session_state["runs"]]
    at = open_page(at, "train")
    assert any("a browser keeps at most" in c.value for c in at.caption)  # and before Train too
    at = open_page(at, "recurrence")  # and by every page's own Train buttons (review 20)
    assert at.button(key="recurrence_train_rnn")
    assert any("a browser keeps at most 2: the next one" in c.value for c in at.caption)


def test_a_reload_keeps_a_hand_picked_comparison():
    """Review 21: a reload went back to the newest three; the address bar now names the runs."""
    from streamlit.testing.v1 import AppTest

    from tests.pages.test_pages import APP

    at = tiny_training(open_page(app(), "train"), "sentiment", "rnn")
    at = tiny_training(at, "sentiment", "lstm")
    at = tiny_training(at, "sentiment", "bow")
    kept = at.session_state["runs"]
    reloaded = AppTest.from_file(APP, default_timeout=300)
    reloaded.session_state["runs"] = kept  # what the run store gives a reload back
    reloaded.query_params["compare"] = "3,1,99,x"  # two kept runs, one deleted, one not a number
    reloaded.switch_page("app_pages/runs.py").run()
    no_errors(reloaded)
    assert reloaded.multiselect(key="runs_chosen").value == [kept[2].id, kept[0].id]
