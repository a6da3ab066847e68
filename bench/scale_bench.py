"""The scale section: generated code sets (bench/scale.py) loaded in fresh processes (in memory,
the persisted store's first load and later opens), every saved query timed on them, validate at
scale; and its rows of the table."""
from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from common import ROOT, cpu_ms, cpu_s, ratio


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
# The queries' child: it loads the set as load_memory does (its load is load_queries_child_s; load_s
# is the median of LOAD_CHILD's), then times every saved query as written and on the read-only store.
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
# spinekg's in-memory load alone (graph/persist.py::load_memory), in a fresh process: the load_s samples
LOAD_CHILD = r"""
import os, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from spinekg.graph.persist import load_memory
t, c = time.perf_counter(), time.process_time()
load_memory([Path(sys.argv[1])])
print(round(time.perf_counter() - t, 3), round(time.process_time() - c, 3), flush=True)
os._exit(0)  # not timed, and not worth waiting for: freeing the store
"""
LOAD_SAMPLES = 3  # fresh processes per load figure (one at 10M)

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
        # the loads' figures are medians over LOAD_SAMPLES fresh processes, in rounds (ours, raw strict,
        # raw lenient) so a drift in the host's speed falls on all three; one process's load varies
        # by ±0.5 s at 1M on a quiet 2-core machine
        samples = 1 if size >= 10_000_000 else LOAD_SAMPLES
        loads: dict = {"load": [], "load_pyoxigraph": [], "load_lenient": []}
        for _ in range(samples):
            for key, argv in (("load", [LOAD_CHILD, str(path), str(ROOT)]), ("load_pyoxigraph", [RAW_LOAD_CHILD, str(path), "strict"]),
                              ("load_lenient", [RAW_LOAD_CHILD, str(path), "lenient"])):
                loads[key].append(tuple(map(float, subprocess.run([sys.executable, "-c", *argv], capture_output=True,
                                                                  text=True, check=True).stdout.split())))
        res["load_queries_child_s"], res["load_queries_child_cpu_s"] = res["load_s"], res["load_cpu_s"]
        for key, got in loads.items():
            res[f"{key}_s"] = statistics.median(w for w, _ in got)
            res[f"{key}_cpu_s"] = statistics.median(c for _, c in got)
            res[f"{key}_samples_s"] = [w for w, _ in got]
        # the persisted store's first open, as often, each into an empty cache folder and with its
        # background builder finished before the next (it would compete for the cores)
        firsts, builds = [], []
        for k in range(samples):
            cache = tmp / f"persist-{size}-{k}"
            env = dict(os.environ, SPINEKG_CACHE=str(cache))
            # the first open's queries are not reported: "0" runs none (at 10M one pass takes minutes)
            firsts.append(json.loads(subprocess.run([sys.executable, "-c", PEAK_RSS + TIMED + PERSIST_CHILD, str(path), str(ROOT), "0"],
                                                    env=env, capture_output=True, text=True, check=True).stdout))
            builds.append(float(subprocess.run([sys.executable, "-c", WAIT_BUILT, str(path), str(ROOT)], env=env,
                                               capture_output=True, text=True, check=True).stdout))
            if k < samples - 1:
                shutil.rmtree(cache, ignore_errors=True)
        res["persisted_first_peak_rss_mb"] = max(f["peak_rss_mb"] for f in firsts)
        res["persisted_background_build_s"] = statistics.median(builds)
        again = json.loads(subprocess.run([sys.executable, "-c", PEAK_RSS + TIMED + PERSIST_CHILD, str(path), str(ROOT), str(runs)],
                                          env=env, capture_output=True, text=True, check=True).stdout)
        res["persisted_first_load_s"] = statistics.median(f["open_s"] for f in firsts)
        res["persisted_first_load_cpu_s"] = statistics.median(f["open_cpu_s"] for f in firsts)
        res["persisted_first_load_samples_s"] = [f["open_s"] for f in firsts]
        res["persisted_open_s"] = again["open_s"]
        res["persisted_peak_rss_mb"] = again["peak_rss_mb"]
        res["persisted_queries_ms"] = again["queries_ms"]
        for k in ("warm_s", "in_memory", "queries_cpu_ms", "disk_queries_ms", "disk_queries_cpu_ms",
                  "read_only_queries_ms", "read_only_queries_cpu_ms"):
            if k in again:
                res[f"persisted_{k}"] = again[k]
        shutil.rmtree(cache, ignore_errors=True)
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


def scale_rows(s: dict) -> list[tuple]:
    """The scale section's rows: each size's load, RSS, slowest queries, persisted store and validate."""
    rows = []
    for size, r in s.items():
        big = r["triples"] >= 900_000
        raw = f"pyoxigraph Store.load {r['load_pyoxigraph_s']:.2f} s{cpu_s(r, 'load_pyoxigraph_cpu_s')}, " \
            if "load_pyoxigraph_s" in r else ""
        of = f"; medians of {len(r['load_samples_s'])} processes" if len(r.get("load_samples_s", ())) > 1 else ""
        rows.append((f"scale {size}: load{' (≤ 3 s)' if big else ''}", f"{r['load_s']:.2f} s{cpu_s(r, 'load_cpu_s')}",
                     f"{r['triples']:,} triples; {raw}lenient {r['load_lenient_s']:.2f} s{of}",
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
                         f"in-memory load {r['load_s']:.2f} s{bg}{of}",
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
    return rows
