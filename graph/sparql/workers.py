"""Query worker processes: no network, a memory cap, killed at the timeout, recycled when they grow.

A worker (`python -m spinekg.graph.sparql worker ENGINE --memory-mb N`) seals itself with the
seccomp filter of graph.sparql.sandbox (every thread), loads the graph, then caps its address
space at its size after loading + N MB (RLIMIT_AS). It reads one JSON request per line and
answers one JSON line, with its resident size so the parent can recycle a worker that grew.
"""
from __future__ import annotations

import json
import os
import threading
import time

from spinekg.graph.errors import SpinekgError
from spinekg.graph.sparql.errors import (QueryMemoryLimit, QueryRefused, QuerySyntaxError, QueryTimeout,
                                         ServerBusy, UpdateRefused)

# the engines, the check and the terms are imported where used: the server (spinekg.http.lanes)
# needs only the Worker class
DEFAULT_TIMEOUT = 10.0  # = graph.sparql.engines.DEFAULT_TIMEOUT (a test keeps them equal)
DEFAULT_MAX_ROWS = 10_000  # = graph.sparql.engines.DEFAULT_MAX_ROWS
DEFAULT_MEMORY_MB = 1024  # per query, above what the worker holds after loading the graph
PARSER_ALLOWANCE_MB = 256  # address space the SPARQL parser's import may add on top of the cap
RECYCLE_GROWTH_MB = 256  # a worker whose resident size grew this much since it started is replaced
RECYCLE_QUERIES = 5000  # ... and so is one that answered this many queries (no slow retained growth)
_ERRORS = {c.__name__: c for c in (QueryRefused, UpdateRefused, QuerySyntaxError, QueryTimeout, QueryMemoryLimit,
                                   SpinekgError)}


def watch_parent(parent: int) -> None:
    """A worker whose server is gone (killed, SIGTERM without cleanup) stops within 0.1 s, even
    while it is still loading, instead of finishing its start-up on a core the next one needs.
    The parent names itself (a parent that died before this ran would otherwise go unseen)."""
    def watch():
        while True:
            time.sleep(0.1)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, daemon=True, name="spinekg-parent-watch").start()


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class Worker:
    """One worker process and its pipes (blocking I/O: call from one thread at a time)."""

    def __init__(self, engine: str, memory_mb: int = DEFAULT_MEMORY_MB, *, wait: bool = True, spawned=None):
        """spawned: (process, stderr file) of a worker already started (see spinekg.http.spawn)."""
        self.engine, self.memory_mb, self.answered = engine, memory_mb, 0
        if spawned is None:
            import subprocess
            import sys
            import tempfile

            self.stderr = tempfile.TemporaryFile()  # unnamed: nothing is left behind, whatever happens
            spawned = (subprocess.Popen([sys.executable, "-m", "spinekg.graph.sparql", "worker", engine,
                                         "--memory-mb", str(memory_mb)],
                                        env={**os.environ, "SPINEKG_WORKER_PARENT": str(os.getpid())},
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr),
                       self.stderr)
        self.proc, self.stderr = spawned
        self.buf = b""
        self.expensive = False  # what the last query's check said
        if wait:
            self.wait_ready()

    def wait_ready(self) -> None:
        """Block until the worker has loaded the graph and sealed itself (SpinekgError if it cannot)."""
        engine = self.engine
        try:
            ready = self.read_line(time.monotonic() + 120)
        except SpinekgError:
            ready = None
        if ready is None or not ready.startswith(b"ready"):
            self.kill()
            why = " ".join((ready or b"").decode("utf-8", "replace").split()) or self.last_words()
            raise SpinekgError(f"the {engine} query worker did not start" + (f": {why}" if why else ""))
        self.start_rss = json.loads(ready[5:] or b"{}").get("rss", 0.0)
        self.rss = self.start_rss

    def last_words(self) -> str:
        """The worker's last stderr line (e.g. Rust's `memory allocation of N bytes failed`)."""
        try:
            self.stderr.seek(0)
            lines = self.stderr.read()[-2000:].decode("utf-8", "replace").strip().splitlines()
        except (OSError, ValueError):
            return ""
        return lines[-1].strip() if lines else ""

    def read_line(self, deadline: float) -> bytes | None:
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

    def ask(self, request: dict, timeout: float, budget: float | None = None) -> dict | None:
        """The worker's answer, None at the timeout (the caller kills the worker), or an error
        answer naming the memory cap when the worker died mid-query. The worker first reports
        that the query passed its check; `budget` then bounds the evaluation alone."""
        deadline = time.monotonic() + timeout
        try:
            self.proc.stdin.write(json.dumps(request).encode() + b"\n")
            self.proc.stdin.flush()
            line = self.read_line(deadline)
            if line is not None and line.startswith(b'{"checked"'):
                self.expensive = json.loads(line).get("expensive", False)
                go = not (budget and self.expensive)  # a fast-lane worker never starts an expensive query
                self.proc.stdin.write(b"go\n" if go else b"skip\n")
                self.proc.stdin.flush()
                if not go:
                    self.read_line(deadline)
                    return {"moved": True}
                line = self.read_line(min(deadline, time.monotonic() + budget) if budget else deadline)
        except (SpinekgError, BrokenPipeError):
            self.proc.wait()
            words = self.last_words()
            if "memory allocation" in words or "MemoryError" in words or self.proc.returncode in (-6, -9):
                return {"type": "QueryMemoryLimit", "error": self.memory_message()}
            return {"type": "SpinekgError", "error": "the query worker stopped unexpectedly" + (f": {words}" if words else "")}
        if line is None:
            return None
        answer = json.loads(line)
        if answer.get("skipped"):
            return {"moved": True}
        self.answered += 1
        self.rss = answer.pop("rss", self.rss)
        return answer

    def memory_message(self) -> str:
        return f"the query needed more than the {self.memory_mb} MB of memory a query may use and was stopped"

    def worn(self) -> bool:
        """Time to replace it: it grew (memory not given back) or answered many queries."""
        return self.rss - self.start_rss > RECYCLE_GROWTH_MB or self.answered >= RECYCLE_QUERIES

    def kill(self) -> None:
        try:
            self.proc.kill()
        finally:
            self.proc.wait()
            for f in (self.proc.stdin, self.proc.stdout, self.stderr):
                try:
                    f.close()
                except OSError:
                    pass

    @property
    def pid(self) -> int:
        return self.proc.pid


