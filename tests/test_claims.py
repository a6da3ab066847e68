"""`check claim` / `check claims` / spinekg.graph.claims.check_claim: the issue's done-when cases."""
import json
from pathlib import Path

import pytest

NCCI = Path(__file__).parent / "fixtures" / "ncci"
DAY = "2026-04-10"  # inside the fixtures' quarter (PTP v32.1 = 2026Q2)


@pytest.fixture()
def home(tmp_path, monkeypatch):
    d = tmp_path / "home"
    monkeypatch.setenv("SPINEKG_HOME", str(d))
    return d


@pytest.fixture()
def imported(cli, home):
    for kind, name in (("ncci-addon", "AOC_V2026Q1-MCR.txt"), ("ncci-ptp", "ccipra-v321r0-f1.txt"),
                       ("ncci-mue", "MCR_MUE_PractitionerServices_Eff_04-01-2026.csv")):
        r = cli("import", kind, str(NCCI / name))
        assert r.exit_code == 0, r.output
    return home


def rules(findings, severity="error"):
    return sorted((f.rule, f.codes) for f in findings if f.severity == severity)


def test_addon_without_primary(cli, home):
    r = cli("check", "claim", "22552")
    assert r.exit_code == 1
    (line,) = r.stdout.splitlines()
    assert line.startswith("error") and "addon-without-primary" in line and "22551" in line
    assert "sk:addOnTo" in line and "Fix: report 22551 with 22552" in line


def test_per_additional_arithmetic_is_clean(cli, home):
    r = cli("check", "claim", "63047", "63048x2")
    assert r.exit_code == 0, r.output
    assert "63047 (1 vertebral segment) + 63048 × 2 = 3 vertebral segments" in r.stdout
    assert "no errors" in r.stdout


def test_units_beyond_maximum(cli, home):
    r = cli("check", "claim", "63304x2")
    assert r.exit_code == 1
    assert "units-beyond-max" in r.stdout and "63308" in r.stdout  # the fix names the add-on that counts more


def test_range_code_repeated(home):
    from spinekg.graph.claims import check_claim

    assert rules(check_claim(["22800x2"])) == [("range-code-repeated", ("22800",))]
    assert rules(check_claim(["22800"])) == []


def test_unit_rule_follows_counting_field(home, monkeypatch):
    """Per-unit add-ons count from the first unit; the rule reads `counting`, not code numbers."""
    from spinekg.graph import claim_rules
    from spinekg.graph.claims import checker

    engine = checker()
    facts = engine.facts["22853"]
    monkeypatch.setattr(facts, "counting", "per-unit")
    (f,) = engine.check([claim_rules.Line("22551"), claim_rules.Line("22853", 2)], __import__("datetime").date(2026, 1, 5))
    assert f.rule == "unit-count" and "22853 × 2 = 2 interspaces, counted from the first" in f.message
    monkeypatch.setattr(facts, "counting", "per-additional")
    (f,) = engine.check([claim_rules.Line("22551"), claim_rules.Line("22853", 2)], __import__("datetime").date(2026, 1, 5))
    assert "22551 (1 interspace) + 22853 × 2 = 3 interspaces" in f.message


def test_code_set_history(home):
    from spinekg.graph.claims import check_claim

    assert rules(check_claim(["22551"], date="2010-06-01")) == [("code-not-yet-created", ("22551",))]
    assert rules(check_claim(["22551"], date="2011-01-01")) == []
    assert rules(check_claim(["22305"], date="2017-03-01")) == [("code-deleted", ("22305",))]
    assert rules(check_claim(["22305"], date="2016-12-31")) == []


def test_bad_input_exits_2(cli, home):
    for args in (("99999",), ("63047x0",), ("63047x",), ("63047-5",), ("63047", "--date", "2026-02-30"),
                 ("63047", "--setting", "dentist")):
        r = cli("check", "claim", *args)
        assert r.exit_code == 2 and r.stderr.startswith("error: ") and len(r.stderr.splitlines()) == 1, args


