"""The warm-up generates the default corpora, so a learner's first switch of task finds them ready."""

import dataclasses

from playground.config import default_config
from ui import state


def test_the_warm_up_generates_both_default_corpora(monkeypatch):
    monkeypatch.setattr(state, "WARM_UP_MODULES", ())
    monkeypatch.setattr(state.gc, "freeze", lambda: None)  # the test process keeps collecting
    monkeypatch.setattr(state, "_GENERATED", set())
    state.warm_up()
    for task in ("next-word", "sentiment"):
        config = default_config(task).data
        assert dataclasses.astuple(config) in state._GENERATED
        data = state.builtin_data(config)
        assert data.task == task and data is state.builtin_data(config)  # one shared copy, from the cache
