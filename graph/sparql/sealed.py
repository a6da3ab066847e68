"""Sealed query threads, kept for reuse by queries without a timeout: such a query runs on a thread
without network (graph.sparql.sandbox) that an earlier one already started and sealed.

Starting a thread and installing its seccomp filter cost ~0.4 ms, more than most saved queries
take to run; a kept thread takes a job in ~0.03 ms. Only unlimited queries use them: a query
with a timeout still gets a fresh thread of its own, which is interrupted and ends at the
timeout (tests/test_sparql_safety.py watches those threads). Threads are per process (a fork
starts afresh).
"""
from __future__ import annotations

import os
import threading

KEEP = 4  # idle threads kept at most (concurrent callers beyond this start and end their own)


class _Worker:
    """One kept thread. A job is handed over with two raw locks (a C-level semaphore each way),
    about twice as fast as a queue and an Event: the caller sets `fn`, releases `go` and waits
    on `done`; the thread runs fn and releases `done`. fn None ends the thread."""

    def __init__(self):
        self.go, self.done = threading.Lock(), threading.Lock()
        self.go.acquire()
        self.done.acquire()
        self.fn = self.value = self.error = None
        self.usable = True  # False once it takes no more jobs (its filter could not be installed)
        self.thread = threading.Thread(target=self._loop, name="spinekg-query-kept", daemon=True)
        self.thread.start()

    def _loop(self):
        from spinekg.graph.sparql import sandbox

        sealed = False
        while True:
            self.go.acquire()
            fn, self.fn = self.fn, None
            if fn is None:
                return
            try:
                if not sealed:
                    sandbox.deny_network()
                    sealed = True
                self.value = fn()
            except BaseException as e:  # noqa: BLE001 (handed to the caller)
                import traceback

                # drop the frames' locals here: Oxigraph result iterators must die on their own thread
                traceback.clear_frames(e.__traceback__)
                self.error = e
                self.usable = sealed
            finally:
                del fn
                self.done.release()
            if not self.usable:
                return

    def run(self, fn):
        self.fn = fn
        self.go.release()
        self.done.acquire()
        value, error, self.value, self.error = self.value, self.error, None, None
        return value, error

    def stop(self) -> None:
        self.fn = None
        self.go.release()


_lock = threading.Lock()
_idle: list[_Worker] = []
_pid = os.getpid()


def _take() -> _Worker:
    global _pid
    with _lock:
        if _pid != os.getpid():  # forked: the parent's threads do not exist here
            _idle.clear()
            _pid = os.getpid()
        while _idle:
            w = _idle.pop()
            if w.usable and w.thread.is_alive():
                return w
    return _Worker()


def _give_back(w: _Worker) -> None:
    with _lock:
        if len(_idle) < KEEP and w.usable and w.thread.is_alive():
            _idle.append(w)
            return
    if w.usable:
        w.stop()


def run_sealed(fn):
    """fn() on a sealed thread (one kept from an earlier call when there is one); its result or error."""
    w = _take()
    value, error = w.run(fn)
    _give_back(w)
    if error is not None:
        raise error
    return value
