"""bench/claims.py's generators write files the importer and the claims check read (small sizes)."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))


def test_generated_ptp_and_claims_are_read(tmp_path, monkeypatch):
    import claims as bench

    monkeypatch.setenv("SPINEKG_HOME", str(tmp_path / "home"))
    codes = bench.graph_codes()
    ptp = tmp_path / "ccipra-v321r0-f1.txt"
    bench.generate_ptp(ptp, 2000, codes)
    from spinekg.graph.ncci import import_ptp

    imp, read = import_ptp([ptp], set(codes))
    assert read == 2000 and 50 <= len(imp.rows) <= 150  # about one row in twenty touches the graph
    src = tmp_path / "claims.csv"
    assert bench.generate_claims(src, 500, codes) == 500
    from spinekg.graph.claims_file import check_file

    summary = check_file(src, emit=lambda *a: None)
    assert summary.lines == 500 and summary.claims > 80
    assert bench.csv_read_seconds(src) >= 0


def test_a_small_claims_run_reports_the_read_path_after_the_imports(tmp_path):
    """bench_claims end to end at a small size: its figures, and the report's rows of them (not judged)."""
    import claims as bench
    import run

    c = bench.bench_claims(tmp_path, lines=300, ptp_rows=2000)
    assert c["ptp_rows"] == 2000 and c["claim_lines"] == 300
    for key in ("show_after_ptp_import_s", "query_after_ptp_import_first_s", "query_after_ptp_import_s"):
        assert 0 < c[key] < 60, key
    rows = {r[0]: r for r in run.report({"claims": c})}
    first, after = rows["claims: first show after the imports"], rows["claims: query after the imports, first / next"]
    assert first[4] == "" and after[4] == "" and "2,000 PTP rows" in after[2]
    assert rows["claims: import ncci-ptp"][4] == ""  # a small run is not judged


def test_peak_rss_is_the_commands_not_the_benchmarks(tmp_path):
    """A child's ru_maxrss starts from its parent's size at the fork: run_measured must not report
    the benchmark's own memory as the command's (this process holds 300 MB while it measures)."""
    import claims as bench

    held = bytearray(300 << 20)
    for i in range(0, len(held), 4096):
        held[i] = 1
    small = [sys.executable, "-c", "x = bytearray(40 << 20)\nfor i in range(0, len(x), 4096): x[i] = 1"]
    wall, peak_mb, code, _ = bench.run_measured(small, dict(__import__("os").environ))
    assert code == 0 and 40 < peak_mb < 120, peak_mb
    _, _, code, _ = bench.run_measured([sys.executable, "-c", "raise SystemExit(1)"], dict(__import__("os").environ))
    assert code == 1
    del held
