"""spinekg benchmark: prints a table of each target with the measured figure and its reference,
and writes the figures as JSON.

    python bench/run.py                 # everything (a few minutes on 2 cores)
    python bench/run.py --quick         # fewer repetitions, 100k-triple scale run only
    python bench/run.py --only cold,queries --json out.json
    python bench/run.py --scale 10m            # adds a 10-million-triple scale row

Sections: cold (whole-process CLI latency beside `python -c pass` and `import rdflib`), queries
(each saved query on the embedded graph, pyoxigraph and rdflib), html (explorer render time and
size), endpoint (4 concurrent clients against `spinekg serve` and `oxigraph serve`; judged on wrk's rounds
when wrk is installed, bench/wrk_rounds.py), scale
(generated code sets of ~100k and ~1M triples: in-memory load, the persisted store's first load and
later opens, peak RSS, each saved query), claims (bench/claims.py) and load (bench/load.py) when
those modules exist. Each target row shows its reference measured in the same run and a verdict.
Figures are medians; query rows also give CPU time, which the machine's other load does not inflate. Nothing here is asserted by the test suite.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import wrk_rounds  # noqa: E402 (bench/wrk_rounds.py, beside this file)

BIN = Path(sys.executable).parent


def exe(name: str) -> str:
    found = BIN / name
    return str(found) if found.exists() else (shutil.which(name) or name)


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 3)


def time_process(argv: list[str], runs: int, env=None, check=True) -> float:
    subprocess.run(argv, capture_output=True, env=env, check=check)  # warm: OS cache, compiled catalog
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(argv, capture_output=True, env=env, check=check)
        samples.append(time.perf_counter() - t)
    return median_ms(samples)


# ------------------------------------------------------------------------------------------ cold
def compile_sources() -> None:
    """Write the package's bytecode, as `pip install` does: an editable install under
    PYTHONDONTWRITEBYTECODE would otherwise compile every changed module on each cold run."""
    import compileall
    import importlib.util

    for name in ("spinekg", "spinekg.graph", "spinekg.ontology", "spinekg.exports"):
        spec = importlib.util.find_spec(name)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            compileall.compile_dir(folder, quiet=1)


def bench_cold(runs: int, tmp: Path) -> dict:
    compile_sources()
    py, sk = sys.executable, exe("spinekg")
    html = tmp / "explorer.html"
    cases = {
        "python -c pass": [py, "-c", "pass"],
        "python -c 'import rdflib'": [py, "-c", "import rdflib"],
        "spinekg show 63304": [sk, "show", "63304"],
        "spinekg list --region lumbar": [sk, "list", "--region", "lumbar"],
        "spinekg query --name region-approach-matrix": [sk, "query", "--name", "region-approach-matrix"],
        "spinekg find (lumbar LECA corpectomy, 3 segments)": [sk, "find", "--procedure", "corpectomy", "--region", "lumbar",
                                                              "--approach", "lateral extracavitary", "--units", "3"],
        "spinekg explore": [sk, "explore", "-o", str(html), "--no-open", "--force"],
        "spinekg family 63304": [sk, "family", "63304"],
        "spinekg path 63304 63308": [sk, "path", "63304", "63308"],
        "spinekg check claim 22551 22552 22853x2": [sk, "check", "claim", "22551", "22552", "22853x2"],
    }
    checked = {}
    for name, argv in cases.items():  # each once, untimed: warms the OS cache and the compiled catalog
        try:
            subprocess.run(argv, capture_output=True, check=True)
            checked[name] = True
        except subprocess.CalledProcessError as e:  # a command another branch has not delivered yet
            if e.returncode == 2 and b"No such command" in (e.stderr or b""):
                continue
            if e.returncode != 1:  # `check claim` exits 1 when it has findings: still a timing
                raise
            checked[name] = False
    serve_first_answer()  # the first start warms the OS cache and the compiled catalog
    # interleaved: each round runs every command (and one serve start) once, so a drift in the
    # machine's speed falls on the reference and the commands alike (the ratios are what the
    # targets judge)
    samples: dict = {name: [] for name in [*checked, SERVE_FIRST]}
    for _ in range(runs):
        for name, check in checked.items():
            t = time.perf_counter()
            subprocess.run(cases[name], capture_output=True, check=check)
            samples[name].append(time.perf_counter() - t)
        samples[SERVE_FIRST].append(serve_first_answer())
    return {name: median_ms(got) for name, got in samples.items()}


SERVE_FIRST = "spinekg serve (time to first answer)"


def serve_first_answer() -> float:
    """Seconds from starting `spinekg serve` to the first 200 answer of a query over HTTP."""
    url = f"/sparql?query={urllib.parse.quote(ENDPOINT_QUERY)}"
    port = free_port()
    t = time.perf_counter()
    proc = subprocess.Popen([exe("spinekg"), "serve", "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        end = t + 60
        while time.perf_counter() < end:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", url, headers={"Accept": "application/sparql-results+json"})
                if conn.getresponse().status == 200:
                    return time.perf_counter() - t
            except OSError:
                time.sleep(0.005)
        raise RuntimeError("spinekg serve gave no answer in 60 s")
    finally:
        proc.terminate()
        proc.wait(10)


# --------------------------------------------------------------------------------------- queries
REFERENCE: dict = {}  # section -> its same-run reference figures, written as "<section>_reference"


def bench_queries(runs: int) -> dict:
    """Each saved query's median: `oxigraph_ms` evaluates every time (no answer cache: comparable
    with earlier rounds), `oxigraph_cached_ms` repeats it on the engine users get by default
    (answers kept per process, graph/sparql/answers.py), `oxigraph_first_ms` is that engine's
    first run. CPU times are the process's (the query runs on a sealed thread of its own)."""
    from spinekg.graph import sparql
    from spinekg.graph.sparql import answers

    store = sparql.load_store()
    engines = (("oxigraph_ms", sparql.OxigraphEngine(store, cache=False), runs),
               ("oxigraph_cached_ms", sparql.OxigraphEngine(), runs),
               # rdflib takes up to seconds per query here: fewer repetitions, still a median
               ("rdflib_ms", sparql.RdflibEngine(), max(3, runs // 10)))
    answers.clear()
    out = {}
    floor = sparql.OxigraphEngine(store, cache=False)
    floor.query("ASK {}", timeout=None)
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        floor.query("ASK {}", timeout=None)
        samples.append(time.perf_counter() - t)
    # the machine's speed in the same run: the engine's cost for an empty query, and a process start
    REFERENCE["queries"] = {"ask_ms": median_ms(samples),
                            "import_rdflib_ms": time_process([sys.executable, "-c", "import rdflib"], 5)}
    for name, saved in sparql.saved_queries().items():
        bindings = sparql.bind_params(saved.example_params(), saved)
        row = {}
        for label, engine, n in engines:
            t = time.perf_counter()
            engine.query(saved.text, bindings, timeout=None)  # warm (prepares the query; fills the cache)
            if label == "oxigraph_cached_ms":
                row["oxigraph_first_ms"] = round((time.perf_counter() - t) * 1000, 3)
            samples, cpu = [], []
            for _ in range(n):
                t, c = time.perf_counter(), time.process_time()
                engine.query(saved.text, bindings, timeout=None)  # no timeout: no fresh thread per query
                cpu.append(time.process_time() - c)
                samples.append(time.perf_counter() - t)
            row[label] = median_ms(samples)
            row[label.replace("_ms", "_cpu_ms")] = median_ms(cpu)
        out[name] = row
    return out


# ------------------------------------------------------------------------------------------ html
def bench_html(runs: int) -> dict:
    from spinekg.exports.html import render_html
    from spinekg.graph.model import load_catalog

    catalog = load_catalog()
    render_html(catalog)
    samples, size = [], 0
    for _ in range(runs):
        t = time.perf_counter()
        size = len(render_html(catalog).encode("utf-8"))
        samples.append(time.perf_counter() - t)
    return {"render_ms": median_ms(samples), "size_bytes": size}


# -------------------------------------------------------------------------------------- endpoint
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
        rounds: dict = {name: [] for name in names}
        for r in range(ENDPOINT_ROUNDS):
            for name in names if r % 2 == 0 else names[::-1]:
                proc, port, path = servers[name]
                rounds[name].append(with_server_cpu(proc.pid, lambda: load_clients(port, path, 4, per_client, 60)))
        for name, got in rounds.items():
            total = summary([x for g in got for x in g["latencies"]], sum(g["errors"] for g in got),
                            sum(g["wall_s"] for g in got))
            del total["latencies"], total["wall_s"]
            total["rounds"] = [{k: g[k] for k in ("requests", "throughput_qps", "p50_ms", "p99_ms",
                                                  "server_cpu_us_per_request")} for g in got]
            out[name] = total
        if wrk_rounds.available():  # the same rounds from a C client (bench/wrk_rounds.py says why), interleaved alike
            got = {name: [] for name in names}
            for r in range(ENDPOINT_ROUNDS):
                for name in names if r % 2 == 0 else names[::-1]:
                    proc, port, path = servers[name]
                    url = f"http://127.0.0.1:{port}{path}?query={urllib.parse.quote(ENDPOINT_QUERY)}"
                    got[name].append(with_server_cpu(proc.pid, lambda: wrk_rounds.round_(url, connections=4, seconds=3)))
            for name in names:
                out[name]["wrk"] = wrk_rounds.pooled(got[name])
    finally:
        for proc, _, _ in servers.values():
            proc.terminate()
            proc.wait(10)
    return out


# ----------------------------------------------------------------------------------------- scale

# Each saved query's median wall and CPU time (ms) over `runs` calls of `engine`, and its first
# call's wall time: the scale children's one timing loop (CPU is the process's: queries run on a
# sealed thread of their own). The generated sets hold replicas only (bench/scale.py: code 63304
# is there as 63304-r1, ...), so the example's codes and groups are bound as their first replica:
# bound to a code the data lacks, a query answers nothing and times nothing.
TIMED = r"""
def scale_bindings(saved):
    from spinekg.graph import sparql
    from spinekg.ontology.prefixes import CPT_IRI_BASE, GROUP_IRI
    b = sparql.bind_params(saved.example_params(), saved)
    return {k: t._replace(value=t.value + "-r1") if t.kind == "uri" and t.value.startswith((CPT_IRI_BASE, GROUP_IRI)) else t
            for k, t in b.items()}

def timed(engine, runs):
    import statistics, time
    from spinekg.graph import sparql
    queries, cpu, first = {}, {}, {}
    for name, saved in sparql.saved_queries().items() if runs else ():
        b = scale_bindings(saved)
        samples, cpus = [], []
        for _ in range(runs):
            t, c = time.perf_counter(), time.process_time()
            engine.query(saved.text, b, timeout=None, max_rows=None)
            samples.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
        queries[name] = round(statistics.median(samples) * 1000, 3)
        cpu[name] = round(statistics.median(cpus) * 1000, 3)
        first[name] = round(samples[0] * 1000, 3)
    return queries, cpu, first
"""

# Peak RSS of the child itself: VmHWM starts afresh at exec, while getrusage's ru_maxrss keeps
# the parent's high-water mark from the fork (the bench process holds the generator's graph).
PEAK_RSS = r"""
def peak_rss_mb():
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""
# load_s: spinekg's in-memory load of a user data set (graph/persist.py::load_memory, what a first
# open returns); load_pyoxigraph_s (a raw strict Store.load) and load_lenient_s are its references.
SCALE_CHILD = r"""
import json, resource, statistics, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[2])
import pyoxigraph as ox
from spinekg.graph import sparql
from spinekg.graph.persist import load_memory
t, c = time.perf_counter(), time.process_time()
store = load_memory([Path(sys.argv[1])])
load_s, load_cpu_s = time.perf_counter() - t, time.process_time() - c
engine = sparql.OxigraphEngine(store)
queries, cpu, _ = timed(engine, int(sys.argv[3]))
peak = peak_rss_mb()
n = len(store)
out = {"triples": n, "load_s": round(load_s, 3), "load_cpu_s": round(load_cpu_s, 3),
       "peak_rss_mb": round(peak, 1), "queries_ms": queries, "queries_cpu_ms": cpu}
# read_only_*: the same store as open_dataset hands it out (graph.warmstore.ReadOnlyStore), on the
# default engine (plans over tables read once; answers not kept: cache=False); first_ms is each
# query's first call, which reads its tables; the median is over all the calls
from spinekg.graph.warmstore import ReadOnlyStore
ro = sparql.OxigraphEngine(ReadOnlyStore(store), cache=False)
out["read_only_queries_ms"], out["read_only_queries_cpu_ms"], out["read_only_first_ms"] = timed(ro, int(sys.argv[3]))
out["read_only_peak_rss_mb"] = round(peak_rss_mb(), 1)
print(json.dumps(out))
"""
# The references, each in a fresh process as load_s is (a second load in one process is slower):
# a raw Store.load, strict and lenient (which skips the IRI and literal checks).
RAW_LOAD_CHILD = r"""
import os, sys, time
import pyoxigraph as ox
t, c = time.perf_counter(), time.process_time()
ox.Store().load(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES, lenient=sys.argv[2] == "lenient")
print(round(time.perf_counter() - t, 3), round(time.process_time() - c, 3), flush=True)
os._exit(0)  # not timed, and not worth waiting for: freeing the store
"""

# The persisted store (graph/persist.py): run once to build it, then again to open it as users'
# later runs do; each in a fresh process so the open time and peak RSS are that process's own.
# A later open answers from disk at once and from an in-memory copy once a thread has loaded it
# (graph/warmstore.py): warm_s is when that copy is ready, queries_ms its figures after that, and
# disk_queries_ms the on-disk store's (what a query in the first warm_s seconds gets).
PERSIST_CHILD = r"""
import json, resource, statistics, sys, time
t0, c0 = time.perf_counter(), time.process_time()
sys.path.insert(0, sys.argv[2])
from spinekg.graph import sparql
from spinekg.graph.persist import open_dataset
store = open_dataset([sys.argv[1]])
open_s, open_cpu_s = time.perf_counter() - t0, time.process_time() - c0
runs = int(sys.argv[3])
out = {"open_s": round(open_s, 3), "open_cpu_s": round(open_cpu_s, 3)}
if runs and hasattr(store, "wait"):
    out["in_memory"] = store.wait()
    out["warm_s"] = round(time.perf_counter() - t0, 3)

def engine(store, read_only=False):
    # as written (read_only=False: the figures of earlier rounds) or on the default engine, which
    # runs plans on the read-only store open_dataset returns; answers never kept (cache=False)
    return sparql.OxigraphEngine(store, cache=False, **({} if read_only else {"read_only": False}))
out["queries_ms"], out["queries_cpu_ms"], _ = timed(engine(store), runs)  # the copy is loaded: only the queries' CPU
out["read_only_queries_ms"], out["read_only_queries_cpu_ms"], _ = timed(engine(store, read_only=True), runs)
if runs and hasattr(store, "disk"):
    out["disk_queries_ms"], out["disk_queries_cpu_ms"], _ = timed(engine(store.disk), min(runs, 3))
out["peak_rss_mb"] = round(peak_rss_mb(), 1)
print(json.dumps(out))
"""

# A first open loads into memory and leaves the on-disk store to a detached builder: wait for it
# (its time is reported) before the later-open run, which must read the store from disk.
WAIT_BUILT = r"""
import sys, time
sys.path.insert(0, sys.argv[2])
from spinekg.graph.persist import is_built
t = time.perf_counter()
while not is_built([sys.argv[1]]):
    if time.perf_counter() - t > 3600:
        sys.exit("the background build did not finish in an hour")
    time.sleep(0.05)
print(round(time.perf_counter() - t, 2))
"""


# `spinekg validate` at scale: the shapes as SPARQL on Oxigraph (graph/shacl_sparql.py), over the
# shipped graph plus the generated file, as `validate FILE` reads it; a fresh process for its RSS.
VALIDATE_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
t = time.perf_counter()
sys.path.insert(0, sys.argv[2])
from spinekg.graph import shacl_sparql
from spinekg.graph.sparql.store import build_store
found = shacl_sparql.validate_store(build_store([Path(sys.argv[1])]), progress=False)
print(json.dumps({"validate_s": round(time.perf_counter() - t, 2), "validate_violations": len(found),
                  "validate_peak_rss_mb": round(peak_rss_mb(), 1)}))
"""


def bench_scale(sizes: list[int], runs: int, tmp: Path) -> dict:
    import scale

    out = {}
    for size in sizes:
        runs = 1 if size >= 10_000_000 else runs  # a median of one: each pass at 10M takes minutes
        path = tmp / f"scale-{size}.nt"
        with open(path, "wb") as f:
            n = scale.generate(size, f)
        r = subprocess.run([sys.executable, "-c", PEAK_RSS + TIMED + SCALE_CHILD, str(path), str(ROOT), str(runs)],
                           capture_output=True, text=True, check=True)
        res = json.loads(r.stdout)
        res["generated_triples"] = n
        for key, mode in (("load_pyoxigraph", "strict"), ("load_lenient", "lenient")):
            wall, cpu = map(float, subprocess.run([sys.executable, "-c", RAW_LOAD_CHILD, str(path), mode],
                                                  capture_output=True, text=True, check=True).stdout.split())
            res[f"{key}_s"], res[f"{key}_cpu_s"] = wall, cpu
        env = dict(os.environ, SPINEKG_CACHE=str(tmp / f"persist-{size}"))
        # the first open's queries are not reported: "0" runs none (at 10M one pass takes minutes)
        first = json.loads(subprocess.run([sys.executable, "-c", PEAK_RSS + TIMED + PERSIST_CHILD, str(path), str(ROOT), "0"], env=env,
                                          capture_output=True, text=True, check=True).stdout)
        res["persisted_first_peak_rss_mb"] = first["peak_rss_mb"]
        res["persisted_background_build_s"] = float(subprocess.run(
            [sys.executable, "-c", WAIT_BUILT, str(path), str(ROOT)], env=env, capture_output=True, text=True,
            check=True).stdout)
        again = json.loads(subprocess.run([sys.executable, "-c", PEAK_RSS + TIMED + PERSIST_CHILD, str(path), str(ROOT), str(runs)],
                                          env=env, capture_output=True, text=True, check=True).stdout)
        res["persisted_first_load_s"] = first["open_s"]
        res["persisted_first_load_cpu_s"] = first["open_cpu_s"]
        res["persisted_open_s"] = again["open_s"]
        res["persisted_peak_rss_mb"] = again["peak_rss_mb"]
        res["persisted_queries_ms"] = again["queries_ms"]
        for k in ("warm_s", "in_memory", "queries_cpu_ms", "disk_queries_ms", "disk_queries_cpu_ms",
                  "read_only_queries_ms", "read_only_queries_cpu_ms"):
            if k in again:
                res[f"persisted_{k}"] = again[k]
        shutil.rmtree(tmp / f"persist-{size}", ignore_errors=True)
        if (ROOT / "graph" / "shacl_sparql.py").exists() and size <= 1_000_000:  # validate at 10M: hours
            res.update(json.loads(subprocess.run([sys.executable, "-c", PEAK_RSS + VALIDATE_CHILD, str(path), str(ROOT)],
                                                 capture_output=True, text=True, check=True).stdout))
        out[f"{size:,}"] = res
        path.unlink()
    return out


def scale_sizes(args) -> list[int]:
    if args.quick:
        return [100_000]
    return [100_000, 1_000_000] + ([10_000_000] if args.scale == "10m" else [])


# ------------------------------------------------------------------- other helpers' benchmarks
def bench_claims_section(quick: bool, tmp: Path) -> dict | None:
    """bench/claims.py (the claims helper's): NCCI import and `check claims` at size."""
    if not (ROOT / "bench" / "claims.py").exists():
        return None
    import claims

    d = tmp / "claims"
    d.mkdir(exist_ok=True)
    return claims.bench_claims(d, 100_000 if quick else 1_000_000, 200_000 if quick else 2_000_000)


def bench_load_section(quick: bool, tmp: Path) -> dict | None:
    """bench/load.py (the endpoint's owner's load figures), when it exists: its `bench_load`."""
    if not (ROOT / "bench" / "load.py").exists():
        return None
    import load

    fn = getattr(load, "bench_load", None)
    return fn(tmp, quick=quick) if fn else None


# ----------------------------------------------------------------------------------------- table
def ratio(a, b):
    return f"{a / b:.2f}x" if a and b else "-"


def cpu_s(r: dict, key: str) -> str:
    return f" (cpu {r[key]:.2f})" if key in r else ""


def cpu_ms(r: dict, key: str) -> str:
    """The slowest query's CPU time, beside its wall time (a shared machine inflates the wall)."""
    return f" (slowest cpu {max(r[key].values()):.1f})" if r.get(key) else ""


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


def report(res: dict) -> list[tuple[str, str, str, str, str]]:
    """(target, measured, reference, ratio, verdict) rows."""
    rows = []
    cold = res.get("cold")
    if cold:
        ref = cold["python -c 'import rdflib'"]
        for name, ms in cold.items():
            if name.startswith("spinekg"):
                rows.append((f"cold {name} (≤ 1.0x)", f"{ms:.0f} ms", f"import rdflib {ref:.0f} ms", ratio(ms, ref),
                             "ok" if ms <= ref else "MISSED"))
        rows.append(("cold python -c pass", f"{cold['python -c pass']:.0f} ms", "", "", ""))
    q = res.get("queries")
    if q:
        for name, r in q.items():
            cpu = f" (cpu {r['oxigraph_cpu_ms']:.3f})" if "oxigraph_cpu_ms" in r else ""
            rows.append((f"query {name} (≤ 1 ms)", f"{r['oxigraph_ms']:.3f} ms{cpu}", f"rdflib {r['rdflib_ms']:.2f} ms",
                         ratio(r["oxigraph_ms"], r["rdflib_ms"]), "ok" if r["oxigraph_ms"] <= 1 else "MISSED"))
            if "oxigraph_cached_ms" in r:
                rows.append((f"  {name} repeated, answer kept (≤ 1 ms)", f"{r['oxigraph_cached_ms']:.3f} ms",
                             f"first run {r['oxigraph_first_ms']:.3f} ms", ratio(r["oxigraph_cached_ms"], r["oxigraph_ms"]),
                             "ok" if r["oxigraph_cached_ms"] <= 1 else "MISSED"))
        ref = res.get("queries_reference")
        if ref:
            rows.append(("  engine floor: ASK {} evaluated each time", f"{ref['ask_ms']:.3f} ms",
                         f"python -c 'import rdflib' {ref['import_rdflib_ms']:.0f} ms", "", ""))
        met = sum(r["oxigraph_ms"] <= 1 for r in q.values())
        rows.append(("saved queries ≤ 1 ms, evaluated each time", f"{met} of {len(q)}", "", "", "ok" if met == len(q) else "MISSED"))
    h = res.get("html")
    if h:
        rows.append(("html explorer render", f"{h['render_ms']:.0f} ms", f"{h['size_bytes'] / 1024:.0f} KiB", "", ""))
    e = res.get("endpoint")
    if e and "throughput_qps" in e.get("oxigraph serve", {}):
        rows += endpoint_rows(e["spinekg serve"], e["oxigraph serve"])
    elif e:
        ours = e["spinekg serve"]
        rows.append(("endpoint throughput, 4 clients", f"{ours['throughput_qps']:.0f} q/s", "oxigraph: skipped", "", ""))
    s = res.get("scale")
    if s:
        for size, r in s.items():
            big = r["triples"] >= 900_000
            raw = f"pyoxigraph Store.load {r['load_pyoxigraph_s']:.2f} s{cpu_s(r, 'load_pyoxigraph_cpu_s')}, " \
                if "load_pyoxigraph_s" in r else ""
            rows.append((f"scale {size}: load{' (≤ 3 s)' if big else ''}", f"{r['load_s']:.2f} s{cpu_s(r, 'load_cpu_s')}",
                         f"{r['triples']:,} triples; {raw}lenient {r['load_lenient_s']:.2f} s",
                         ratio(r["load_s"], r.get("load_pyoxigraph_s")),
                         ("ok" if r["load_s"] <= 3 else "MISSED") if big else ""))
            peak = max(r["peak_rss_mb"], r.get("read_only_peak_rss_mb", 0))
            rows.append((f"scale {size}: peak RSS{' (≤ 600 MB)' if big else ''}", f"{peak:.0f} MB",
                         f"{r['peak_rss_mb']:.0f} MB before the plans' tables" if peak > r["peak_rss_mb"] else "", "",
                         ("ok" if peak <= 600 else "MISSED") if big else ""))
            worst = max(r["queries_ms"].items(), key=lambda kv: kv[1])
            ro = r.get("read_only_queries_ms")
            rows.append((f"scale {size}: slowest saved query{'' if ro else ' (≤ 200 ms)' if big else ''}"
                         f"{', text as written on a plain store' if ro else ''}",
                         f"{worst[1]:.1f} ms{cpu_ms(r, 'queries_cpu_ms')}", worst[0], "",
                         ("ok" if worst[1] <= 200 else "MISSED") if big and not ro else ""))
            if ro:  # the store as open_dataset returns it, on the default engine
                rw = max(ro.items(), key=lambda kv: kv[1])
                fw = max(r["read_only_first_ms"].items(), key=lambda kv: kv[1])
                rows.append((f"scale {size}: slowest saved query{' (≤ 200 ms)' if big else ''}, read-only store",
                             f"{rw[1]:.1f} ms{cpu_ms(r, 'read_only_queries_cpu_ms')}",
                             f"{rw[0]}; as written {worst[1]:.1f} ms", ratio(rw[1], worst[1]),
                             ("ok" if rw[1] <= 200 else "MISSED") if big else ""))
                rows.append((f"scale {size}: slowest first call, read-only store", f"{fw[1]:.1f} ms",
                             f"{fw[0]} (reads its tables)", "", ""))
            if "persisted_open_s" in r:
                bg = (f"; on-disk store written in the background in {r['persisted_background_build_s']:.1f} s"
                      if "persisted_background_build_s" in r else "")
                rows.append((f"scale {size}: persisted store, first load{' (≤ 3 s)' if big else ''}",
                             f"{r['persisted_first_load_s']:.2f} s{cpu_s(r, 'persisted_first_load_cpu_s')}",
                             f"in-memory load {r['load_s']:.2f} s{bg}",
                             ratio(r["persisted_first_load_s"], r["load_s"]),
                             ("ok" if r["persisted_first_load_s"] <= 3 else "MISSED") if big else ""))
                if "persisted_first_peak_rss_mb" in r:
                    rows.append((f"scale {size}: persisted store, first load peak RSS{' (≤ 600 MB)' if big else ''}",
                                 f"{r['persisted_first_peak_rss_mb']:.0f} MB", "", "",
                                 ("ok" if r["persisted_first_peak_rss_mb"] <= 600 else "MISSED") if big else ""))
                rows.append((f"scale {size}: persisted store, later opens{' (≤ 1 s)' if big else ''}",
                             f"{r['persisted_open_s']:.2f} s", f"in-memory load {r['load_s']:.2f} s",
                             ratio(r["persisted_open_s"], r["load_s"]),
                             ("ok" if r["persisted_open_s"] <= 1 else "MISSED") if big else ""))
                rows.append((f"scale {size}: persisted store, peak RSS{' (≤ 600 MB)' if big else ''}",
                             f"{r['persisted_peak_rss_mb']:.0f} MB", f"in-memory {r['peak_rss_mb']:.0f} MB", "",
                             ("ok" if r["persisted_peak_rss_mb"] <= 600 else "MISSED") if big else ""))
                pw = max(r["persisted_queries_ms"].items(), key=lambda kv: kv[1])
                warm = (f"; from {r['persisted_warm_s']:.2f} s after open (in-memory copy)"
                        if r.get("persisted_in_memory") else "")
                pro = r.get("persisted_read_only_queries_ms")
                rows.append((f"scale {size}: persisted store, slowest saved query{'' if pro else ' (≤ 200 ms)' if big else ''}"
                             f"{', text as written' if pro else ''}",
                             f"{pw[1]:.1f} ms{cpu_ms(r, 'persisted_queries_cpu_ms')}", pw[0] + warm, "",
                             ("ok" if pw[1] <= 200 else "MISSED") if big and not pro else ""))
                if pro:
                    prw = max(pro.items(), key=lambda kv: kv[1])
                    rows.append((f"scale {size}: persisted store, slowest saved query{' (≤ 200 ms)' if big else ''}, default engine",
                                 f"{prw[1]:.1f} ms{cpu_ms(r, 'persisted_read_only_queries_cpu_ms')}",
                                 f"{prw[0]}; as written {pw[1]:.1f} ms", ratio(prw[1], pw[1]),
                                 ("ok" if prw[1] <= 200 else "MISSED") if big else ""))
                if "persisted_disk_queries_ms" in r:
                    dw = max(r["persisted_disk_queries_ms"].items(), key=lambda kv: kv[1])
                    rows.append((f"scale {size}: persisted store, slowest saved query before the copy is ready",
                                 f"{dw[1]:.1f} ms{cpu_ms(r, 'persisted_disk_queries_cpu_ms')}", f"{dw[0]} on disk", "", ""))
        for size, r in s.items():
            if "validate_s" in r:
                big = r["triples"] >= 900_000
                rows.append((f"scale {size}: validate{' (≤ 60 s)' if big else ''}", f"{r['validate_s']:.1f} s",
                             f"{r['validate_violations']:,} violations (generated notations); load {r['load_s']:.2f} s", "",
                             ("ok" if r["validate_s"] <= 60 else "MISSED") if big else ""))
                rows.append((f"scale {size}: validate peak RSS{' (≤ 2 GB)' if big else ''}",
                             f"{r['validate_peak_rss_mb']:.0f} MB", "", "",
                             ("ok" if r["validate_peak_rss_mb"] <= 2048 else "MISSED") if big else ""))
    c = res.get("claims")
    if c:  # the claims targets are for 2M PTP rows and 1M claim lines; smaller runs are not judged
        full = c["ptp_rows"] >= 2_000_000 and c["claim_lines"] >= 1_000_000
        judge = lambda ok: ("ok" if ok else "MISSED") if full else ""  # noqa: E731
        rows.append((f"claims: import ncci-ptp{' (≤ 60 s)' if full else ''}", f"{c['ptp_import_s']:.1f} s",
                     f"{c['ptp_rows']:,} rows", "", judge(c["ptp_import_s"] <= 60)))
        rows.append((f"claims: check claims{' (≤ 15 s)' if full else ''}", f"{c['check_claims_s']:.1f} s",
                     f"csv read {c['csv_read_s']:.1f} s, {c['claim_lines']:,} lines", ratio(c["check_claims_s"], c["csv_read_s"]),
                     judge(c["check_claims_s"] <= 15)))
        rows.append((f"claims: check claims peak RSS{' (≤ 500 MB)' if full else ''}", f"{c['check_claims_peak_rss_mb']:.0f} MB",
                     "", "", judge(c["check_claims_peak_rss_mb"] <= 500)))
    ld = res.get("load")
    if ld:
        for k, v in ld.items():
            if isinstance(v, (int, float)):
                rows.append((f"load {k}", f"{v}", "bench/load.py", "", ""))
    return rows


def print_table(rows) -> None:
    widths = [max(len(r[i]) for r in rows + [("target", "measured", "reference", "ratio", "")]) for i in range(5)]
    head = ("target", "measured", "reference", "ratio", "")
    for r in [head] + rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions; scale run at 100k triples only")
    ap.add_argument("--only", default="cold,queries,html,endpoint,scale,claims,load", help="comma-separated sections")
    ap.add_argument("--scale", default="1m", choices=["1m", "10m"],
                    help="largest scale row: 1m (default) or 10m (adds a 10-million-triple row; slow)")
    ap.add_argument("--json", default="spinekg-bench.json", help="where to write the figures (default: ./spinekg-bench.json)")
    args = ap.parse_args(argv)
    sections = set(args.only.split(","))
    runs = 5 if args.quick else 9
    res: dict = {"python": sys.version.split()[0], "cpus": os.cpu_count(), "quick": args.quick}
    with tempfile.TemporaryDirectory(prefix="spinekg-bench-") as t:
        tmp = Path(t)
        env_cache = tmp / "cache"
        os.environ.setdefault("SPINEKG_CACHE", str(env_cache))
        steps = [("cold", lambda: bench_cold(runs, tmp)), ("queries", lambda: bench_queries(20 if args.quick else 50)),
                 ("html", lambda: bench_html(runs)), ("endpoint", lambda: bench_endpoint(100 if args.quick else 500, tmp)),
                 ("scale", lambda: bench_scale(scale_sizes(args), 3 if args.quick else 5, tmp)),
                 ("claims", lambda: bench_claims_section(args.quick, tmp)), ("load", lambda: bench_load_section(args.quick, tmp))]
        for name, fn in steps:
            if name in sections:
                t0 = time.perf_counter()
                print(f"[{name}] …", file=sys.stderr, flush=True)
                try:
                    got = fn()
                except Exception as e:  # noqa: BLE001 (one section failing must not lose the others' figures)
                    print(f"[{name}] FAILED: {' '.join(str(e).split())[:300]}", file=sys.stderr, flush=True)
                    res.setdefault("failed", {})[name] = " ".join(str(e).split())[:300]
                    continue
                if got is None:  # the section's module is not in this checkout
                    continue
                res[name] = got
                if name in REFERENCE:
                    res[f"{name}_reference"] = REFERENCE[name]
                print(f"[{name}] done in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    print_table(report(res))
    Path(args.json).write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
