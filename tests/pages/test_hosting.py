"""A shared server: sessions are kept apart, trainings are capped, and so are steps."""

import sys

from playground.run import create_run
from playground.train import Trainer
from tests.conftest import with_training
from tests.pages.test_pages import app, open_page, tiny_training
from ui.state import training_slots, warm_up_in_background


def test_two_sessions_never_see_each_others_runs():
    alice = tiny_training(open_page(app(), "train"), "sentiment", "bow")
    bob = open_page(app(), "runs")
    assert len(alice.session_state["runs"]) == 1
    assert "runs" not in bob.session_state or bob.session_state["runs"] == []
    assert "No runs yet" in bob.info[0].value


def test_over_the_training_cap_users_are_told_to_wait():
    slots = training_slots()
    taken = 0
    while slots.acquire(blocking=False):  # other users' trainings hold every slot
        taken += 1
    try:
        at = tiny_training(open_page(app(), "train"), "sentiment", "bow")
        assert not at.exception
        assert "busy" in at.warning[0].value and at.session_state["runs"] == []
    finally:
        for _ in range(taken):
            slots.release()
    at = tiny_training(open_page(app(), "train"), "sentiment", "bow")
    assert len(at.session_state["runs"]) == 1


def test_the_server_caps_steps(small_sentiment, monkeypatch):
    config, data = small_sentiment
    monkeypatch.setattr("playground.train.MAX_TRAINING_STEPS", 7)
    run = create_run(with_training(config, epochs=5), data)
    Trainer(run, data).train()
    assert run.steps == 7 and run.status == "finished"


def test_the_server_warms_up_the_first_trainings_imports_once_in_the_background():
    app()  # the entrypoint starts it after drawing the first page
    thread = warm_up_in_background()
    assert thread.daemon and thread.name == "playground-warm-up"
    thread.join(60)
    assert not thread.is_alive() and "torch._dynamo" in sys.modules
    assert warm_up_in_background() is thread  # once per server, not per session or rerun
