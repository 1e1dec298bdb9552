"""A shared server: sessions are kept apart, trainings are capped, and so are steps."""

import gc
import itertools
import sys

from streamlit.testing.v1 import AppTest

import ui.training
from playground.run import create_run
from playground.train import Trainer
from tests.conftest import with_training
from tests.pages.test_pages import app, open_page, tiny_training
from ui.state import training_slots, warm_up_in_background

_seeds = itertools.count(1000)


def test_two_sessions_never_see_each_others_runs():
    alice = tiny_training(open_page(app(), "train"), "sentiment", "bow")
    bob = open_page(app(), "runs")
    assert len(alice.session_state["runs"]) == 1
    assert "runs" not in bob.session_state or bob.session_state["runs"] == []
    assert "No runs yet" in bob.info[0].value


def never_trained(at: AppTest) -> AppTest:
    """The Train page set to settings no test trained before (a seed of its own)."""
    at.segmented_control(key="train_task").set_value("sentiment").run()
    at.segmented_control(key="train_arch").set_value("bow").run()
    return at.number_input(key="train_train_sentiment_bow_seed").set_value(next(_seeds)).run()


def test_over_the_training_cap_users_are_told_to_wait():
    slots = training_slots()
    taken = 0
    while slots.acquire(blocking=False):  # other users' trainings hold every slot
        taken += 1
    try:
        at = tiny_training(never_trained(open_page(app(), "train")), "sentiment", "bow")
        assert not at.exception
        assert "busy" in at.warning[0].value and at.session_state["runs"] == []
    finally:
        for _ in range(taken):
            slots.release()
    at = tiny_training(open_page(app(), "train"), "sentiment", "bow")
    assert len(at.session_state["runs"]) == 1


def test_settings_trained_before_come_back_at_once_as_a_copy_with_train_again():
    first = tiny_training(never_trained(open_page(app(), "train")), "sentiment", "bow")
    seed = first.number_input(key="train_train_sentiment_bow_seed").value
    slots = training_slots()
    taken = 0
    while slots.acquire(blocking=False):  # a full server: the stored run needs no training slot
        taken += 1
    try:
        later = open_page(app(), "train")
        later.segmented_control(key="train_task").set_value("sentiment").run()
        later.segmented_control(key="train_arch").set_value("bow").run()
        later.number_input(key="train_train_sentiment_bow_seed").set_value(seed).run()
        later = tiny_training(later, "sentiment", "bow")
    finally:
        for _ in range(taken):
            slots.release()
    assert not later.exception
    mine, theirs = later.session_state["runs"][0], first.session_state["runs"][0]
    assert mine is not theirs and mine.uid != theirs.uid and mine.metrics == theirs.metrics
    assert any("same settings give the same numbers" in info.value for info in later.info)
    again = later.button(key=f"train_again_{mine.id}")
    again.click().run()
    assert not later.exception
    fresh = later.session_state["runs"][-1]
    assert len(later.session_state["runs"]) == 2 and fresh.status == "finished"
    assert fresh.metrics["test_accuracy"] == mine.metrics["test_accuracy"]  # same numbers, trained anew


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
    assert gc.get_freeze_count() > 100_000  # the modules' objects, out of every rerun's full collection
    assert warm_up_in_background() is thread  # once per server, not per session or rerun


def test_a_private_training_checkpoints_the_weights_its_child_process_has_learned(monkeypatch):
    """Train again trains in a child process; a checkpoint mid-training must hold the child's weights,
    not the untrained ones the page's copy of the run started with."""
    checkpoints: list[tuple[int, float]] = []

    def recording(run):
        if run.status == "training":
            total = sum(p.detach().double().sum() for p in run.model.parameters())
            checkpoints.append((run.steps, float(total)))

    at = never_trained(open_page(app(), "train"))
    at.segmented_control(key="train_arch").set_value("lstm").run()
    at.number_input(key="train_data_sentiment_num_sentences").set_value(400).run()
    at.number_input(key="train_train_sentiment_lstm_epochs").set_value(30).run()  # about 150 steps
    at.button(key="train_button").click().run()  # the shared training of these settings
    shared = at.session_state["runs"][-1]
    monkeypatch.setattr("ui.training.CHECKPOINT_SECONDS", 0.0)
    monkeypatch.setenv("PLAYGROUND_TRAINING_PROCESSES", "1")
    monkeypatch.setattr("playground.training_process.CHILD_MIN_SECONDS", 0.0)  # this short run too
    children = []
    real_child = ui.training.ChildTraining
    monkeypatch.setattr(
        ui.training, "ChildTraining", lambda *a, **k: children.append(1) or real_child(*a, **k)
    )
    monkeypatch.setattr("ui.training.run_saver", lambda: recording)
    at.button(key=f"train_again_{shared.id}").click().run()
    assert not at.exception
    fresh = at.session_state["runs"][-1]
    assert fresh is not shared and fresh.status == "finished" and children == [1]
    assert len({steps for steps, _ in checkpoints}) >= 2, checkpoints
    assert len({total for _, total in checkpoints}) >= 2, "every checkpoint held the same (untrained) weights"


def test_a_shared_trainings_progress_names_its_learners_only_when_there_are_several():
    """ "one training shared by everyone waiting" was said to a learner training alone."""
    from ui.training import _shared_progress

    rows = [{"split": "train", "loss": 1.5}, {"split": "validation", "accuracy": 0.4, "loss": 1.4}]
    fraction, alone = _shared_progress(50, 100, rows, watchers=1)
    assert fraction == 0.5 and alone == "Step 50 of 100 · train loss 1.500 · validation accuracy 40.0%"
    assert _shared_progress(50, 100, rows, watchers=3)[1].endswith(" · one training shared by 3 learners")
