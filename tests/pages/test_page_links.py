"""Share links on every page that shows a model: the link retrains the model and restores the view."""

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.test_pages import no_errors

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")
SMALL = {"num_sentences": "400", "epochs": "1"}

# page, the model (beyond SMALL), the view options, and the widget each option sets
CASES = [
    (
        "predict",
        {"task": "next-word", "arch": "lstm"},
        {
            "prefix": "the cats are",
            "shown": "7",
            "temperature": "1.3",
            "top_k": "5",
            "words": "6",
            "sample_seed": "4",
        },
        {
            "predict_prefix": "the cats are",
            "predict_k": 7,
            "predict_temperature": 1.3,
            "predict_top_k": 5,
            "predict_length": 6,
            "predict_seed": 4,
        },
    ),
    (
        "predict",
        {"task": "sentiment", "arch": "bow"},
        {"sentence": "the film was not good"},
        {"predict_sentence": "the film was not good"},
    ),
    (
        "encoding",
        {"task": "sentiment", "arch": "bow"},
        {"sentence": "the food was great"},
        {"encoding_text": "the food was great"},
    ),
    (
        "embeddings",
        {"task": "next-word", "arch": "bow"},
        {"projection": "pca", "dims": "3", "pca_words": "40", "find": "dog", "neighbours": "5"},
        {
            "embeddings_method": "pca",
            "embeddings_dims": 3,
            "embeddings_count_pca": 40,
            "embeddings_search": "dog",
            "embeddings_k": 5,
        },
    ),
    (
        "recurrence",
        {"task": "next-word", "arch": "lstm", "num_layers": "2", "hidden_dim": "16"},
        {
            "sentence": "the dogs near the cat are",
            "layer": "1",
            "step": "3",
            "units": "0,2",
            "feature": "the subject is plural",
            "cell": "1",
        },
        {
            "recurrence_text": "the dogs near the cat are",
            "recurrence_layer": 1,
            "recurrence_step": 3,
            "recurrence_units": [0, 2],
            "recurrence_feature": "the subject is plural",
            "recurrence_cell": True,
        },
    ),
    (
        "gradients",
        {"task": "next-word", "arch": "rnn", "hidden_dim": "16"},
        {
            "sentence": "the dog runs to the park",
            "loss": "sum",
            "wrt": "input",
            "rho": "1.5",
            "measure": "largest singular value",
            "sandbox_activation": "relu",
            "sandbox_init": "identity",
            "sandbox_length": "80",
        },
        {
            "gradients_text": "the dog runs to the park",
            "gradients_loss": "sum",
            "gradients_quantity": "input",
            "gradients_rho": 1.5,
            "gradients_measure": "largest singular value",
            "gradients_activation": "relu",
            "gradients_init": "identity",
            "gradients_length": 80,
        },
    ),
    (
        "gradients",
        {"task": "sentiment", "arch": "lstm", "hidden_dim": "16"},
        {"label": "1"},
        {"gradients_target": 1},
    ),
    (
        "attention",
        {
            "task": "next-word",
            "arch": "transformer",
            "num_layers": "2",
            "num_heads": "2",
            "embedding_dim": "16",
            "hidden_dim": "32",
        },
        {
            "sentence": "the dogs near the cat are",
            "layer": "1",
            "head": "1",
            "unscaled": "1",
            "word": "2",
            "threshold": "0.3",
            "head_view": "1",
        },
        {
            "attention_text": "the dogs near the cat are",
            "attention_layer": 1,
            "attention_head": 1,
            "attention_unscaled": True,
            "attention_word": 2,
            "attention_threshold": 0.3,
            "attention_view_layer": 1,
        },
    ),
]


def forget_shared_runs() -> None:
    """Empty this server's store of shared runs, as on a server that never trained these settings:
    a link whose model is stored is shown at once, with no button (tests/pages/test_share_links.py)."""
    for path in (Path(os.environ["PLAYGROUND_STORE_DIR"]) / "shared").glob("*.safetensors"):
        path.unlink(missing_ok=True)


