"""The endpoint section: 4 concurrent clients against `spinekg serve` and `oxigraph serve`, both
started, warmed and idle, then measured in interleaved rounds (the Python client's and, when wrk is
installed, wrk's: bench/wrk_rounds.py); and its rows of the table."""
from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

import wrk_rounds
from common import exe, ratio

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc, seconds: float = 60) -> None:
    end = time.time() + seconds
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


ENDPOINT_QUERY = ("PREFIX sk: <https://w3id.org/spinekg/ontology#> PREFIX cpt: <https://w3id.org/spinekg/cpt/> "
                  "SELECT ?addon WHERE { cpt:63304 sk:hasAddOn ?addon } ORDER BY ?addon")


def load_clients(port: int, path: str, clients: int, per_client: int, seconds: float) -> dict:
    """`clients` threads, each on one keep-alive connection, sending GET queries; bounded in count and time."""
    url = f"{path}?query={urllib.parse.quote(ENDPOINT_QUERY)}"
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.time() + seconds

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for _ in range(per_client):
            if time.time() > deadline:
                break
            t = time.perf_counter()
            conn.request("GET", url, headers={"Accept": "application/sparql-results+json", "Host": f"127.0.0.1:{port}"})
            resp = conn.getresponse()
            body = resp.read()
            if resp.status != 200 or b"63308" not in body:
                errors[0] += 1
            mine.append(time.perf_counter() - t)
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return summary(latencies, errors[0], time.perf_counter() - t0)