def raise_answer(answer: dict):
    """A worker's JSON answer -> Result, or the error it names."""
    if "error" in answer:
        raise _ERRORS.get(answer.get("type"), SpinekgError)(answer["error"])
    from spinekg.graph.sparql.terms import Result

    return Result.from_wire(answer)


def request(query: str, bindings: dict | None, max_rows: int | None) -> dict:
    return {"query": query, "bindings": {k: list(v) for k, v in (bindings or {}).items()}, "max_rows": max_rows}


class WorkerPool:
    """N query worker processes, each with its own copy of the graph. A query that runs past its
    timeout is really stopped: its worker is killed and a fresh one takes its place."""

    def __init__(self, engine: str = "oxigraph", workers: int = 2, *, memory_mb: int = DEFAULT_MEMORY_MB):
        from spinekg.graph.sparql.engines import ENGINES

        if engine not in ENGINES:
            raise SpinekgError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
        self.engine, self.memory_mb = engine, memory_mb
        import queue

        self.idle: queue.Queue[Worker] = queue.Queue()
        self.all: set[Worker] = set()
        self.lock = threading.Lock()
        self.closed = False
        for _ in range(max(1, workers)):
            self._add(Worker(engine, memory_mb))

    def _add(self, w: Worker) -> None:
        with self.lock:
            if self.closed:
                w.kill()
                return
            self.all.add(w)
        self.idle.put(w)

    def _replace(self, w: Worker) -> None:
        with self.lock:
            self.all.discard(w)
        w.kill()
        if not self.closed:
            threading.Thread(target=lambda: self._add(Worker(self.engine, self.memory_mb)), daemon=True).start()

    def pids(self) -> list[int]:
        with self.lock:
            return sorted(w.pid for w in self.all)

    def query(self, query: str, bindings: dict | None = None, *,
              timeout: float | None = DEFAULT_TIMEOUT, max_rows: int | None = DEFAULT_MAX_ROWS):
        import queue

        from spinekg.graph.sparql.safety import check_query

        check_query(query)
        limit = timeout if timeout and timeout > 0 else 3600.0
        t0 = time.monotonic()
        try:
            w = self.idle.get(timeout=limit)
        except queue.Empty:
            raise ServerBusy(f"the server is busy: no query worker was free within {limit:g} s") from None
        remaining = max(0.01, limit - (time.monotonic() - t0))
        try:
            answer = w.ask(request(query, bindings, max_rows), remaining)
        except BaseException:
            self._replace(w)
            raise
        if answer is None:
            self._replace(w)
            raise QueryTimeout(f"query timed out after {limit:g} s and was stopped")
        if w.proc.poll() is not None or w.worn():
            self._replace(w)
        else:
            self.idle.put(w)
        return raise_answer(answer)

    def close(self) -> None:
        with self.lock:
            self.closed = True
            workers = list(self.all)
            self.all.clear()
        for w in workers:
            w.kill()


