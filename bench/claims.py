"""Claims and NCCI import benchmarks: generated files of realistic shape, timed in fresh processes.

    python bench/claims.py                       # 2,000,000 PTP rows, 1,000,000 claim lines
    python bench/claims.py --lines 100000 --ptp-rows 200000

bench_claims() returns the figures for bench/run.py: the PTP import time (target ≤ 60 s for 2M
rows), `check claims` wall time and peak RSS (targets ≤ 15 s and ≤ 500 MB for 1M lines, with the
PTP and MUE imports in place), and beside it the time to merely read the same file with the csv
module. Nothing here is asserted by the test suite (tests/test_bench_claims.py checks the generators).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PTP_HEADING = ("Column 1", "Column 2", "*=in existence prior to 1996", "Effective Date", "Deletion Date",
               "Modifier", "PTP Edit Rationale")
OTHER_CODES = ("99213", "99214", "64483", "64484", "62323", "77003", "76000", "95940", "J1100", "A4649")


def graph_codes() -> list[str]:
    from spinekg.graph.claims import curated_catalog

    return list(curated_catalog().codes)


def generate_ptp(path: Path, rows: int, codes: list[str], seed: int = 7) -> int:
    """A PTP .txt in CMS's layout (preamble, heading, explanation rows, tab-delimited edits). About one
    row in twenty names a graph code, mostly beside codes of other sections (injections, E/M,
    imaging), one in fifty of those beside another graph code — the shape of CMS's practitioner file."""
    rnd = random.Random(seed)
    others = list(OTHER_CODES) + [f"{n:05d}" for n in rnd.sample(range(10000, 99999), 3000)]
    pairs: set = set()
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("Generated benchmark file in the layout of CMS's PTP edits (made-up rows)\n")
        f.write("\t".join(PTP_HEADING) + "\n")
        f.write("\t\t\t\t*=no data\t0=not allowed\t\n\t\t\t\t\t1=allowed\t\n\t\t\t\t\t9=not applicable\t\n")
        for i in range(rows):
            while True:  # one edit per pair, as in CMS's files
                if i % 20 == 0:
                    c1 = rnd.choice(codes)
                    c2 = rnd.choice(codes) if i % 1000 == 0 else rnd.choice(others)
                else:
                    c1, c2 = f"{rnd.randrange(10000, 99999)}", f"{rnd.randrange(10000, 99999)}"
                if c1 != c2 and (c1, c2) not in pairs:
                    break
            if i % 20 == 0:
                pairs.add((c1, c2))  # remembered for the graph's rows only: the rest rarely collide
            eff = f"{rnd.randrange(1996, 2026)}{rnd.randrange(1, 13):02d}01"
            dele = "*" if rnd.random() < 0.8 else f"{int(eff[:4]) + 1}0101"
            mod = rnd.choice("0111119")
            f.write(f"{c1}\t{c2}\t{'*' if eff < '1996' else ''}\t{eff}\t{dele}\t{mod}\tMade-up rationale {i % 13}\n")
    return rows


def generate_claims(path: Path, lines: int, codes: list[str], seed: int = 11) -> int:
    """Claim lines, 1–6 per claim, dates of service over 2025–2026. Four claims in five are coded
    the way the graph says (a primary, some of its add-ons, per-additional units); the fifth draws
    codes at random (add-ons alone, pairs CMS bundles, codes of other sections), so the rules have
    plenty to report. Units mostly 1, a modifier now and then."""
    from spinekg.graph.claims import curated_catalog

    catalog = curated_catalog()
    primaries = [c for c in codes if catalog[c].kind == "primary" and catalog[c].status == "active" and catalog[c].add_ons]
    rnd = random.Random(seed)
    written, claim = 0, 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(("claim_id", "date_of_service", "code", "units", "modifiers"))
        while written < lines:
            claim += 1
            day = f"{rnd.choice((2025, 2026))}-{rnd.randrange(1, 13):02d}-{rnd.randrange(1, 29):02d}"
            if rnd.random() < 0.8:
                p = rnd.choice(primaries)
                items = [(p, 1)] + [(a, rnd.randrange(1, 3) if catalog[a].each_additional_unit else 1)
                                    for a in rnd.sample(catalog[p].add_ons, min(len(catalog[p].add_ons), rnd.randrange(0, 3)))]
            else:
                items = [(rnd.choice(codes) if rnd.random() < 0.9 else rnd.choice(OTHER_CODES),
                          1 if rnd.random() < 0.85 else rnd.randrange(2, 5)) for _ in range(rnd.randrange(1, 7))]
            for code, units in items[:lines - written]:
                w.writerow((f"C{claim:08d}", day, code, units, rnd.choice(("", "", "", "", "59", "XS", "LT"))))
                written += 1
    return written


# A child's ru_maxrss starts from its parent's resident size at the fork (Linux keeps the larger
# hiwater mark across exec), and this process holds the generated files' data: measured straight
# from here, a 30 MB `show` read as this process's 160 MB. The command is started by this small
# launcher instead (a fresh interpreter, ~10 MB), which waits for it and writes its status, peak
# RSS and CPU seconds to the file named first.
LAUNCHER = r"""
import json, os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    json.dump([os.waitstatus_to_exitcode(status), usage.ru_maxrss, usage.ru_utime + usage.ru_stime], f)
"""


