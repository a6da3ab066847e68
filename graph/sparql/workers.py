"""Query worker processes: a timed-out query is stopped by killing its process."""
from __future__ import annotations

import json
import threading
import time

from spinekg.graph.errors import SpinekgError
from spinekg.graph.sparql.engines import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT, ENGINES
from spinekg.graph.sparql.errors import QueryRefused, QuerySyntaxError, QueryTimeout, UpdateRefused
from spinekg.graph.sparql.safety import check_query
from spinekg.graph.sparql.terms import Result, Term

class _Worker:
    def __init__(self, engine: str):
        import subprocess
        import sys

        self.proc = subprocess.Popen([sys.executable, "-m", "spinekg.graph.sparql", "worker", engine],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.buf = b""
        ready = self.read_line(time.monotonic() + 120)
        if ready != b"ready":
            self.kill()
            raise SpinekgError(f"the {engine} query worker did not start")

    def read_line(self, deadline: float) -> bytes | None:
        import os
        import select

        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                return None
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise SpinekgError("the query worker stopped unexpectedly")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line

    def ask(self, request: dict, timeout: float) -> dict | None:
        self.proc.stdin.write(json.dumps(request).encode() + b"\n")
        self.proc.stdin.flush()
        line = self.read_line(time.monotonic() + timeout)
        return None if line is None else json.loads(line)

    def kill(self) -> None:
        try:
            self.proc.kill()
        finally:
            self.proc.wait()

    @property
    def pid(self) -> int:
        return self.proc.pid


class WorkerPool:
    """N query worker processes, each with its own copy of the graph. A query that runs past its
    timeout is really stopped: its worker is killed and a fresh one takes its place."""

    def __init__(self, engine: str = "oxigraph", workers: int = 2):
        if engine not in ENGINES:
            raise SpinekgError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
        self.engine = engine
        import queue

        self.idle: queue.Queue[_Worker] = queue.Queue()
        self.all: set[_Worker] = set()
        self.lock = threading.Lock()
        self.closed = False
        for _ in range(max(1, workers)):
            self._add(_Worker(engine))

    def _add(self, w: _Worker) -> None:
        with self.lock:
            if self.closed:
                w.kill()
                return
            self.all.add(w)
        self.idle.put(w)

    def _replace(self, w: _Worker) -> None:
        with self.lock:
            self.all.discard(w)
        w.kill()
        if not self.closed:
            threading.Thread(target=lambda: self._add(_Worker(self.engine)), daemon=True).start()

    def pids(self) -> list[int]:
        with self.lock:
            return sorted(w.pid for w in self.all)

    def query(self, query: str, bindings: dict[str, Term] | None = None, *,
              timeout: float | None = DEFAULT_TIMEOUT, max_rows: int | None = DEFAULT_MAX_ROWS) -> Result:
        import queue

        check_query(query)
        limit = timeout if timeout and timeout > 0 else 3600.0
        t0 = time.monotonic()
        try:
            w = self.idle.get(timeout=limit)
        except queue.Empty:
            raise QueryTimeout(f"the server is busy: no query worker was free within {limit:g} s") from None
        remaining = max(0.01, limit - (time.monotonic() - t0))
        try:
            answer = w.ask({"query": query, "bindings": {k: list(v) for k, v in (bindings or {}).items()},
                            "max_rows": max_rows}, remaining)
        except BaseException:
            self._replace(w)
            raise
        if answer is None:
            self._replace(w)
            raise QueryTimeout(f"query timed out after {limit:g} s and was stopped")
        self.idle.put(w)
        if "error" in answer:
            cls = {c.__name__: c for c in (QueryRefused, UpdateRefused, QuerySyntaxError, QueryTimeout)}.get(
                answer["type"], SpinekgError)
            raise cls(answer["error"])
        return Result.from_wire(answer)

    def close(self) -> None:
        with self.lock:
            self.closed = True
            workers = list(self.all)
            self.all.clear()
        for w in workers:
            w.kill()


def worker_main(engine_name: str) -> None:
    import sys

    engine = ENGINES[engine_name]()
    out = sys.stdout.buffer
    out.write(b"ready\n")
    out.flush()
    for line in sys.stdin.buffer:
        req = json.loads(line)
        try:
            result = engine.query(req["query"], {k: Term(*v) for k, v in req["bindings"].items()},
                                  timeout=None, max_rows=req["max_rows"])
            answer = result.to_wire()
        except SpinekgError as e:
            answer = {"error": str(e), "type": type(e).__name__}
        except Exception as e:  # noqa: BLE001 (reported to the parent as one line)
            answer = {"error": f"query failed: {e}", "type": "SpinekgError"}
        out.write(json.dumps(answer).encode() + b"\n")
        out.flush()