def open_link(page: str, params: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update(params)
    return at.switch_page(f"app_pages/{page}.py").run()


@pytest.mark.parametrize("page, model, view, widgets", CASES, ids=[f"{c[0]}-{c[1]['arch']}" for c in CASES])
def test_a_link_retrains_its_model_and_restores_the_view(page, model, view, widgets):
    link = SMALL | model | view
    forget_shared_runs()
    at = open_link(page, link)
    no_errors(at)
    assert "shared together with its model" in at.info[0].value
    at.button(key=f"{page}_link_train").click().run()
    no_errors(at)
    assert "Showing the shared view" in at.success[0].value
    # a tiny model may not beat ignoring its input, and Predict says so (tests/pages/test_pages.py)
    assert all("vocabulary" in w.value or "ignores its input" in w.value for w in at.warning)
    for key, value in widgets.items():
        assert at.session_state[key] == value, key
    run = at.session_state["runs"][-1]
    assert run.status == "finished" and run.config.model.arch == model["arch"]
    written = dict(at.query_params)
    assert {key: written[key] for key in link} == link  # the address bar links to the same view


def test_the_receiver_sees_the_senders_numbers():
    sender = AppTest.from_file(APP, default_timeout=180).run()
    sender.switch_page("app_pages/train.py").run()
    sender.segmented_control(key="train_task").set_value("sentiment").run()
    sender.segmented_control(key="train_arch").set_value("bow").run()
    sender.number_input(key="train_data_sentiment_num_sentences").set_value(400).run()
    sender.button(key="train_button").click().run()
    sender.switch_page("app_pages/predict.py").run()
    sender.text_input(key="predict_sentence").set_value("the food was not bad").run()
    link = dict(sender.query_params)
    assert link["sentence"] == "the food was not bad" and link["arch"] == "bow"

    forget_shared_runs()  # the receiver trains it again, on another server as it were
    receiver = open_link("predict", link)
    receiver.button(key="predict_link_train").click().run()
    no_errors(receiver)
    assert receiver.text_input(key="predict_sentence").value == "the food was not bad"
    shown = [[m.value for m in at.metric] for at in (sender, receiver)]
    assert shown[0] == shown[1] and shown[0]
    runs = [at.session_state["runs"][-1] for at in (sender, receiver)]
    assert runs[0].history["loss"].tolist() == runs[1].history["loss"].tolist()


def test_hostile_view_values_fall_back_visibly():
    link = SMALL | {
        "task": "next-word",
        "arch": "transformer",
        "num_layers": "1",
        "embedding_dim": "16",
        "hidden_dim": "32",
        "layer": "3",
        "head": "-1",
        "threshold": "1e309",
        "word": "9" * 5000,
        "sentence": "<img src=x onerror=alert(1)>" * 40,
        "unscaled": "maybe",
    }
    forget_shared_runs()
    at = open_link("attention", link)
    at.button(key="attention_link_train").click().run()
    no_errors(at)
    shown = " ".join(w.value for w in at.warning)
    # the warnings name each option by its widget's own label (one table holds both)
    for label in (
        "Layer",
        "Head",
        "Draw lines for weights of at least",
        "Show the mix for",
        "Sentence",
        "Compare without",
    ):
        assert label in shown
    assert "onerror" not in shown and "9999" not in shown
    assert at.session_state["attention_layer"] == 0 and at.text_input(key="attention_text").value != ""


def test_a_links_model_is_described_with_every_setting_it_changes():
    """Review 20: a link stopping after 20 steps was described as "3 epochs", like a full training."""
    forget_shared_runs()
    at = open_link("predict", {"task": "next-word", "arch": "rnn", "max_steps": "20", "optimizer": "sgd"})
    described = at.info[0].value
    assert "1 layer of 64" in described and "layer(s)" not in described
    assert "changed from the defaults: Optimizer SGD (momentum 0.9), Step limit 20" in described


def test_a_link_can_be_set_aside_for_the_learners_own_model():
    forget_shared_runs()
    at = open_link("predict", SMALL | {"task": "sentiment", "arch": "bow", "sentence": "the film was good"})
    at.button(key="predict_link_ignore").click().run()
    no_errors(at)
    assert at.button(key="predict_quick_sentiment")  # back to the page's usual start
    assert "runs" not in at.session_state or not at.session_state["runs"]
