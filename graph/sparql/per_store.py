"""Caches kept per read-only store (answers, the plans' tables and pair keys), for a few stores.

An entry is found by the store's identity. It must not keep a dataset alive once its user has
dropped it: a store that takes weak references (graph.warmstore.ReadOnlyStore, what
graph.persist.open_dataset returns) is referenced weakly, and its entry is dropped at the next
look-up after it is collected. A plain pyoxigraph Store takes none; it is held, which keeps its
id from being given to another store while the entry lives (the shipped store, load_store's, is
kept by graph.sparql.store anyway).
"""
from __future__ import annotations

import threading
import weakref
from collections import OrderedDict

# Stores each cache keeps entries for (the oldest dropped): load_store keeps two versions of the
# shipped store, and a session may open a dataset or two beside them.
KEPT_STORES = 4


class PerStore:
    def __init__(self, stores: int = KEPT_STORES):
        self.stores = stores
        self._lock = threading.Lock()
        self._entries: OrderedDict = OrderedDict()  # id(store) -> (reference, value)
        self._dead: list = []  # references whose store was collected (appended by the callback)

    def get(self, store, make):
        """The value kept for `store`, made by make() on its first look-up."""
        with self._lock:
            self._purge()
            k = id(store)
            entry = self._entries.get(k)
            if entry is None or entry[0]() is not store:
                entry = self._entries[k] = (self._reference(store), make())
                while len(self._entries) > self.stores:
                    self._entries.popitem(last=False)
            self._entries.move_to_end(k)
            return entry[1]

    def _reference(self, store):
        try:
            # the callback only notes the death: it may run inside any dict operation, even ours
            return weakref.ref(store, self._dead.append)
        except TypeError:  # a plain pyoxigraph Store
            return lambda: store

    def _purge(self) -> None:
        while self._dead:
            ref = self._dead.pop()
            for k, (r, _) in list(self._entries.items()):
                if r is ref:
                    del self._entries[k]

    def __len__(self) -> int:
        with self._lock:
            self._purge()
            return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._dead.clear()


def at_most(items, limit: int) -> list | None:
    """The items, or None when there are more than `limit` (read no further than one past it):
    the bounded read of what a per-store cache would hold (the plans' tables)."""
    import itertools

    got = list(itertools.islice(items, limit + 1))
    return None if len(got) > limit else got
