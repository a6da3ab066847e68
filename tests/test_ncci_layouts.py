"""Each CMS NCCI layout imports from a fixture (made-up rows in CMS's layouts); a malformed one is refused whole."""
import datetime as dt
import json
from pathlib import Path

import pytest

NCCI = Path(__file__).parent / "fixtures" / "ncci"
AOC_TXT = NCCI / "AOC_V2026Q1-MCR.txt"
PTP_TXT = NCCI / "ccipra-v321r0-f1.txt"
MUE_CSV = NCCI / "MCR_MUE_PractitionerServices_Eff_04-01-2026.csv"


@pytest.fixture()
def home(tmp_path, monkeypatch):
    d = tmp_path / "home"
    monkeypatch.setenv("SPINEKG_HOME", str(d))
    return d


def stored(home):
    return json.loads((home / "ncci-addons.json").read_text())["imports"]


def xlsx(path, rows):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(list(r))
    wb.save(path)
    return path


def test_dates_julian_and_calendar():
    from spinekg.graph.ncci_layouts import parse_date

    assert parse_date("2026091") == dt.date(2026, 4, 1)  # Julian YYYYDDD, not 2026-09-01
    assert parse_date("20260401") == dt.date(2026, 4, 1)
    assert parse_date("*") is None and parse_date("") is None
    with pytest.raises(ValueError):
        parse_date("2026-13-01")


def test_file_names_give_quarter_setting_version():
    from spinekg.graph.ncci_layouts import file_facts

    assert file_facts(PTP_TXT) == {"quarter": "2026Q2", "setting": "practitioner", "version": "32.1r0"}
    assert file_facts(Path("ccioph-v300r0-f2.xlsx"))["quarter"] == "2024Q1"
    assert file_facts(AOC_TXT)["quarter"] == "2026Q1"
    assert file_facts(MUE_CSV) == {"quarter": "2026Q2", "setting": "practitioner", "version": None}
    assert file_facts(Path("MCR_MUE_OutpatientHospitalServices_Eff_10-01-2025.xlsx"))["setting"] == "hospital"


def test_aoc_fixed_width(cli, home):
    r = cli("import", "ncci-addon", str(AOC_TXT))
    assert r.exit_code == 0, r.output
    assert "imported 10 of 11 edits" in r.stdout  # 99417 → 99213 touches no graph code
    (imp,) = stored(home)
    assert imp["kind"] == "aoc" and imp["quarter"] == "2026Q1" and len(imp["sha256"]) == 64
    rows = {(a, p): (t, e, d) for a, p, t, e, d in imp["rows"]}
    assert rows[("63048", "63047")] == (1, "2013-04-01", None)
    assert rows[("63048", "63090")] == (1, "2013-04-01", "2015-01-01")
    assert rows[("63295", None)][0] == 2


def test_aoc_xlsx_with_copyright_row(cli, home, tmp_path):
    path = xlsx(tmp_path / "AOC_V2026Q2-MCR.xlsx", [
        ("Made-up notice row standing in for CMS's copyright line",),
        ("AOC_Edit_Type", "Add-On_Code", "AOC_DelDT", "Primary_Code", "Primary_Code_DelDT", "AOC_Edit_EffDT",
         "AOC_Edit_DelDT", "Special_Instruction_Notes"),
        (1, "22552", None, "22551", None, 2011001, None, None),
        (2, "63295", None, "CCCCC", None, 2013091, None, "made-up note"),
    ])
    r = cli("import", "ncci-addon", str(path))
    assert r.exit_code == 0, r.output
    (imp,) = stored(home)
    assert imp["quarter"] == "2026Q2"
    assert sorted(tuple(x) for x in imp["rows"]) == [("22552", "22551", 1, "2011-01-01", None),
                                                    ("63295", None, 2, "2013-04-01", None)]


