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
import queue
import threading

KEEP = 4  # idle threads kept at most (concurrent callers beyond this start and end their own)


class _Job:
    __slots__ = ("fn", "done", "value", "error")

    def __init__(self, fn):
        self.fn, self.done, self.value, self.error = fn, threading.Event(), None, None


class _Worker:
    def __init__(self):
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()
        self.usable = True  # False once it takes no more jobs (its filter could not be installed)
        self.thread = threading.Thread(target=self._loop, name="spinekg-query-kept", daemon=True)
        self.thread.start()

    def _loop(self):
        from spinekg.graph.sparql import sandbox

        sealed = False
        while self.usable:
            job = self.inbox.get()
            if job is None:
                return
            try:
                if not sealed:
                    sandbox.deny_network()
                    sealed = True
                job.value = job.fn()
            except BaseException as e:  # noqa: BLE001 (handed to the caller)
                import traceback

                # drop the frames' locals here: Oxigraph result iterators must die on their own thread
                traceback.clear_frames(e.__traceback__)
                job.error = e
                self.usable = sealed
            finally:
                job.done.set()


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
    w.inbox.put(None)


def run_sealed(fn):
    """fn() on a sealed thread (one kept from an earlier call when there is one); its result or error."""
    w = _take()
    job = _Job(fn)
    w.inbox.put(job)
    job.done.wait()
    _give_back(w)
    if job.error is not None:
        raise job.error
    return job.value