def test_ptp_indicator_1_needs_a_modifier(cli, imported):
    r = cli("check", "claim", "63047", "63030", "--date", DAY)
    assert r.exit_code == 1
    assert "ptp-pair" in r.stdout and "modifier indicator 1" in r.stdout and "carries none" in r.stdout
    assert "ccipra-v321r0-f1.txt" in r.stdout and "2026Q2" in r.stdout
    r = cli("check", "claim", "63047", "63030-59", "--date", DAY)
    assert r.exit_code == 0, r.output
    assert "bypassed" in r.stdout and "-59" in r.stdout


def test_ptp_indicator_0_and_dates(imported):
    from spinekg.graph.claims import check_claim

    assert rules(check_claim(["22551", "22554-59"], date=DAY)) == [("ptp-pair", ("22551", "22554"))]
    assert rules(check_claim(["63045", "63030"], date=DAY)) == []  # edit deleted 2020-01-01
    assert rules(check_claim(["63045", "63030"], date="2019-06-01")) == [("ptp-pair", ("63045", "63030"))]
    assert rules(check_claim(["22612", "22630"], date="2012-01-01")) == []  # indicator 9
    assert rules(check_claim(["63047", "63030"], date=DAY, setting="hospital")) == []  # no hospital file imported


def test_non_graph_code_of_an_imported_edit_is_checked(imported):
    from spinekg.graph.claims import check_claim

    assert rules(check_claim(["63047", "64483"], date=DAY)) == [("ptp-pair", ("63047", "64483"))]


def test_mue(imported):
    from spinekg.graph.claims import check_claim

    assert rules(check_claim(["63047", "63048x4"], date=DAY)) == []
    (f,) = [f for f in check_claim(["63047", "63048x5"], date=DAY) if f.severity == "error"]
    assert f.rule == "mue-units" and "adjudication indicator 1" in f.message
    assert rules(check_claim(["63047", "63048x3", "63048x2-XS"], date=DAY)) == []  # MAI 1: per line
    (f,) = [f for f in check_claim(["22551", "22551-59"], date=DAY) if f.rule == "mue-units"]  # MAI 2: per day
    assert "2 units on one day" in f.message and "policy" in f.message


def test_aoc_types(imported):
    from spinekg.graph.claims import check_claim

    # 22853: CMS type 1 lists 22551, 22633; 22612 is a primary in the graph only: warning, not error
    found = check_claim(["22612", "22853"], date="2026-02-02")
    assert rules(found) == [] and rules(found, "warning") == [("addon-without-primary", ("22853",))]
    (f,) = [f for f in check_claim(["63295"], date="2026-02-02") if f.severity != "info"]
    assert f.severity == "warning" and "type 2" in f.source


def test_python_api_takes_tuples(home):
    from spinekg.graph.claims import Finding, check_claim

    found = check_claim(["22551", "22552", ("22853", 2)], date="2026-03-01")
    assert all(isinstance(f, Finding) for f in found) and rules(found) == []
    assert rules(check_claim([("22552", 1, "59")])) == [("addon-without-primary", ("22552",))]


def test_json_output(cli, home):
    r = cli("check", "claim", "22552", "-f", "json", "--date", "2026-01-02")
    assert r.exit_code == 1
    d = json.loads(r.stdout)
    assert d["errors"] == 1 and d["findings"][0]["rule"] == "addon-without-primary" and d["date"] == "2026-01-02"


CLAIMS = [  # (claim_id, items) — the same claims as the single-claim tests above
    ("A1", ["22552"]),
    ("A2", ["63047", "63048x2"]),
    ("A3", ["63304x2"]),
    ("A4", ["63047", "63030"]),
    ("A5", ["63047", "63030-59"]),
    ("A6", ["22551", "22554", "63048x5"]),
]