def summary(latencies: list[float], errors: int, wall: float) -> dict:
    latencies = sorted(latencies)
    return {"requests": len(latencies), "errors": errors, "throughput_qps": round(len(latencies) / wall, 1),
            "p50_ms": round(latencies[len(latencies) // 2] * 1000, 3),
            "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 3),
            "wall_s": round(wall, 3), "latencies": latencies}


def tree_cpu_s(pid: int) -> float:
    """CPU seconds used so far by a process and its live children (Linux /proc)."""
    total, todo, tick = 0.0, [pid], os.sysconf("SC_CLK_TCK")
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError, IndexError):
            continue
    return total


def quiesce(pid: int, seconds: float = 30, idle_windows: int = 4) -> None:
    """Wait until a server and its children have been idle (under 2% of a core) for
    `idle_windows` half-seconds in a row: `spinekg serve` starts its other query workers after
    half a second without requests, and that start must not fall in either server's rounds."""
    end = time.time() + seconds
    last, quiet = tree_cpu_s(pid), 0
    while time.time() < end and quiet < idle_windows:
        time.sleep(0.5)
        now = tree_cpu_s(pid)
        quiet = quiet + 1 if now - last < 0.01 else 0
        last = now


ENDPOINT_ROUNDS = 3  # each server's requests come in this many rounds, interleaved A B B A A B


def with_server_cpu(pid: int, fn) -> dict:
    """fn()'s round figures plus the server's CPU per request (its process tree's, during the round)."""
    before = tree_cpu_s(pid)
    got = fn()
    used = tree_cpu_s(pid) - before
    got["server_cpu_us_per_request"] = round(used / got["requests"] * 1e6, 1) if got["requests"] else None
    return got


def interleaved(servers: dict, run) -> dict:
    """{server: [round figures]}: ENDPOINT_ROUNDS rounds of run(port, path) on each server, in the
    order A B B A A B, each with the server's CPU per request."""
    names = list(servers)
    got: dict = {name: [] for name in names}
    for r in range(ENDPOINT_ROUNDS):
        for name in names if r % 2 == 0 else names[::-1]:
            proc, port, path = servers[name]
            got[name].append(with_server_cpu(proc.pid, lambda: run(port, path)))
    return got


def bench_endpoint(per_client: int, tmp: Path) -> dict:
    """Both servers started, warmed and idle, then measured in interleaved rounds (the order
    alternates, so a drift in the machine's load falls on both alike); each server's figures are
    over all its rounds' requests, and each round's are kept too."""
    from spinekg.graph import sparql

    out = {}
    servers: dict = {}
    try:
        port = free_port()
        servers["spinekg serve"] = (subprocess.Popen([exe("spinekg"), "serve", "--port", str(port)],
                                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), port, "/sparql")
        oxi = exe("oxigraph")
        if not Path(oxi).exists() and not shutil.which("oxigraph"):
            out["oxigraph serve"] = {"skipped": "the `oxigraph` server (PyPI package oxigraph) is not installed"}
        else:
            data = tmp / "graph.nt"
            data.write_bytes(sparql.store_ntriples())
            loc = tmp / "oxigraph-db"
            subprocess.run([oxi, "load", "--location", str(loc), "--file", str(data)], check=True, capture_output=True)
            port = free_port()
            servers["oxigraph serve"] = (subprocess.Popen([oxi, "serve", "--location", str(loc), "--bind", f"127.0.0.1:{port}"],
                                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), port, "/query")
        for proc, port, path in servers.values():
            wait_port(port, proc)
            load_clients(port, path, 4, 20, 10)  # warm
        for proc, _, _ in servers.values():
            quiesce(proc.pid)
        names = list(servers)
        rounds = interleaved(servers, lambda port, path: load_clients(port, path, 4, per_client, 60))
        for name, got in rounds.items():
            total = summary([x for g in got for x in g["latencies"]], sum(g["errors"] for g in got),
                            sum(g["wall_s"] for g in got))
            del total["latencies"], total["wall_s"]
            total["rounds"] = [{k: g[k] for k in ("requests", "throughput_qps", "p50_ms", "p99_ms",
                                                  "server_cpu_us_per_request")} for g in got]
            out[name] = total
        if wrk_rounds.available():  # the same rounds from a C client (bench/wrk_rounds.py says why), interleaved alike
            query = urllib.parse.quote(ENDPOINT_QUERY)
            got = interleaved(servers, lambda port, path: wrk_rounds.round_(f"http://127.0.0.1:{port}{path}?query={query}",
                                                                            connections=4, seconds=3))
            for name in names:
                out[name]["wrk"] = wrk_rounds.pooled(got[name])
    finally:
        for proc, _, _ in servers.values():
            proc.terminate()
            proc.wait(10)
    return out


def endpoint_rows(ours: dict, ref: dict) -> list[tuple]:
    """The endpoint targets, judged on wrk's rounds when both servers have them (the C client,
    bench/wrk_rounds.py); the Python client's figures (earlier rounds' method) are printed beside,
    and judged only when wrk was not there."""
    rows = []
    by = "wrk" if "wrk" in ours and "wrk" in ref else "Python client"
    for client, a, b in ([("wrk", ours["wrk"], ref["wrk"])] if by == "wrk" else []) + [("Python client", ours, ref)]:
        judged = client == by
        verdict = (lambda ok: "ok" if ok else "MISSED") if judged else (lambda ok: "")
        head = "endpoint" if judged else f"  {client} (as earlier rounds):"
        rows.append((f"{head} throughput, 4 clients" + (" (≥ 1.0x oxigraph)" if judged else ""),
                     f"{a['throughput_qps']:.0f} q/s ({client})", f"oxigraph {b['throughput_qps']:.0f} q/s",
                     ratio(a["throughput_qps"], b["throughput_qps"]), verdict(a["throughput_qps"] >= b["throughput_qps"])))
        rows.append((f"{head} p50 / p99" + (" (p99 ≤ oxigraph's)" if judged else ""),
                     f"{a['p50_ms']:.2f} / {a['p99_ms']:.2f} ms", f"oxigraph {b['p50_ms']:.2f} / {b['p99_ms']:.2f} ms",
                     ratio(a["p99_ms"], b["p99_ms"]), verdict(a["p99_ms"] <= b["p99_ms"])))
        if "rounds" in a and "rounds" in b:
            each = lambda r: " / ".join(f"{g['p99_ms']:.2f}" for g in r["rounds"])  # noqa: E731
            rows.append((f"  p99 of each round ({client}, interleaved)", f"{each(a)} ms", f"oxigraph {each(b)} ms", "", ""))
            cpu = lambda r: " / ".join(f"{g['server_cpu_us_per_request']:.0f}" for g in r["rounds"]  # noqa: E731
                                       if g.get("server_cpu_us_per_request") is not None)
            if cpu(a) and cpu(b):
                rows.append((f"  server CPU per request ({client}, each round)", f"{cpu(a)} µs", f"oxigraph {cpu(b)} µs", "", ""))
    return rows
