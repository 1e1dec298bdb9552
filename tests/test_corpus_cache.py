"""The server's corpus cache: bounded by bytes, least recently used out, one build per corpus."""

import threading
import time

import torch

from playground.data.corpus_cache import CorpusCache
from playground.data.datasets import SequenceSet, TaskData
from playground.data.tokenizer import Vocabulary


def corpus(megabytes: float) -> TaskData:
    rows = int(megabytes * 2**20 / 8 / 100)
    part = SequenceSet(torch.zeros(rows, 100, dtype=torch.long), torch.zeros(0), torch.zeros(0))
    empty = SequenceSet(torch.zeros(0, 1, dtype=torch.long), torch.zeros(0), torch.zeros(0))
    return TaskData("next-word", Vocabulary.build(["a"]), part, empty, empty)


def test_the_least_recently_used_corpora_leave_once_over_budget_and_pinned_ones_never():
    cache = CorpusCache(max_bytes=30 * 2**20)
    built = []

    def build(key, mb):
        return lambda: built.append(key) or corpus(mb)

    cache.get("default", build("default", 10), pin=True)
    cache.get("a", build("a", 10))
    cache.get("b", build("b", 10))
    assert cache.nbytes <= 30 * 2**20 and built == ["default", "a", "b"]
    cache.get("a", build("a", 10))  # a is now more recent than b
    cache.get("c", build("c", 10))
    assert "b" not in cache and "a" in cache and "default" in cache and "c" in cache
    for key in "defgh":
        cache.get(key, build(key, 10))
    assert "default" in cache and cache.nbytes <= 30 * 2**20
    cache.get("huge", build("huge", 50))  # alone over budget: kept while it is the newest
    assert "huge" in cache and "default" in cache and len(built) == 10


def test_learners_asking_for_the_same_corpus_at_once_wait_for_one_build():
    cache = CorpusCache(max_bytes=2**30)
    builds = []

    def slow():
        builds.append(1)
        time.sleep(0.2)
        return corpus(1)

    got = []
    threads = [threading.Thread(target=lambda: got.append(cache.get("k", slow))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert builds == [1] and len({id(g) for g in got}) == 1
