"""`check claims` fast paths (issue 16): each gives what the plain path gives, and is really taken."""
import csv
import datetime as dt
import io
import random
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NCCI = ROOT / "tests" / "fixtures" / "ncci"
DAY = dt.date(2026, 4, 10)  # inside the fixtures' quarter


@pytest.fixture()
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SPINEKG_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture()
def imported(cli, home):
    for kind, name in (("ncci-addon", "AOC_V2026Q1-MCR.txt"), ("ncci-ptp", "ccipra-v321r0-f1.txt"),
                       ("ncci-mue", "MCR_MUE_PractitionerServices_Eff_04-01-2026.csv")):
        assert cli("import", kind, str(NCCI / name)).exit_code == 0
    return home


TRICKY = ["plain", "a, comma", 'a "quote"', "line\nbreak", "=SUM(A1)", "-1", "+1", "@x", "\uff1dx", "", "é ü", "cr\r"]


def test_csv_rows_from_cached_pieces_are_what_csv_writer_writes(tmp_path):
    from spinekg.graph.claims import Finding
    from spinekg.graph.claims_file import FIELDS, FindingsWriter
    from spinekg.graph.textsafe import spreadsheet_cell

    rnd = random.Random(3)
    rows = []
    for i in range(400):
        f = Finding(rnd.choice(("error", "info")), "ptp-pair", ("22551", "22554")[:rnd.randrange(1, 3)],
                    rnd.choice(TRICKY), rnd.choice(TRICKY), rnd.choice(TRICKY), tuple(range(i % 3)))
        rows.append((rnd.choice(("C1", "C,2", '"C3"', "=C4", "Ç5", "C 6")) + str(i // 3), rnd.choice(("2026-01-05", "2025-12-31")), f))
    out = tmp_path / "out.csv"
    w = FindingsWriter(str(out), "csv")
    rendered = []
    real = w._render
    w._render = lambda values: rendered.append(values) or real(values)
    for claim, day, f in rows:
        w.write(claim, day, f)
    w.close(True)
    want = io.StringIO(newline="")
    ref = csv.writer(want, lineterminator="\n")
    ref.writerow(FIELDS)
    for claim, day, f in rows:
        ref.writerow((spreadsheet_cell(claim), day, f.severity, f.rule, " ".join(f.codes), " ".join(map(str, f.lines)),
                      spreadsheet_cell(f.message), spreadsheet_cell(f.source), spreadsheet_cell(f.hint)))
    assert out.read_bytes() == want.getvalue().encode("utf-8")
    texts = {f[:6] for _, _, f in rows}
    assert rendered and len(rendered) < len(rows) + 2 * len(texts)  # texts rendered once each, not once per row


def test_findings_are_written_in_blocks(tmp_path):
    from spinekg.graph.claims import Finding
    from spinekg.graph.claims_file import FindingsWriter

    w = FindingsWriter(str(tmp_path / "part"), "csv", part=True)
    calls = []
    real = w.f.write
    w.f.write = lambda text: calls.append(len(text)) or real(text)
    for i in range(10000):
        w.write(f"C{i}", "2026-01-05", Finding("info", "unit-count", ("63047",), "m", "s", "", (i,)))
    w.close(True)
    assert 1 <= len(calls) <= 3 and (tmp_path / "part").read_text().count("\n") == 10000


def test_parts_are_joined_as_bytes(tmp_path, monkeypatch):
    from spinekg.graph import claims_file

    part = tmp_path / "part"
    part.write_bytes('C1,2026-01-05,info,r,63047,2,"a\r\nb é",s,\n'.encode())
    sources = []
    real = claims_file.shutil.copyfileobj
    monkeypatch.setattr(claims_file.shutil, "copyfileobj", lambda src, dst, n: sources.append(src) or real(src, dst, n))
    w = claims_file.FindingsWriter(str(tmp_path / "out.csv"), "csv")
    w.append_part(part)
    w.close(True)
    assert (tmp_path / "out.csv").read_bytes().endswith(part.read_bytes())
    assert all(not isinstance(s, io.TextIOBase) for s in sources)


def test_each_distinct_item_and_date_cell_is_parsed_once(home, tmp_path, monkeypatch):
    from spinekg.graph import claims_file

    src = tmp_path / "claims.csv"
    src.write_text("claim_id,date_of_service,code,units,modifiers\n"
                   + "".join(f"K{i},2026-01-0{1 + i % 3},63047,1,\nK{i},2026-01-0{1 + i % 3},63048,2,59\n" for i in range(50)))
    items, days = [], []
    real_item, real_day = claims_file._item, claims_file._day
    monkeypatch.setattr(claims_file, "_item", lambda *a: items.append(a[2:]) or real_item(*a))
    monkeypatch.setattr(claims_file, "_day", lambda *a: days.append(a[2]) or real_day(*a))
    found = []
    summary = claims_file.check_file(src, emit=lambda c, d, f: found.append((c, d, f)))
    assert summary.lines == 100 and len(items) == 2 and len(days) == 3
    # line numbers stay each line's own (the add-on of claim K7 sits on line 17)
    assert [(d, f.rule, f.lines) for c, d, f in found if c == "K7"] == [("2026-01-02", "unit-count", (17,))]


def test_a_bad_cell_after_a_cached_one_still_names_its_line(cli, home, tmp_path):
    src = tmp_path / "claims.csv"
    src.write_text("claim_id,date_of_service,code,units\nA,2026-01-05,63047,1\nA,2026-01-05,63047,1\nB,2026-01-05,63047,x\n")
    r = cli("check", "claims", str(src), "-o", str(tmp_path / "out.csv"))
    assert r.exit_code == 2 and "line 4: units 'x'" in r.stderr


def _claims(rnd, codes, n):
    mods = ((), (), ("59",), ("XS",), ("LT",), ("XU", "LT"))
    return [[(rnd.choice(codes), rnd.choice((1, 1, 1, 2, 5)), rnd.choice(mods)) for _ in range(rnd.randrange(1, 6))]
            for _ in range(n)]


def test_rules_give_what_full_evaluation_gives(imported):
    """The skips (an add-on with its primary, codes without MUE or AOC edits, the PTP pairs kept per
    code combination) change nothing: forcing every rule on every claim gives the same findings."""
    from spinekg.graph.claim_rules import ClaimChecker
    from spinekg.graph.claims import Line, curated_catalog
    from spinekg.graph.ncci_store import load_imports

    fast = ClaimChecker(curated_catalog(), load_imports(strict=True))
    full = ClaimChecker(curated_catalog(), load_imports(strict=True))
    everything = frozenset(full._known)
    real = full._applicable
    full._applicable = lambda day: real(day)[:3] + (everything, everything)  # no code skips a rule
    real_pairs = full._pairs

    def uncached(imp, codes):
        full._pairs_of.clear()
        return real_pairs(imp, codes)
    full._pairs = uncached
    full._pairs_of = {}
    mue_calls = []
    real_mue = fast._mue_rule
    fast._mue_rule = lambda *a: mue_calls.append(1) or real_mue(*a)
    rnd = random.Random(5)
    codes = ["22551", "22552", "22554", "22853", "63047", "63048", "63030", "63045", "22612", "22630", "64483",
             "63295", "22305", "0214T", "0213T"]
    days = [DAY, dt.date(2012, 1, 1), dt.date(2019, 6, 1), dt.date(2026, 2, 2)]
    seen = 0
    for items in _claims(rnd, [c for c in codes if c in everything], 600):
        lines = [Line(c, u, m, i + 2) for i, (c, u, m) in enumerate(items)]
        day = rnd.choice(days)
        want = full.check(lines, day)
        assert fast.check(lines, day) == want, (items, day)
        seen += len(want)
    assert seen > 300
    assert len(fast._pairs_of) < 600  # kept per combination of codes
    assert 0 < len(mue_calls) < 500  # only claims with a code an MUE file limits


def test_an_addon_beside_its_primary_skips_the_addon_rule(home, monkeypatch):
    from spinekg.graph.claims import Line, checker

    engine = checker()
    calls = []
    real = engine._addon
    monkeypatch.setattr(engine, "_addon", lambda *a: calls.append(a[0].code) or real(*a))
    assert engine.check([Line("63047"), Line("63048", 2)], DAY)[0].rule == "unit-count"
    assert calls == []
    assert engine.check([Line("63048", 2)], DAY)[0].rule == "addon-without-primary" and calls == ["63048"]


def test_ptp_index_keeps_file_order(home):
    from spinekg.graph.claim_rules import _ptp_index

    d = dt.date
    rows = [("63047", "63030", d(2010, 1, 1), None, 1, "a", False), ("63047", "64483", d(2011, 1, 1), None, 0, "b", False),
            ("63047", "63030", d(2012, 1, 1), d(2013, 1, 1), 9, "c", False), ("22551", "22554", d(2012, 1, 1), None, 0, "", False)]
    assert _ptp_index(rows) == {
        "63047": {"63030": [(d(2010, 1, 1), None, 1, "a"), (d(2012, 1, 1), d(2013, 1, 1), 9, "c")],
                  "64483": [(d(2011, 1, 1), None, 0, "b")]},
        "22551": {"22554": [(d(2012, 1, 1), None, 0, "")]}}


@pytest.mark.parametrize("block", [7, 64, 1 << 20])
def test_worker_lines_split_like_the_file(tmp_path, block):
    from spinekg.graph.claims_parallel import _lines

    text = "h\n" + "".join(f"K{i},2026-01-05,6304{i % 9},{'é' * (i % 5)},\"q\r\"\n" for i in range(200)) + "K,x" + "y" * 100 + "\nlast"
    src = tmp_path / "claims.csv"
    src.write_bytes(text.encode())
    start = 2
    want = [ln + "\n" for ln in text[start:].split("\n")]
    want[-1] = want[-1][:-1]
    assert list(_lines(src, start, len(text.encode()), block)) == want


def test_worker_lines_name_the_line_that_is_not_utf8(tmp_path):
    from spinekg.graph.claims_parallel import _lines

    src = tmp_path / "claims.csv"
    src.write_bytes(b"a\nb\n\xff\nc\n")
    got = []
    with pytest.raises(UnicodeDecodeError):
        for ln in _lines(src, 0, 8, 1 << 20):
            got.append(ln)
    assert got == ["a\n", "b\n"]


def test_generated_file_gives_the_same_findings_in_one_and_two_processes(cli, imported, tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    import claims as bench

    src = tmp_path / "claims.csv"
    bench.generate_claims(src, 6000, bench.graph_codes())
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    r1 = cli("check", "claims", str(src), "-o", str(one), "--jobs", "1")
    r2 = cli("check", "claims", str(src), "-o", str(two), "--jobs", "2")
    assert r1.exit_code == r2.exit_code == 1 and r1.stderr == r2.stderr
    assert one.read_bytes() == two.read_bytes() and one.read_text().count("\n") > 1000