def run_measured(argv: list[str], env: dict) -> tuple[float, float, int, float]:
    """(wall seconds, peak RSS MB of the command or of its largest waited-for worker (the launcher's
    ~10 MB at its fork included), exit status, peak MB of the whole process tree summed — an upper
    bound, pages the forked workers share are counted in each; 0 without psutil)."""
    import threading

    with tempfile.TemporaryDirectory(prefix="spinekg-bench-") as tmp:
        report = Path(tmp) / "usage.json"
        t = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(report), *argv], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        tree_peak = [0.0]
        stop = threading.Event()

        def sample():
            try:
                import psutil
            except ImportError:
                return
            while not stop.is_set():
                try:
                    p = psutil.Process(proc.pid)
                    rss = sum(q.memory_info().rss for q in p.children(recursive=True))  # the launcher not counted
                    tree_peak[0] = max(tree_peak[0], rss / 2**20)
                except psutil.Error:
                    pass
                stop.wait(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        err = proc.stderr.read()
        proc.wait()
        stop.set()
        sampler.join()
        wall = time.perf_counter() - t
        proc.stderr.close()
        try:
            code, maxrss_kb, cpu_s = json.loads(report.read_text())
        except (OSError, ValueError):
            raise RuntimeError(f"{argv[1:3]}: the launcher reported nothing: {err.decode()[-500:]}") from None
    if code not in (0, 1):
        raise RuntimeError(f"{argv[1:3]} failed: {err.decode()[-500:]}")
    run_measured.cpu_s = cpu_s  # the command's and its waited-for workers' CPU
    return wall, maxrss_kb / 1024, code, tree_peak[0]


def _jobs(path: Path) -> int:
    from spinekg.graph.claims_parallel import default_jobs

    return default_jobs(path)


def csv_read_seconds(path: Path) -> float:
    t = time.perf_counter()
    with open(path, encoding="utf-8", newline="") as f:
        for _ in csv.reader(f):
            pass
    return time.perf_counter() - t


def bench_claims(tmp: Path, lines: int = 1_000_000, ptp_rows: int = 2_000_000) -> dict:
    sk = str(BIN / "spinekg") if (BIN / "spinekg").exists() else (shutil.which("spinekg") or "spinekg")
    env = dict(os.environ, SPINEKG_HOME=str(tmp / "home"), SPINEKG_CACHE=str(tmp / "cache"))
    codes = graph_codes()
    ptp = tmp / "ccipra-v321r0-f1.txt"
    generate_ptp(ptp, ptp_rows, codes)
    claims = tmp / "claims.csv"
    generate_claims(claims, lines, codes)
    mue = ROOT / "tests" / "fixtures" / "ncci" / "MCR_MUE_PractitionerServices_Eff_04-01-2026.csv"
    subprocess.run([sk, "list", "--format", "json"], env=env, capture_output=True, check=True)  # warm the catalog
    ptp_s, ptp_mb, _, _ = run_measured([sk, "import", "ncci-ptp", str(ptp)], env)
    ptp_cpu = run_measured.cpu_s
    subprocess.run([sk, "import", "ncci-mue", str(mue)], env=env, capture_output=True, check=True)
    out = tmp / "findings.csv"
    check_s, check_mb, status, check_tree_mb = run_measured([sk, "check", "claims", str(claims), "-o", str(out), "--force"], env)
    check_cpu = run_measured.cpu_s
    findings = sum(1 for _ in open(out, encoding="utf-8")) - 1
    one_s, one_mb, _, _ = run_measured([sk, "check", "claims", str(claims), "-o", str(out), "--force", "--jobs", "1"], env)
    one_cpu = run_measured.cpu_s
    # the first `show` after the imports: the compiled catalog is keyed without the NCCI imports
    # (graph.compiled.catalog_key), so it is read as it was; it rebuilt the catalog through rdflib before
    show_s, show_mb, _, _ = run_measured([sk, "show", "63304"], env)
    # the first query after the imports builds the SPARQL store with every kept edit (and keeps it);
    # the next one reads that kept copy
    query = [sk, "query", "--name", "codes-in-group"]
    query_first_s, query_first_mb, _, _ = run_measured(query, env)
    query_s, query_mb, _, _ = run_measured(query, env)
    cpu0 = time.process_time()
    csv_s = csv_read_seconds(claims)
    csv_cpu = time.process_time() - cpu0
    return {"ptp_rows": ptp_rows, "ptp_import_s": round(ptp_s, 2), "ptp_import_cpu_s": round(ptp_cpu, 2), "ptp_import_peak_rss_mb": round(ptp_mb),
            "claim_lines": lines, "check_claims_s": round(check_s, 2), "check_claims_peak_rss_mb": round(check_mb), "check_claims_cpu_s": round(check_cpu, 2),
            "check_claims_tree_rss_mb": round(check_tree_mb), "check_claims_jobs": _jobs(claims),
            "check_claims_exit": status, "findings": findings, "check_claims_jobs1_s": round(one_s, 2), "check_claims_jobs1_cpu_s": round(one_cpu, 2),
            "check_claims_jobs1_peak_rss_mb": round(one_mb), "show_after_ptp_import_s": round(show_s, 2),
            "show_after_ptp_import_peak_rss_mb": round(show_mb), "query_after_ptp_import_first_s": round(query_first_s, 2),
            "query_after_ptp_import_first_peak_rss_mb": round(query_first_mb), "query_after_ptp_import_s": round(query_s, 2),
            "query_after_ptp_import_peak_rss_mb": round(query_mb), "csv_read_s": round(csv_s, 2), "csv_read_cpu_s": round(csv_cpu, 2),
            "load_average_1min": round(os.getloadavg()[0], 1),
            "claims_file_mb": round(claims.stat().st_size / 1e6, 1)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--ptp-rows", type=int, default=2_000_000)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="spinekg-bench-claims-") as d:
        print(json.dumps(bench_claims(Path(d), args.lines, args.ptp_rows), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
