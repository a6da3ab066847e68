"""The endpoint's load rounds driven by wrk (Debian/Ubuntu package `wrk`), a C load generator.

bench/run.py's own client is four Python threads: it spends more CPU per request than
`spinekg serve` does (about 250 µs against 165 µs, measured on 2 cores), and its threads take
turns on one GIL, so its latencies are mostly its own queueing. wrk drives the same four
keep-alive connections from one epoll thread for a few µs per request, so what it measures is the
server. A wrk round is bounded in time (`seconds`) and in connections; only 127.0.0.1 is used.

The figures come from wrk's own `done()` hook (a Lua script, below): request count, duration,
errors and the latency percentiles of its histogram, as JSON on the last line of its output.
"""
from __future__ import annotations

import json
import resource
import shutil
import subprocess
import tempfile
from pathlib import Path

# wrk's Lua hooks: the request's headers, and one JSON line with the round's figures at the end
SCRIPT = r"""
wrk.method = "GET"
wrk.headers["Accept"] = "application/sparql-results+json"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %d, "duration_us": %d, "errors": %d, "p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def available() -> str | None:
    return shutil.which("wrk")


def parse(stdout: str) -> dict:
    """A round's figures from wrk's output (the JSON line its done() hook writes last)."""
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"wrk printed no figures: {' '.join(stdout.split())[:200]}")
    got = json.loads(lines[-1])
    seconds = got["duration_us"] / 1e6
    return {"requests": got["requests"], "errors": got["errors"],
            "throughput_qps": round(got["requests"] / seconds, 1) if seconds else 0.0,
            "p50_ms": round(got["p50_us"] / 1000, 3), "p99_ms": round(got["p99_us"] / 1000, 3),
            "max_ms": round(got["max_us"] / 1000, 3), "wall_s": round(seconds, 3)}


def round_(url: str, *, connections: int = 4, seconds: int = 3, threads: int = 1) -> dict:
    """One wrk round against `url` (an http://127.0.0.1 address) of whole `seconds` (wrk's -d takes
    no fractions); adds the client's CPU per request."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("load rounds talk to 127.0.0.1 only")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(SCRIPT)
    try:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        r = subprocess.run([available() or "wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, int(seconds))}s",
                            "--timeout", "10s", "-s", f.name, url], capture_output=True, text=True,
                           timeout=seconds + 30)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        Path(f.name).unlink()
    if r.returncode != 0:
        raise RuntimeError(f"wrk failed ({r.returncode}): {' '.join((r.stderr or r.stdout).split())[:200]}")
    out = parse(r.stdout)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    out["client_cpu_us_per_request"] = round(cpu / out["requests"] * 1e6, 1) if out["requests"] else None
    return out


def pooled(rounds: list[dict]) -> dict:
    """A server's figures over its rounds: throughput over the summed requests and time; p50 and
    p99 the median of the rounds' (wrk reports percentiles, not each latency, so they are not pooled)."""
    import statistics

    wall = sum(g["wall_s"] for g in rounds)
    return {"requests": sum(g["requests"] for g in rounds), "errors": sum(g["errors"] for g in rounds),
            "throughput_qps": round(sum(g["requests"] for g in rounds) / wall, 1) if wall else 0.0,
            "p50_ms": statistics.median(g["p50_ms"] for g in rounds),
            "p99_ms": statistics.median(g["p99_ms"] for g in rounds),
            "rounds": [{k: g[k] for k in ("requests", "throughput_qps", "p50_ms", "p99_ms", "max_ms",
                                          "client_cpu_us_per_request", "server_cpu_us_per_request") if k in g}
                       for g in rounds]}
