"""Load measurements of `spinekg serve` (127.0.0.1 only, bounded): many clients, idle sockets, worker memory, growth.

Each function starts what it measures, returns a dict of figures and stops what it started;
tests/test_load.py runs them small, `python bench/load.py` (and bench/run.py, if it calls
`report()`) runs them at the issue's sizes:
  clients(200 clients, 10 s)   0 errors, p99 of a simple query (target <= 100 ms)
  idle_sockets(1000)           server threads before/after, and a query still answered
  worker_memory()              peak worker RSS while a memory-hungry query runs, against the cap
  growth(1000 large queries)   server and worker RSS before/after (answers of ~1 MB each)
  while_slow()                 simple queries' latency while two slow ones hold the general workers
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

SIMPLE = "ASK { cpt:63304 sk:hasAddOn cpt:63308 }"
HUNGRY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?f ?a"
LARGE = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 3000 # {i}"  # ~1 MB of JSON, a new text each time


class Serve:
    """`spinekg serve --port 0` as its own process (so its RSS and threads are its own)."""

    def __init__(self, *args: str):
        exe = Path(sys.executable).parent / "spinekg"
        cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "spinekg"]
        self.proc = subprocess.Popen([*cmd, "serve", "--port", "0", *args], stderr=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, text=True)
        for line in self.proc.stderr:
            m = re.search(r"http://127\.0\.0\.1:(\d+)/sparql", line)
            if m:
                self.port = int(m.group(1))
                break
        else:
            raise RuntimeError("spinekg serve did not start")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()
        self.proc.stderr.close()

    def workers(self) -> list[int]:
        out = []  # workers are started from the lanes' threads: read every thread's children
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            try:
                out += [int(p) for p in (task / "children").read_text().split()]
            except OSError:
                continue
        return sorted(out)

    def wait_workers(self, n: int, seconds: float = 60.0) -> None:
        """Until n workers run (a server starts on one; the others follow, see spinekg.http.lanes)."""
        deadline = time.monotonic() + seconds
        while len(self.workers()) < n and time.monotonic() < deadline:
            time.sleep(0.1)

    def threads(self) -> int:
        return len(os.listdir(f"/proc/{self.proc.pid}/task"))


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def request_bytes(port: int, query: str) -> bytes:
    target = "/sparql?" + urllib.parse.urlencode({"query": query})
    return (f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Accept: application/sparql-results+json\r\n\r\n").encode()


async def read_response(reader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))
    await reader.readexactly(length)
    return status


async def _clients(port: int, n: int, seconds: float, think: float, query: str) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    stop = time.monotonic() + seconds
    payload = request_bytes(port, query)

    async def one(i: int):
        await asyncio.sleep(think * i / n)  # spread the start
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError as e:
            errors.append(f"connect: {e}")
            return
        try:
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                writer.write(payload)
                status = await asyncio.wait_for(read_response(reader), 30)
                latencies.append(time.perf_counter() - t0)
                if status != 200:
                    errors.append(f"HTTP {status}")
                await asyncio.sleep(think)
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError) as e:
            errors.append(f"{type(e).__name__}: {e}")
        finally:
            writer.close()

    t0 = time.monotonic()
    await asyncio.gather(*(one(i) for i in range(n)))
    wall = time.monotonic() - t0
    latencies.sort()

    def pct(p):
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2) if latencies else None

    return {"clients": n, "seconds": seconds, "think_s": think, "requests": len(latencies), "errors": len(errors),
            "first_errors": errors[:3], "p50_ms": pct(0.50), "p99_ms": pct(0.99), "max_ms": pct(1.0),
            "qps": round(len(latencies) / wall, 1)}


def clients(n: int = 200, seconds: float = 10.0, think: float = 0.25, query: str = SIMPLE, *serve_args: str) -> dict:
    """n keep-alive clients, each sending `query`, reading the answer, pausing `think` s, for `seconds`."""
    with Serve(*serve_args) as s:
        asyncio.run(_clients(s.port, 1, 1.0, 0.0, query))  # warm: workers, caches
        return asyncio.run(_clients(s.port, n, seconds, think, query))


def idle_sockets(n: int = 1000) -> dict:
    import socket

    with Serve() as s:
        before = s.threads()
        socks = [socket.create_connection(("127.0.0.1", s.port), timeout=5) for _ in range(n)]
        time.sleep(1.0)
        during = s.threads()
        t0 = time.perf_counter()
        status = asyncio.run(_clients(s.port, 1, 0.01, 0.0, SIMPLE))
        answer_ms = round((time.perf_counter() - t0) * 1000, 1)
        for sock in socks:
            sock.close()
        return {"idle_sockets": n, "threads_before": before, "threads_with_idle": during,
                "query_errors": status["errors"], "query_ms": answer_ms}


def worker_memory(cap_mb: int = 512, seconds: float = 30.0) -> dict:
    """Peak RSS of the worker running a memory-hungry query, sampled every 20 ms, against the cap."""
    import threading
    import urllib.error
    import urllib.request

    with Serve("--workers", "1", "--fast-workers", "0", "--memory-mb", str(cap_mb), "--timeout", str(seconds)) as s:
        (pid,) = s.workers()
        # a first new query loads the worker's SPARQL parser (a worker starts without it): the cap
        # bounds what a query adds to a worker that has it
        urllib.request.urlopen(f"http://127.0.0.1:{s.port}/sparql?" + urllib.parse.urlencode({"query": SIMPLE + " # warm"}),
                               timeout=60).read()
        base = rss_mb(pid)
        peak, answer = base, {}

        def ask():
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{s.port}/sparql?" + urllib.parse.urlencode({"query": HUNGRY}),
                                       timeout=seconds + 30).read()
                answer["status"] = 200
            except urllib.error.HTTPError as e:
                answer["status"], answer["body"] = e.code, e.read().decode().strip()

        t = threading.Thread(target=ask)
        t.start()
        while t.is_alive():
            peak = max(peak, rss_mb(pid))
            time.sleep(0.02)
        return {"cap_mb": cap_mb, "worker_rss_start_mb": round(base, 1), "worker_rss_peak_mb": round(peak, 1),
                "under_cap": peak <= base + cap_mb, "status": answer.get("status"), "message": answer.get("body")}


def growth(n: int = 1000) -> dict:
    """Server and worker RSS before and after n large answers (new texts, so no answer cache)."""
    import urllib.request

    with Serve("--workers", "2", "--fast-workers", "1") as s:
        def run(i):
            url = f"http://127.0.0.1:{s.port}/sparql?" + urllib.parse.urlencode({"query": LARGE.replace("{i}", str(i))})
            return len(urllib.request.urlopen(url, timeout=60).read())

        s.wait_workers(3)  # every worker counted before and after
        for i in range(20):  # warm-up: allocators settle
            run(-i - 1)
        server0, workers0 = rss_mb(s.proc.pid), sum(rss_mb(p) for p in s.workers())
        t0 = time.monotonic()
        size = sum(run(i) for i in range(n))
        elapsed = time.monotonic() - t0
        server1, workers1 = rss_mb(s.proc.pid), sum(rss_mb(p) for p in s.workers())
        return {"queries": n, "bytes_answered": size, "seconds": round(elapsed, 1),
                "server_rss_mb": [round(server0, 1), round(server1, 1)],
                "workers_rss_mb": [round(workers0, 1), round(workers1, 1)],
                "server_growth_mb": round(server1 - server0, 1), "workers_growth_mb": round(workers1 - workers0, 1)}


SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def while_slow(simple: int = 20) -> dict:
    """Latency of simple queries (each a new text: no answer cache) while two slow ones hold both
    general workers (target: each within 100 ms)."""
    import threading
    import urllib.error
    import urllib.request

    with Serve("--workers", "2", "--fast-workers", "1", "--timeout", "15") as s:
        base = f"http://127.0.0.1:{s.port}/sparql?"

        def get(q):
            try:
                return urllib.request.urlopen(base + urllib.parse.urlencode({"query": q}), timeout=60).status
            except urllib.error.HTTPError as e:
                return e.code

        get(SLOW)  # learnt as expensive (its check says so): from now on it goes to the general lane only
        s.wait_workers(3)  # the other workers have started, and the fast worker it cost is replaced
        time.sleep(1.0)
        slow = [threading.Thread(target=get, args=(SLOW,)) for _ in range(2)]
        for t in slow:
            t.start()
        time.sleep(1.0)
        times, codes = [], []
        for i in range(simple):
            t0 = time.perf_counter()
            codes.append(get(f"{SIMPLE} # {i}"))
            times.append((time.perf_counter() - t0) * 1000)
        busy = all(t.is_alive() for t in slow)
        for t in slow:
            t.join(60)
        times.sort()
        return {"simple_queries": simple, "slow_running_throughout": busy, "errors": sum(c != 200 for c in codes),
                "p50_ms": round(times[len(times) // 2], 1), "max_ms": round(times[-1], 1)}


def report(small: bool = False) -> dict:
    if small:
        return {"clients": clients(50, 3.0), "idle": idle_sockets(200), "memory": worker_memory(256, 20.0),
                "growth": growth(100), "while_slow": while_slow(5)}
    return {"clients": clients(), "idle": idle_sockets(), "memory": worker_memory(), "growth": growth(),
            "while_slow": while_slow()}


if __name__ == "__main__":
    print(json.dumps(report(small="--small" in sys.argv), indent=2))
