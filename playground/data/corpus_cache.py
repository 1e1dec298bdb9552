"""Generated corpora kept for every learner of a server, within a memory budget, least recently used out.

A share link can ask for a corpus of 50,000 sentences cut into characters: about 110 MB of padded
index tensors, generated when the page opens. A cache bounded by a count (Streamlit's `max_entries`)
let a dozen such links hold 1.4 GB for good; this one is bounded by bytes. A corpus a training is
using stays alive through that training's reference when the cache lets it go.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from playground.data.datasets import TaskData
from playground.memory import release_memory


class CorpusCache:
    """`get(key, build)`: the corpus for `key`, built once however many ask at the same time."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, tuple[TaskData, int]] = OrderedDict()
        self._pinned: set[Hashable] = set()
        self._lock = threading.Lock()
        self._building: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, build: Callable[[], TaskData], pin: bool = False) -> TaskData:
        """The cached corpus, or `build()`'s, kept; `pin` keeps it whatever the budget (the defaults)."""
        with self._lock:
            if pin:
                self._pinned.add(key)
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key][0]
            building = self._building.setdefault(key, threading.Lock())
        with building:  # one build per key; other keys build meanwhile
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
                    return self._items[key][0]
            data = build()
            with self._lock:
                self._items[key] = (data, data.nbytes)
                self._building.pop(key, None)
                evicted = self._evict(keep=key)
        if evicted:
            release_memory()  # hand the freed tensors' pages back to the OS now
        return data

    def _evict(self, keep: Hashable) -> int:
        """Drop least recently used corpora (never `keep` or a pinned one) until within budget."""
        evicted = 0
        for key in list(self._items):
            if self.nbytes <= self.max_bytes:
                break
            if key != keep and key not in self._pinned:
                del self._items[key]
                evicted += 1
        return evicted

    @property
    def nbytes(self) -> int:
        return sum(size for _, size in self._items.values())

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items