def write_claims(path, claims, day=DAY, sep=","):
    from spinekg.graph.claims import parse_item

    lines = [sep.join(("claim_id", "date_of_service", "code", "units", "modifiers"))]
    for cid, items in claims:
        for it in items:
            ln = parse_item(it)
            lines.append(sep.join((cid, day, ln.code, str(ln.units), " ".join(ln.modifiers))))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_claims_file_gives_the_same_findings(cli, imported, tmp_path):
    from spinekg.graph.claims import check_claim

    src = write_claims(tmp_path / "claims.csv", CLAIMS)
    out = tmp_path / "findings.json"
    r = cli("check", "claims", str(src), "-o", str(out), "-f", "json")
    assert r.exit_code == 1, r.output
    got = {}
    for row in json.loads(out.read_text()):
        got.setdefault(row["claim_id"], []).append((row["severity"], row["rule"], row["codes"], row["message"]))
    for cid, items in CLAIMS:
        want = [(f.severity, f.rule, " ".join(f.codes), f.message) for f in check_claim(items, date=DAY)]
        assert got.get(cid, []) == want, cid
    assert "checked 11 lines in 6 claims" in r.stderr and "ptp-pair" in r.stderr and "\r" not in r.stderr


def test_claims_file_csv_tsv_xlsx_and_column_names(cli, home, tmp_path):
    src = write_claims(tmp_path / "claims.tsv", CLAIMS[:3], sep="\t")
    r = cli("check", "claims", str(src))
    assert r.exit_code == 1
    rows = r.stdout.splitlines()
    assert rows[0].startswith("claim_id,date_of_service,severity,rule")
    assert sum(",error,addon-without-primary," in x for x in rows) == 1
    renamed = tmp_path / "renamed.csv"
    renamed.write_text("Claim,DOS,CPT\nX,2026-01-05,22552\n")
    r = cli("check", "claims", str(renamed), "--claim-id-column", "Claim", "--date-column", "DOS", "--code-column", "CPT")
    assert r.exit_code == 1 and "addon-without-primary" in r.stdout
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    for row in (("claim_id", "date_of_service", "code", "units"), ("B1", "2026-01-05", "63047", 1), ("B1", "2026-01-05", "63048", 2)):
        wb.active.append(row)
    wb.save(tmp_path / "claims.xlsx")
    r = cli("check", "claims", str(tmp_path / "claims.xlsx"))
    assert r.exit_code == 0, r.output
    assert "unit-count" in r.stdout


@pytest.mark.parametrize("body,expect", [
    ("A,2026-01-05,63047,x\n", "line 2: units 'x'"),
    ("A,2026-01-05,63047,0\n", "line 2: units '0'"),
    ("A,05/01/2026,63047,1\n", "line 2: date of service"),
    ("A,2026-01-05,6304,1\n", "line 2: code '6304'"),
    ("A,2026-01-05,63047,1\nB,2026-01-05,63047,1\nA,2026-01-05,63048,1\n", "line 4: claim 'A' appears again"),
])
def test_claims_file_bad_input_writes_nothing(cli, home, tmp_path, body, expect):
    src = tmp_path / "claims.csv"
    src.write_text("claim_id,date_of_service,code,units\n" + body)
    out = tmp_path / "out.csv"
    r = cli("check", "claims", str(src), "-o", str(out))
    assert r.exit_code == 2 and expect in r.stderr
    assert list(tmp_path.iterdir()) == [src]  # no output, no temporary file


def test_claims_file_unknown_code_is_a_warning_and_output_needs_force(cli, home, tmp_path):
    src = tmp_path / "claims.csv"
    src.write_text("claim_id,date_of_service,code\nA,2026-01-05,99213\n")
    out = tmp_path / "out.csv"
    assert cli("check", "claims", str(src), "-o", str(out)).exit_code == 0
    assert "warning,unknown-code" in out.read_text()
    r = cli("check", "claims", str(src), "-o", str(out))
    assert r.exit_code == 2 and "--force" in r.stderr
    assert cli("check", "claims", str(src), "-o", str(out), "--force").exit_code == 0


