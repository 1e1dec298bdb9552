"""The lecture's path where it comes back to a page: the LSTM's gates on Inside the recurrence."""

from tests.pages.test_pages import app, no_errors, open_page, tiny_training
from ui.lecture import LECTURE_PATH, LSTM_STOP, next_stops

RECURRENCE, GRADIENTS, LIMITS = "app_pages/recurrence.py", "app_pages/gradients.py", "app_pages/limits.py"
LSTM_AT = next(i for i, (_, title, _) in enumerate(LECTURE_PATH) if title == LSTM_STOP)


def titles(stops) -> list[str]:
    return [title for _, (_, title, _) in stops]


def test_the_lstm_stop_leads_on_to_the_limits_not_back_to_backprop():
    """Review 19: the LSTM stop's page offered only "Next: Backprop through time", a loop."""
    assert titles(next_stops(RECURRENCE)) == ["Backprop through time"]
    assert titles(next_stops(GRADIENTS)) == [LSTM_STOP, "Limits of RNNs"]
    assert titles(next_stops(RECURRENCE, LSTM_AT)) == ["Limits of RNNs"]
    assert [number for number, _ in next_stops(GRADIENTS)] == [LSTM_AT, LSTM_AT + 1]


def next_links(at) -> list[str]:
    return [link.proto.label for link in at.get("page_link") if link.proto.label.startswith("Next:")]


def test_the_lstm_stop_with_an_rnn_offers_an_lstm_and_keeps_its_place_on_the_path():
    at = tiny_training(open_page(app(), "train"), "next-word", "rnn")
    at.query_params["stop"] = str(LSTM_AT)  # the stop's link, from Home or Backprop through time
    at = open_page(at, "recurrence")
    no_errors(at)
    assert "This stop of the lecture is the LSTM's gates, and the active run is an RNN" in at.info[0].value
    assert next_links(at) == ["Next: Limits of RNNs"]
    assert f"Stop {LSTM_AT + 1} of the lecture: the LSTM's gates." in [c.value for c in at.caption]
    at.button(key="recurrence_stop_sentiment").click().run()  # the page's own offer
    no_errors(at)
    assert at.session_state["runs"][-1].config.model.arch == "lstm"
    assert not any("LSTM's gates" in i.value for i in at.info)
    assert next_links(at) == ["Next: Limits of RNNs"]  # the page's reruns keep the stop
    at = open_page(at, "home")
    at.query_params.clear()  # the sidebar's link names no stop: the page's first place on the path
    at = open_page(at, "recurrence")
    assert next_links(at) == ["Next: Backprop through time"]
    assert not any("of the lecture: the LSTM's gates" in c.value for c in at.caption)


def test_the_lstm_stop_from_a_transformer_offers_an_lstm_and_leads_on():
    at = tiny_training(open_page(app(), "train"), "next-word", "transformer")
    at.query_params["stop"] = str(LSTM_AT)
    at = open_page(at, "recurrence")
    no_errors(at)
    assert "the active run is a Transformer" in at.info[0].value
    assert at.button(key="recurrence_stop_next")
    assert next_links(at) == ["Next: Limits of RNNs"]


def test_the_lstm_stop_survives_a_reload_without_calling_itself_shared():
    """Review 20: the page rewrote the address bar without `stop=`, so a reload looped back to Backprop,
    and a plain reload said "Showing the shared view on #2"."""
    from streamlit.testing.v1 import AppTest

    from tests.pages.test_pages import APP

    at = tiny_training(open_page(app(), "train"), "sentiment", "lstm")
    at.query_params["stop"] = str(LSTM_AT)
    at = open_page(at, "recurrence")
    no_errors(at)
    address = dict(at.query_params)
    assert address["stop"] == str(LSTM_AT) and address["arch"] == "lstm"  # the view's link keeps the stop
    reloaded = AppTest.from_file(APP, default_timeout=180)
    reloaded.session_state["browser_id"] = at.session_state["browser_id"]
    reloaded.query_params.update(address)
    reloaded = reloaded.switch_page(RECURRENCE).run()
    no_errors(reloaded)
    assert next_links(reloaded) == ["Next: Limits of RNNs"]
    assert not any("Showing the shared view" in s.value for s in reloaded.success)
    at = open_page(at, "predict")
    assert "stop" not in at.query_params  # another page's address bar does not carry it