def test_quarters_side_by_side_and_applied_by_date(cli, home, tmp_path):
    assert cli("import", "ncci-addon", str(AOC_TXT)).exit_code == 0
    newer = tmp_path / "AOC_V2026Q2-MCR.txt"
    newer.write_text(AOC_TXT.read_text().replace("122552       22551", "122552       22554"))
    assert cli("import", "ncci-addon", str(newer)).exit_code == 0
    assert sorted(i["quarter"] for i in stored(home)) == ["2026Q1", "2026Q2"]
    from spinekg.graph.ncci import aoc_record

    def primaries(day):
        return {e.primary for e in aoc_record(day)["edits"] if e.addon == "22552"}

    assert primaries(dt.date(2026, 2, 1)) == {"22551"}
    assert primaries(dt.date(2026, 5, 1)) == {"22554"}
    assert primaries(dt.date(2027, 1, 1)) == {"22554"}  # no newer file: the latest earlier one
    r = cli("import", "ncci-addon", "--remove", "--quarter", "2026Q1")
    assert "removed 1" in r.stdout and [i["quarter"] for i in stored(home)] == ["2026Q2"]


def test_ptp_txt(cli, home):
    r = cli("import", "ncci-ptp", str(PTP_TXT))
    assert r.exit_code == 0, r.output
    assert "imported 5 of 6 PTP edits" in r.stdout
    (imp,) = stored(home)
    assert (imp["setting"], imp["quarter"], imp["version"]) == ("practitioner", "2026Q2", "32.1r0")
    rows = {(r[0], r[1]): r for r in imp["rows"]}
    assert rows[("22551", "22554")][2:6] == ["2011-01-01", None, 0, "Made-up rationale A"]
    assert rows[("63045", "63030")][3] == "2020-01-01"
    assert ("99213", "99212") not in rows


def test_ptp_xlsx_hospital_multirow_heading(cli, home, tmp_path):
    path = xlsx(tmp_path / "ccioph-v320r0-f1.xlsx", [
        ("Made-up notice row",),
        ("Column 1", "Column 2", "*=in existence prior to 1996", "Effective Date", "Deletion Date", "Modifier", "PTP Edit Rationale"),
        (None, None, None, None, "*=no data", "0=not allowed", None),
        (None, None, None, None, None, "1=allowed", None),
        ("63047", "63030", None, 20100101, "*", 1, "Made-up rationale"),
    ])
    r = cli("import", "ncci-ptp", str(path))
    assert r.exit_code == 0, r.output
    (imp,) = stored(home)
    assert (imp["setting"], imp["quarter"]) == ("hospital", "2026Q1")
    assert imp["rows"] == [["63047", "63030", "2010-01-01", None, 1, "Made-up rationale", False]]


def test_mue_csv(cli, home, catalog):
    """Every row of a code in the graph is kept with its value and adjudication indicator; a code
    outside the graph (99213, an office visit) is dropped. 64483 became a graph code with the spine
    section, so it is kept now."""
    r = cli("import", "ncci-mue", str(MUE_CSV))
    assert r.exit_code == 0, r.output
    (imp,) = stored(home)
    in_file = {"22551": (1, 2), "22853": (3, 3), "63048": (4, 1), "64483": (1, 3), "99213": (1, 2)}
    assert "99213" not in catalog.codes and "64483" in catalog.codes
    assert {r[0]: (r[1], r[2]) for r in imp["rows"]} == {c: v for c, v in in_file.items() if c in catalog.codes}


def test_mue_xlsx_outpatient_hospital(cli, home, tmp_path):
    path = xlsx(tmp_path / "MCR_MUE_OutpatientHospitalServices_Eff_01-01-2026.xlsx", [
        ("Made-up notice row",),
        ("HCPCS/CPT Code", "Outpatient Hospital Services MUE Values", "MUE Adjudication Indicator", "MUE Rationale"),
        ("63048", 3, "3 Date of Service Edit: Clinical", "Made-up rationale"),
    ])
    r = cli("import", "ncci-mue", str(path))
    assert r.exit_code == 0, r.output
    (imp,) = stored(home)
    assert (imp["setting"], imp["quarter"], imp["rows"]) == ("hospital", "2026Q1", [["63048", 3, 3, "Made-up rationale"]])


