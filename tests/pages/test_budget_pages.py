"""Over-size links are refused on opening, stops say so, and every training takes a slot."""

from streamlit.testing.v1 import AppTest

from tests.pages.test_page_links import open_link
from tests.pages.test_pages import APP, app, no_errors, open_page
from ui.state import training_slots

ISSUE_LINK = {
    "task": "next-word",
    "arch": "transformer",
    "tokenizer": "char",
    "text_layout": "stream",
    "max_length": "256",
    "num_sentences": "50000",
    "embedding_dim": "512",
    "hidden_dim": "1024",
    "num_layers": "2",
    "num_heads": "8",
    "batch_size": "512",
    "epochs": "50",
}


def test_an_over_size_link_says_so_on_opening_and_cannot_be_trained():
    at = open_link("train", ISSUE_LINK)
    assert not at.exception
    refusal = [e.value for e in at.error if "this server allows" in e.value]
    assert refusal and "GB of memory" in refusal[0]
    assert "This link's model is too big for this server" in at.error[0].value  # at the top, on opening
    assert len(refusal) == 1  # its numbers once, next to the Train button
    assert "Lower the batch size or the sequence length" in refusal[0]
    assert at.button(key="train_button").disabled
    at.number_input(key="train_train_next-word_transformer_batch_size").set_value(8).run()
    at.number_input(key="train_train_next-word_transformer_epochs").set_value(1).run()
    at.number_input(key="train_train_next-word_transformer_max_steps").set_value(20).run()
    assert not [e for e in at.error if "this server allows" in e.value]  # the estimate follows the form
    assert any("Estimated cost" in c.value for c in at.caption)
    assert not at.button(key="train_button").disabled


def test_an_over_size_link_on_another_page_warns_before_training():
    at = open_link("predict", ISSUE_LINK)
    assert not at.exception
    assert any("this server allows" in e.value for e in at.error)
    assert at.button(key="predict_link_train").disabled


def test_a_stopped_run_says_where_it_stopped_never_trained(small_sentiment):
    from playground.run import create_run
    from playground.train import Trainer
    from tests.conftest import with_training

    config, data = small_sentiment
    run = create_run(with_training(config, epochs=3), data)
    Trainer(run, data, should_stop=lambda: run.steps >= 5).train()
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["runs"] = [run]
    at = open_page(at.run(), "train")
    assert not at.exception and not at.success
    stopped = next(w.value for w in at.warning if f"Stopped at step 5 of {run.total_steps}" in w.value)
    assert (
        "click elsewhere on the page or reload it" in stopped
    )  # a reload stopped it: the learner pressed nothing


def test_the_labs_own_trainings_take_a_training_slot():
    slots = training_slots()
    taken = 0
    while slots.acquire(blocking=False):  # other users' trainings hold every slot
        taken += 1
    try:
        at = open_page(app(), "shapes")
        at.button(key="lab_train_one_to_one").click().run()
        assert not at.exception
        assert any("busy" in w.value for w in at.warning)
        assert "one_to_one" not in at.session_state["lab_models"]
    finally:
        for _ in range(taken):
            slots.release()
    at = open_page(app(), "shapes")
    at.button(key="lab_train_one_to_one").click().run()
    no_errors(at)
    assert at.session_state["lab_models"]["one_to_one"] is not None