def _served_engine(store, prefixes: dict[str, str]):
    """The Oxigraph engine over the served store, with the prefix table that came with it."""
    from spinekg.graph.sparql.engines import OxigraphEngine

    class ServedEngine(OxigraphEngine):
        def __init__(self):
            # the served store never changes: saved queries may run as plans; answers are kept by the
            # server process (spinekg.http.answers), not a second time inside the capped worker
            self.store, self.prefixes = store, prefixes
            self.read_only, self.cache = True, False

    return ServedEngine()


def worker_main(engine_name: str, memory_mb: int = DEFAULT_MEMORY_MB, *, lazy_parser: bool = False) -> None:
    """The worker's loop (stdin requests, stdout answers); sealed before it loads anything."""
    import resource
    import sys

    from spinekg.graph.sparql import sandbox

    out = sys.stdout.buffer
    try:
        sandbox.deny_network(whole_process=True)
        from spinekg.graph.sparql.engines import ENGINES
        from spinekg.graph.sparql.safety import check_query
        from spinekg.graph.sparql.terms import Term

        # loaded on this thread: a second thread's malloc arena would count in the size the cap
        # starts from, and a query could then use that arena's unused part beyond memory_mb
        if engine_name == "oxigraph":  # the persisted copy loads in ~50 ms instead of a parse
            from spinekg.graph.sparql.served_store import served_store

            engine = _served_engine(*served_store())
        else:
            engine = ENGINES[engine_name]()
        engine.query("ASK { ?s ?p ?o }", timeout=None)  # warm the store before the cap
        if not lazy_parser:  # rdflib's SPARQL parser: 0.3-1.5 s to import, paid now, not by a query
            from rdflib.plugins.sparql import algebra, parser  # noqa: F401
    except SpinekgError as e:
        out.write(f"error {e}\n".encode())
        out.flush()
        return
    with open("/proc/self/statm") as f:
        size = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    cap = size + memory_mb * 2**20
    # the SPARQL parser (rdflib) is imported on the first query whose verdict is not on disk, not
    # at start-up (a quarter of a second); the cap then moves up by what the import took, so a
    # query still gets its full memory_mb and the worker never more than PARSER_ALLOWANCE_MB extra
    hard = cap + PARSER_ALLOWANCE_MB * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    parser_seen = "rdflib" in sys.modules
    out.write(b"ready" + json.dumps({"rss": _rss_mb()}).encode() + b"\n")
    out.flush()
    for line in sys.stdin.buffer:
        req = json.loads(line)
        try:
            info = check_query(req["query"])
            if not parser_seen and "rdflib" in sys.modules:
                parser_seen = True
                with open("/proc/self/statm") as f:
                    grown = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE") - size
                resource.setrlimit(resource.RLIMIT_AS, (min(hard, cap + max(0, grown)), hard))
            out.write(json.dumps({"checked": True, "expensive": info.expensive}).encode() + b"\n")
            out.flush()
            if sys.stdin.buffer.readline().strip() != b"go":
                out.write(b'{"skipped": true}\n')
                out.flush()
                continue
            result = engine.query(req["query"], {k: Term(*v) for k, v in req["bindings"].items()},
                                  timeout=None, max_rows=req["max_rows"])
            answer = result.to_wire()
        except MemoryError:
            answer = {"error": f"the query needed more than the {memory_mb} MB of memory a query may use and was stopped",
                      "type": "QueryMemoryLimit"}
        except SpinekgError as e:
            answer = {"error": str(e), "type": type(e).__name__}
        except Exception as e:  # noqa: BLE001 (reported to the parent as one line)
            answer = {"error": f"query failed: {' '.join(str(e).split())}", "type": "SpinekgError"}
        answer["rss"] = _rss_mb()
        try:
            data = json.dumps(answer).encode() + b"\n"
        except MemoryError:
            data = json.dumps({"error": "the query's answer is too large to send within the memory cap",
                               "type": "QueryMemoryLimit"}).encode() + b"\n"
        out.write(data)
        out.flush()
