"""The warm-up generates the default corpora, so a learner's first switch of task finds them ready."""

import dataclasses

from playground.config import default_config
from playground.data.corpus_cache import CorpusCache
from ui import state


def test_the_warm_up_generates_both_default_corpora(monkeypatch):
    monkeypatch.setattr(state, "WARM_UP_MODULES", ())
    monkeypatch.setattr(state.gc, "freeze", lambda: None)  # the test process keeps collecting
    cache = CorpusCache(max_bytes=0)  # over budget at once: only pinned corpora stay
    monkeypatch.setattr(state, "_corpora", lambda: cache)
    state.warm_up()
    for task in ("next-word", "sentiment"):
        config = default_config(task).data
        assert dataclasses.astuple(config) in cache
        data = state.builtin_data(config)
        assert data.task == task and data is state.builtin_data(config)  # one shared copy, from the cache
    other = dataclasses.replace(default_config("sentiment").data, num_sentences=500)
    state._corpora().get(dataclasses.astuple(other), lambda: state.build_builtin(other))
    assert all(dataclasses.astuple(default_config(t).data) in cache for t in ("next-word", "sentiment"))
