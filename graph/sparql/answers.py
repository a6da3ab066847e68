"""Answers kept per process for read-only stores, keyed by query text + bindings + row cap.

The shipped graph's store (graph.sparql.store.load_store: rebuilt, under a new key, whenever
the data or the user's imports change) and persisted datasets (opened read-only) never change
under a query, so a repeated query can be answered from memory. Only engines over such a store
use this (OxigraphEngine: read_only, cache); a Store a caller built and may still change is
never cached. bench/run.py reports the cost with and without it.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace

from spinekg.graph.sparql.per_store import KEPT_STORES, PerStore

MAX_ENTRIES = 512  # per store
MAX_ROWS = 20_000  # larger answers are not kept (memory), only recomputed

_lock = threading.Lock()
_by_store = PerStore(KEPT_STORES)  # store -> OrderedDict(key -> Result)


def _table(store) -> OrderedDict:
    return _by_store.get(store, OrderedDict)


def _copy(result):
    return replace(result, variables=list(result.variables), rows=list(result.rows), triples=list(result.triples))


def get(store, key):
    with _lock:
        table = _table(store)
        hit = table.get(key)
        if hit is None:
            return None
        table.move_to_end(key)
    return _copy(hit)


def put(store, key, result) -> None:
    if len(result) > MAX_ROWS:
        return
    with _lock:
        table = _table(store)
        table[key] = _copy(result)
        while len(table) > MAX_ENTRIES:
            table.popitem(last=False)


def clear() -> None:
    with _lock:
        _by_store.clear()
