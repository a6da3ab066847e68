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
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
# the sections beside this file (noqa: E402, they need the paths above)
from common import ROOT, exe, median_ms, ratio, time_process  # noqa: E402,F401
from endpoint_bench import ENDPOINT_QUERY, bench_endpoint, endpoint_rows, free_port  # noqa: E402,F401
from scale_bench import bench_scale, scale_rows, scale_sizes  # noqa: E402,F401


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
        rows += scale_rows(s)
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
        if "query_after_ptp_import_s" in c:  # not targets: what the imports cost the read path
            rows.append(("claims: first show after the imports", f"{c['show_after_ptp_import_s']:.2f} s",
                         f"peak RSS {c['show_after_ptp_import_peak_rss_mb']} MB", "", ""))
            rows.append(("claims: query after the imports, first / next", f"{c['query_after_ptp_import_first_s']:.2f} / "
                         f"{c['query_after_ptp_import_s']:.2f} s", f"peak RSS {c['query_after_ptp_import_first_peak_rss_mb']} / "
                         f"{c['query_after_ptp_import_peak_rss_mb']} MB; {c['ptp_rows']:,} PTP rows", "", ""))
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