def test_progress_is_reported_while_streaming(home, tmp_path):
    from spinekg.graph.claims_file import check_file

    src = write_claims(tmp_path / "claims.csv", CLAIMS)
    seen, found = [], []
    summary = check_file(src, emit=lambda c, d, f: found.append(c), progress=seen.append, every=4)
    assert seen == [4, 8] and summary.lines == 11 and summary.claims == 6
    assert found and set(found) <= {c for c, _ in CLAIMS}


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_claims_file_in_several_processes_gives_the_same_output(cli, imported, tmp_path, fmt):
    claims = [(f"K{i:03d}", items) for i in range(40) for _, items in CLAIMS[i % len(CLAIMS):i % len(CLAIMS) + 1]]
    src = write_claims(tmp_path / "claims.csv", claims)
    one, three = tmp_path / f"one.{fmt}", tmp_path / f"three.{fmt}"
    r1 = cli("check", "claims", str(src), "-o", str(one), "-f", fmt, "--jobs", "1")
    r3 = cli("check", "claims", str(src), "-o", str(three), "-f", fmt, "--jobs", "3")
    assert r1.exit_code == r3.exit_code == 1
    assert one.read_text() == three.read_text() and r1.stderr == r3.stderr
    if fmt == "json":
        assert len(json.loads(three.read_text())) > 40


def test_cut_points_fall_between_claims(tmp_path):
    from spinekg.graph.claims_parallel import cut_points

    src = write_claims(tmp_path / "claims.csv", [(f"K{i}", ["63047", "63048x2"]) for i in range(30)])
    start = len(src.read_bytes().split(b"\n", 1)[0]) + 1
    cuts = cut_points(src, 4, ",", 0, start)
    lines = src.read_bytes().split(b"\n")
    assert len(cuts) == 4 and cuts[0] == (start, 2)
    for pos, line in cuts[1:]:
        before, after = src.read_bytes()[:pos].split(b"\n")[-2], lines[line - 1]
        assert before.split(b",")[0] != after.split(b",")[0]  # a new claim starts at each cut
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('claim_id,date_of_service,code\nK1,2026-01-05,"63047' + "\nx" * 200 + '"\nK2,2026-01-05,63048\n')
    assert cut_points(quoted, 2, ",", 0, 33) is None  # the cut would fall inside a quoted field


def test_overlapping_ptp_rows_give_one_finding_the_strictest(home):
    import datetime as dt

    from spinekg.graph.claim_rules import ClaimChecker
    from spinekg.graph.claims import Line, curated_catalog
    from spinekg.graph.ncci_store import Import

    rows = [("63047", "63030", dt.date(2010, 1, 1), None, 1, "made-up", False),
            ("63047", "63030", dt.date(2012, 1, 1), None, 0, "made-up", False),
            ("63047", "63030", dt.date(2012, 1, 1), dt.date(2012, 1, 1), 9, "made-up", False)]
    imp = Import("ptp", "practitioner", "2026Q1", "32.0r0", ["ccipra-v320r0-f1.txt"], "0" * 64, "2026-01-02", 3, rows)
    engine = ClaimChecker(curated_catalog(), [imp])
    (f,) = engine.check([Line("63047"), Line("63030", 1, ("59",))], dt.date(2026, 1, 5))
    assert (f.severity, f.rule) == ("error", "ptp-pair") and "indicator 0" in f.message
    (f,) = engine.check([Line("63047"), Line("63030", 1, ("59",))], dt.date(2011, 1, 5))
    assert (f.severity, f.rule) == ("info", "ptp-pair")


def test_control_characters_from_a_file_never_reach_the_terminal(cli, home, tmp_path):
    bad = tmp_path / "ccipra-v321r0-f1.txt"
    bad.write_text((NCCI / "ccipra-v321r0-f1.txt").read_text().replace("Made-up rationale B", "Made-up \x1b[31mred\x07"))
    assert cli("import", "ncci-ptp", str(bad)).exit_code == 0
    r = cli("check", "claim", "63047", "63030", "--date", DAY)
    assert r.exit_code == 1 and "\x1b" not in r.stdout and "\x07" not in r.stdout and "Made-up [31mred" in r.stdout
