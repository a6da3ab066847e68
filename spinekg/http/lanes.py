"""Admission control for the endpoint: a fast lane for cheap queries, a bounded waiting line, workers killed at timeouts.

Workers check each query (rdflib's parser is slow, so never on the event loop) and say whether
its parse tree looks expensive (a triple pattern of three variables, an unanchored path); the
lanes remember that per text. Known-expensive queries run only on the general workers; the rest
run on any idle worker, the fast lane first, so a simple query is answered while slow ones hold
every general worker. A query that runs past FAST_BUDGET in the fast lane is moved to the
general lane (and remembered), so one bad guess cannot hold the fast lane for a whole timeout.
"""
from __future__ import annotations

import asyncio
import collections
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from spinekg.graph.errors import SpinekgError
from spinekg.graph.sparql.errors import QueryTimeout, ServerBusy
from spinekg.graph.sparql.workers import DEFAULT_MEMORY_MB, Worker, raise_answer, request

IDLE_BEFORE_SPAWN = 0.5  # seconds without a new request before the other workers start (sooner if a query needs one)
FAST_BUDGET = 1.0  # seconds a query may take in the fast lane before it moves to the general lane


class Lanes:
    def __init__(self, engine: str = "oxigraph", general: int = 2, fast: int = 1, *,
                 memory_mb: int = DEFAULT_MEMORY_MB, queue_limit: int = 512, first=None):
        """first: (process, stderr) of the first general worker, if the caller spawned it already."""
        self.engine, self.memory_mb, self.queue_limit = engine, memory_mb, queue_limit
        self.pending = 0
        self.closed = False
        self.idle: dict[str, list[Worker]] = {"general": [], "fast": []}
        self.waiters: collections.deque = collections.deque()  # (future, expensive)
        self.slow_texts: collections.OrderedDict[str, None] = collections.OrderedDict()
        self.executor = ThreadPoolExecutor(max_workers=general + fast + 2, thread_name_prefix="spinekg-lane")
        self.loop: asyncio.AbstractEventLoop | None = None
        self.lock = threading.Lock()  # guards the hand-over of workers that start before the loop runs
        self.all: set[Worker] = set()
        # the first general worker is spawned now and waited for in start(): the server imports
        # uvicorn meanwhile; the others start after it, so they do not slow the first answer down
        self.first = Worker(engine, memory_mb, wait=False, spawned=first)
        self.first.lane = "general"
        self.wanted = threading.Event()  # set when a query has to wait for a worker
        self.last_request = time.monotonic()  # set by the app as each request ends
        self.busy = 0  # requests in flight (the app counts them)
        self.rest = ["general"] * (max(1, general) - 1) + ["fast"] * max(0, fast)

    def start(self, *, wait_all: bool = False) -> None:
        """Wait for the first worker (its failure is the server's: SpinekgError); the rest start in
        the background, or now with wait_all (tests, embedding: every lane ready on return)."""
        try:
            self.first.wait_ready()
        except BaseException:
            self.close()
            raise
        self._arrive(self.first)
        # idle counts from now: a slow start (a loaded machine) must not start the other workers
        # before the first request arrives, on the cores the first answer needs
        self.last_request = time.monotonic()
        if wait_all:
            for w in list(self.executor.map(self._spawn, self.rest)):  # in parallel
                self._arrive(w)
        else:
            for lane in self.rest:
                self.executor.submit(self._spawn_later, lane)

    def _spawn_later(self, lane: str) -> None:
        # a starting worker takes a core for up to a second: it starts once the server is idle (no
        # new request for IDLE_BEFORE_SPAWN), or at once when a query has to wait for a worker
        while not self.wanted.wait(0.1):
            if self.closed:
                return
            if self.busy == 0 and time.monotonic() - self.last_request >= IDLE_BEFORE_SPAWN:
                break
        try:
            w = self._spawn(lane)
        except SpinekgError:
            return  # the lane runs one worker short; a replacement tries again
        self._arrive(w)

    def _arrive(self, w: Worker) -> None:
        with self.lock:
            if self.closed:
                w.kill()
                return
            self.all.add(w)
            if self.loop is None:
                self.idle[w.lane].append(w)
                return
        self.loop.call_soon_threadsafe(self._release, w)

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        with self.lock:
            self.loop = loop

    def _spawn(self, lane: str) -> Worker:
        w = Worker(self.engine, self.memory_mb)
        w.lane = lane
        return w

    def pids(self) -> list[int]:
        return sorted(w.pid for w in self.all)

    def remember_slow(self, text: str) -> None:
        if len(text) > 64 * 1024:
            return  # large texts go to the general lane anyway
        self.slow_texts[text] = None
        self.slow_texts.move_to_end(text)
        while len(self.slow_texts) > 1024:
            self.slow_texts.popitem(last=False)

    def is_expensive(self, text: str) -> bool:
        return len(text) > 16 * 1024 or text in self.slow_texts

    async def query(self, text: str, *, timeout: float, max_rows: int | None):
        if self.pending >= self.queue_limit:
            raise ServerBusy(f"the server is busy: {self.pending} queries are waiting; try again shortly")
        if self.loop is None:
            self.attach(asyncio.get_running_loop())
        self.pending += 1
        try:
            return await self._run(text, self.is_expensive(text), time.monotonic() + timeout, timeout, max_rows)
        finally:
            self.pending -= 1

    async def _run(self, text, expensive, deadline, timeout, max_rows):
        w = await self._acquire(expensive, deadline)
        remaining = max(0.01, deadline - time.monotonic())
        budget = FAST_BUDGET if w.lane == "fast" and not expensive and remaining > FAST_BUDGET else None
        try:
            answer = await self.loop.run_in_executor(self.executor, w.ask, request(text, None, max_rows), remaining,
                                                     budget)
        except BaseException:
            self._replace(w)
            raise
        if answer is None:
            self._replace(w)
            if budget and time.monotonic() < deadline - 0.05:  # a wrong guess: finish it on the general lane
                self.remember_slow(text)
                return await self._run(text, True, deadline, timeout, max_rows)
            raise QueryTimeout(f"query timed out after {timeout:g} s and was stopped")
        if w.expensive:
            self.remember_slow(text)
        if answer.get("moved"):  # the fast lane's worker checked it, found it expensive, and did not start it
            self._release(w)
            return await self._run(text, True, deadline, timeout, max_rows)
        if w.proc.poll() is not None or w.worn():
            self._replace(w)
        else:
            self._release(w)
        return raise_answer(answer)

    async def _acquire(self, expensive: bool, deadline: float) -> Worker:
        for lane in (("general",) if expensive else ("fast", "general")):
            if self.idle[lane]:
                return self.idle[lane].pop()
        self.wanted.set()  # a query waits: the workers not started yet are needed now
        fut = self.loop.create_future()
        entry = (fut, expensive)
        self.waiters.append(entry)
        try:
            return await asyncio.wait_for(fut, max(0.01, deadline - time.monotonic()))
        except asyncio.TimeoutError:
            raise ServerBusy("the server is busy: no query worker was free before the query's timeout") from None
        finally:
            if entry in self.waiters:
                self.waiters.remove(entry)

    def _release(self, w: Worker) -> None:
        if self.closed:
            w.kill()
            return
        for entry in list(self.waiters):
            fut, expensive = entry
            if fut.done():
                self.waiters.remove(entry)
                continue
            if w.lane == "general" or not expensive:
                self.waiters.remove(entry)
                fut.set_result(w)
                return
        self.idle[w.lane].append(w)

    def _replace(self, w: Worker) -> None:
        self.all.discard(w)
        self.executor.submit(w.kill)
        if self.closed:
            return
        loop = self.loop

        def respawn():
            try:
                fresh = self._spawn(w.lane)
            except SpinekgError:
                return  # the lane runs one worker short; the next replacement tries again
            self.all.add(fresh)
            loop.call_soon_threadsafe(self._release, fresh)

        self.executor.submit(respawn)

    def close(self) -> None:
        with self.lock:
            self.closed = True
        if self.first not in self.all:
            self.first.kill()
        for fut, _ in self.waiters:
            fut.cancel()
        for w in list(self.all):
            w.kill()
        self.all.clear()
        self.executor.shutdown(wait=False, cancel_futures=True)


class RemoteLane:
    """`serve --endpoint URL`: the same interface, answered by an external SPARQL server."""

    busy, last_request = 0, 0.0  # counted by the app, as for Lanes (nothing to start here)

    def __init__(self, endpoint: str, parallel: int = 8):
        from spinekg.graph.sparql.remote import RemoteEngine

        self.engine = RemoteEngine(endpoint)
        self.executor = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="spinekg-remote")

    def pids(self) -> list[int]:
        return []

    def start(self, *, wait_all: bool = False) -> None:
        pass

    def attach(self, loop) -> None:
        pass

    async def query(self, text: str, *, timeout: float, max_rows: int | None):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, lambda: self.engine.query(text, None, timeout=timeout,
                                                                                   max_rows=max_rows))

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