@pytest.mark.parametrize("kind,fixture,old,new,expect", [
    ("ncci-addon", AOC_TXT, "163048       63046", "163048       6304", "line 5"),
    ("ncci-addon", AOC_TXT, "2013091", "2013x91", "is not a date"),
    ("ncci-ptp", PTP_TXT, "63047\t64483\t\t20100101", "63047\t64483\t\t2010-0101", "line 9: effective date"),
    ("ncci-ptp", PTP_TXT, "\t1\tMade-up rationale B\n63045", "\t7\tMade-up rationale B\n63045", "modifier indicator '7'"),
    ("ncci-ptp", PTP_TXT, "99213\t99212", "9921\t99212", "line 12"),  # a row touching no graph code still counts
    ("ncci-mue", MUE_CSV, "63048,4,1 Line Edit", "63048,four,1 Line Edit", "line 5: MUE value 'four'"),
    ("ncci-mue", MUE_CSV, "22853,3,3 Date", "22853,3,Date", "adjudication indicator"),
])
def test_malformed_file_is_refused_whole(cli, home, tmp_path, kind, fixture, old, new, expect):
    text = fixture.read_text()
    assert old in text
    bad = tmp_path / fixture.name
    bad.write_text(text.replace(old, new, 1))
    r = cli("import", kind, str(bad))
    assert r.exit_code == 2
    assert "nothing imported" in r.stderr and expect in r.stderr
    assert not (home / "ncci-addons.json").exists()


def test_wrong_file_and_missing_setting(cli, home, tmp_path):
    r = cli("import", "ncci-mue", str(PTP_TXT))
    assert r.exit_code == 2 and "no heading row" in r.stderr
    plain = tmp_path / "ptp.txt"
    plain.write_text(PTP_TXT.read_text())
    r = cli("import", "ncci-ptp", str(plain))
    assert r.exit_code == 2 and "--setting" in r.stderr
    assert cli("import", "ncci-ptp", str(plain), "--setting", "hospital", "--quarter", "2026Q3").exit_code == 0
    assert stored(home)[0]["quarter"] == "2026Q3"
    assert cli("import", "ncci-ptp", str(plain), "--setting", "dentist").exit_code == 2


def test_legacy_store_still_reads(home):
    home.mkdir()
    (home / "ncci-addons.json").write_text(json.dumps({"source_file": "old.csv", "imported_on": "2026-01-02", "sha256": "ab" * 32,
        "edits": [{"addon": "22552", "primary": "22551", "type": 1, "effective": "2011-01-01", "deleted": None}]}))
    from spinekg.graph.ncci import aoc_record

    rec = aoc_record(dt.date(2026, 1, 1))
    assert rec["source_file"] == "old.csv" and [e.primary for e in rec["edits"]] == ["22551"]


def test_ptp_parts_of_one_release(cli, home, tmp_path):
    text = PTP_TXT.read_text()
    head, rows = text.split("22551\t22554", 1)
    f1, f2 = tmp_path / "ccipra-v321r0-f1.txt", tmp_path / "ccipra-v321r0-f2.txt"
    f1.write_text(head + "22551\t22554" + rows.split("63045")[0])
    f2.write_text(head + "63045" + rows.split("63045", 1)[1])
    r = cli("import", "ncci-ptp", str(f1), str(f2))
    assert r.exit_code == 0, r.output
    (imp,) = stored(home)
    assert imp["source_files"] == [f1.name, f2.name] and len(imp["rows"]) == 5
    assert cli("import", "ncci-ptp", str(f1)).exit_code == 0  # a part on its own sits beside the pair
    from spinekg.graph.ncci_store import applicable, load_imports

    assert len(applicable(load_imports(), "ptp", dt.date(2026, 5, 1), "practitioner")) == 2
    other = tmp_path / "ccipra-v322r0-f1.txt"
    other.write_text(text)
    r = cli("import", "ncci-ptp", str(f1), str(other))
    assert r.exit_code == 2 and "disagree on their quarter" in r.stderr
    assert cli("import", "ncci-addon", "--remove", "--all").stdout.startswith("removed 2 NCCI imports")
    assert not (home / "ncci-addons.json").exists()


def test_xlsx_numeric_code_keeps_leading_zeros(cli, home, tmp_path):
    path = xlsx(tmp_path / "MCR_MUE_PractitionerServices_Eff_01-01-2026.xlsx", [
        ("HCPCS/CPT Code", "Practitioner Services MUE Values", "MUE Adjudication Indicator", "MUE Rationale"),
        (630, 1, "2 Date of Service Edit: Policy", "Made-up"),
        ("63048", 3, "3 Date of Service Edit: Clinical", "Made-up"),
    ])
    r = cli("import", "ncci-mue", str(path))
    assert r.exit_code == 0 and "imported 1 of 2" in r.stdout  # 00630 read as a code, not refused
