"""A persisted dataset answered from disk at once, and from memory as soon as a copy is loaded.

Oxigraph's on-disk (RocksDB) store opens in ~50 ms but evaluates 3-17x slower than its
in-memory store: every term a query touches is read back from RocksDB, and an ORDER BY reads
both terms of every comparison (1M triples: `external-mappings` 2.0 s on disk, 0.12 s in memory).
An in-memory load of the same files takes ~3 s, most of it Oxigraph's single-writer insert, so
it cannot be made an open's cost. WarmingStore therefore answers from the on-disk store while a
daemon thread loads the in-memory copy (pyoxigraph releases the GIL while it parses), then from
memory. Both hold the same triples, so an answer never depends on which one gave it. It is
read-only: the methods that would change a store raise, as the on-disk read-only store's do.
"""
from __future__ import annotations

import threading

# Store methods a reader uses; anything else (add, update, load, clear, ...) is refused.
_READ = frozenset({"query", "quads_for_pattern", "named_graphs", "contains_named_graph", "dump"})


class ReadOnlyStore:
    """A store that refuses every method that would change it: what graph.persist.open_dataset
    hands out. Because nothing can change it, OxigraphEngine treats it as read-only by default
    (saved queries may run as plans over tables kept for its life, and answers may be kept)."""

    def __init__(self, store):
        self._store = store

    @property
    def current(self):
        """The pyoxigraph store answering now."""
        return self._store

    def __getattr__(self, name):
        if name in _READ:
            return getattr(self.current, name)
        if not name.startswith("_") and hasattr(self.current, name):
            raise RuntimeError(f"a persisted dataset is read-only (Store.{name} refused)")
        raise AttributeError(name)

    def __len__(self) -> int:
        return len(self.current)

    def __iter__(self):
        return iter(self.current)

    def __contains__(self, quad) -> bool:
        return quad in self.current


class WarmingStore(ReadOnlyStore):
    def __init__(self, disk, load):
        """`disk`: the read-only on-disk store; `load()`: returns the in-memory copy (or raises,
        and then the on-disk store keeps answering)."""
        super().__init__(disk)
        self._disk = disk
        self._memory = None
        self.error: BaseException | None = None
        self._ready = threading.Event()
        threading.Thread(target=self._warm, args=(load,), name="spinekg-warm-store", daemon=True).start()

    def _warm(self, load) -> None:
        try:
            self._memory = load()
        except BaseException as e:  # noqa: BLE001 (a failed copy only costs speed: disk still answers)
            self.error = e
        finally:
            self._ready.set()

    @property
    def current(self):
        """The store answering now: the in-memory copy once loaded, else the on-disk one."""
        return self._memory if self._memory is not None else self._disk

    @property
    def disk(self):
        return self._disk

    @property
    def in_memory(self) -> bool:
        return self._memory is not None

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the in-memory copy is loaded (or failed); whether it is in use."""
        self._ready.wait(timeout)
        return self._memory is not None
