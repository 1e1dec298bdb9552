"""Share links on the Train page: the form round-trips through the URL; hostile links are tamed."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.pages.test_pages import no_errors

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")


def open_link(params: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update(params)
    return at.switch_page("app_pages/train.py").run()


def test_a_link_round_trips_the_form():
    first = open_link({})
    first.segmented_control(key="train_task").set_value("sentiment").run()
    first.segmented_control(key="train_arch").set_value("rnn").run()
    first.number_input(key="train_model_sentiment_rnn_hidden_dim").set_value(40).run()
    first.number_input(key="train_train_sentiment_rnn_seed").set_value(11).run()
    link = dict(first.query_params)
    assert link["hidden_dim"] == "40" and link["seed"] == "11" and link["arch"] == "rnn"
    second = open_link(link)
    no_errors(second)
    assert "shared link" in second.info[0].value
    assert second.number_input(key="train_model_sentiment_rnn_hidden_dim").value == 40
    assert second.number_input(key="train_train_sentiment_rnn_seed").value == 11
    assert dict(second.query_params) == link


def test_the_same_link_trains_to_the_same_numbers():
    params = {"task": "sentiment", "arch": "bow", "num_sentences": "400", "epochs": "1", "seed": "5"}
    losses = []
    for _ in range(2):
        at = open_link(params)
        at.button(key="train_button").click().run()
        losses.append(at.session_state["runs"][-1].history["loss"].tolist())
    assert losses[0] == losses[1]


def test_hostile_links_fall_back_visibly_and_never_echo():
    at = open_link(
        {
            "hidden_dim": "1e309",
            "embedding_dim": "-1",
            "seed": "9" * 5000,
            "arch": "<script>alert(1)</script>",
            "source": "upload",
            "bogus": "1",
        }
    )
    no_errors(at)
    shown = " ".join(w.value for w in at.warning)
    assert "Hidden size" in shown and "Embedding size" in shown and "Seed" in shown
    assert "Architecture" in shown and "uploaded file" in shown
    assert "<script>" not in shown and "9999" not in shown
    assert at.segmented_control(key="train_arch").value == "lstm"


def test_the_form_survives_a_visit_to_another_page():
    at = open_link({})
    at.segmented_control(key="train_arch").set_value("rnn").run()
    at.number_input(key="train_model_next-word_rnn_hidden_dim").set_value(24).run()
    at.switch_page("app_pages/predict.py").run()
    at.switch_page("app_pages/train.py").run()
    no_errors(at)
    assert at.segmented_control(key="train_arch").value == "rnn"
    assert at.number_input(key="train_model_next-word_rnn_hidden_dim").value == 24
    assert not at.info or "shared link" not in at.info[0].value  # the app's own URL is no share link


def test_a_link_opened_after_its_model_was_trained_shows_it_at_once():
    """The first learner on a share link trains its model; everyone after gets their own copy, no click."""
    link = {
        "task": "sentiment",
        "arch": "bow",
        "num_sentences": "400",
        "epochs": "1",
        "seed": "17",
        "sentence": "the film was great",
    }

    def open_predict() -> AppTest:
        at = AppTest.from_file(APP, default_timeout=180)
        at.query_params.update(link)
        return at.switch_page("app_pages/predict.py").run()

    first = open_predict()
    first.button(key="predict_link_train").click().run()
    no_errors(first)
    trained = first.session_state["runs"][-1]
    assert trained.status == "finished"

    later = open_predict()
    no_errors(later)
    assert not [b for b in later.button if b.key == "predict_link_train"]  # nothing to press
    assert any("Showing the shared view" in s.value for s in later.success)
    assert any("whoever opened this link first" in i.value for i in later.info)
    copy = later.session_state["runs"][-1]
    assert copy is not trained and copy.id != trained.id  # this learner's own copy
    assert copy.metrics == trained.metrics and copy.config == trained.config
    assert any(m.label == "P(positive)" for m in later.metric)  # the prediction, at once
    picker = later.sidebar.selectbox[0]  # the sidebar lists the copy it shows, on the first screen
    assert picker.label == "Active run" and picker.options == [copy.name] and copy.status == "finished"


def test_a_link_whose_training_was_stopped_offers_the_stopped_run_and_a_full_training():
    """A learner who reloaded during the link's first training comes back to their stopped copy: the
    page says where it stopped and shows it on a click, instead of offering only a new training."""
    from playground.config import from_query_params
    from playground.data.datasets import build_builtin
    from playground.run import create_run
    from playground.train import Trainer

    link = {"task": "sentiment", "arch": "bow", "num_sentences": "400", "epochs": "2", "seed": "23"}
    config, _ = from_query_params({key: [value] for key, value in link.items()})
    data = build_builtin(config.data)
    stopped = create_run(config, data)
    Trainer(stopped, data, should_stop=lambda: stopped.steps >= 3).train()
    assert stopped.status == "stopped"

    def open_predict(runs: list) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=180)
        at.session_state["runs"] = runs
        at.query_params.update({**link, "sentence": "the film was not good"})
        return at.switch_page("app_pages/predict.py").run()

    fresh = open_predict([])
    no_errors(fresh)
    assert not [b for b in fresh.button if b.key == "predict_link_stopped"]  # nothing stopped to offer

    back = open_predict([stopped])
    no_errors(back)
    offer = " ".join(i.value for i in back.info)
    assert f"stopped at step 3 of {stopped.total_steps}" in offer and stopped.name in offer
    assert back.button(key="predict_link_train") is not None
    back.button(key="predict_link_stopped").click().run()
    no_errors(back)
    assert back.session_state["active_run_id"] == stopped.id
    assert any("Showing the shared view" in s.value for s in back.success)
    assert back.session_state["predict_sentence"] == "the film was not good"  # the link's view
    assert not [b for b in back.button if b.key == "predict_link_train"]
