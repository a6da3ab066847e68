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
    from spinekg.graph.model import load_catalog

    return list(load_catalog().codes)


def generate_ptp(path: Path, rows: int, codes: list[str], seed: int = 7) -> int:
    """A PTP .txt in CMS's layout (preamble, heading, explanation rows, tab-delimited edits). About one
    row in twenty names a graph code, mostly beside codes of other sections (injections, E/M,
    imaging), one in ten of those beside another graph code — the shape of CMS's practitioner file."""
    rnd = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("Generated benchmark file in the layout of CMS's PTP edits (made-up rows)\n")
        f.write("\t".join(PTP_HEADING) + "\n")
        f.write("\t\t\t\t*=no data\t0=not allowed\t\n\t\t\t\t\t1=allowed\t\n\t\t\t\t\t9=not applicable\t\n")
        for i in range(rows):
            if i % 20 == 0:
                c1 = rnd.choice(codes)
                c2 = rnd.choice(codes) if i % 200 == 0 else rnd.choice(OTHER_CODES + (f"{rnd.randrange(10000, 99999)}",))
            else:
                c1, c2 = f"{rnd.randrange(10000, 99999)}", f"{rnd.randrange(10000, 99999)}"
            eff = f"{rnd.randrange(1996, 2026)}{rnd.randrange(1, 13):02d}01"
            dele = "*" if rnd.random() < 0.8 else f"{int(eff[:4]) + 1}0101"
            mod = rnd.choice("0111119")
            f.write(f"{c1}\t{c2}\t{'*' if eff < '1996' else ''}\t{eff}\t{dele}\t{mod}\tMade-up rationale {i % 13}\n")
    return rows


def generate_claims(path: Path, lines: int, codes: list[str], seed: int = 11) -> int:
    """Claim lines: claims of 1–6 lines, mostly graph codes with some other codes, units mostly 1,
    a modifier now and then, dates of service over 2025–2026."""
    rnd = random.Random(seed)
    written, claim = 0, 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(("claim_id", "date_of_service", "code", "units", "modifiers"))
        while written < lines:
            claim += 1
            day = f"{rnd.choice((2025, 2026))}-{rnd.randrange(1, 13):02d}-{rnd.randrange(1, 29):02d}"
            for _ in range(min(rnd.randrange(1, 7), lines - written)):
                code = rnd.choice(codes) if rnd.random() < 0.9 else rnd.choice(OTHER_CODES)
                units = 1 if rnd.random() < 0.85 else rnd.randrange(2, 5)
                mods = rnd.choice(("", "", "", "", "59", "XS", "LT"))
                w.writerow((f"C{claim:08d}", day, code, units, mods))
                written += 1
    return written


def run_measured(argv: list[str], env: dict) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MB, exit status) of one child process."""
    t = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{argv[1:3]} failed: {proc.stderr.read().decode()[-500:]}")
    proc.stderr.close()
    return wall, usage.ru_maxrss / 1024, proc.returncode


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
    ptp_s, ptp_mb, _ = run_measured([sk, "import", "ncci-ptp", str(ptp)], env)
    subprocess.run([sk, "import", "ncci-mue", str(mue)], env=env, capture_output=True, check=True)
    out = tmp / "findings.csv"
    check_s, check_mb, status = run_measured([sk, "check", "claims", str(claims), "-o", str(out), "--force"], env)
    findings = sum(1 for _ in open(out, encoding="utf-8")) - 1
    return {"ptp_rows": ptp_rows, "ptp_import_s": round(ptp_s, 2), "ptp_import_peak_rss_mb": round(ptp_mb),
            "claim_lines": lines, "check_claims_s": round(check_s, 2), "check_claims_peak_rss_mb": round(check_mb),
            "check_claims_exit": status, "findings": findings, "csv_read_s": round(csv_read_seconds(claims), 2),
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
