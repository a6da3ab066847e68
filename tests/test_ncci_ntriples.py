"""The NCCI edits are written as N-Triples text (graph.ncci_graph.edit_lines), not added one
rdflib triple at a time: the same triples, every literal's datatype and escapes kept, and a store
edited by hand into something no file could give is left out with the damaged-store warning."""
import datetime as dt
import json

import pytest
from rdflib import RDF, XSD, Graph, Literal, URIRef

from spinekg.graph.ncci_store import Import

SK = "https://w3id.org/spinekg/ontology#"
CPT = "https://w3id.org/spinekg/cpt/"
SHA = "ab" * 32
D = dt.date


def _imp(kind, rows, quarter="2026Q2"):
    return Import(kind, "practitioner" if kind != "aoc" else None, quarter, None, ["f.txt"], SHA, "2026-05-01", len(rows), rows)


def _triples(imp) -> set:
    from spinekg.graph.ncci_graph import edit_lines

    g = Graph().parse(data="".join(edit_lines(imp, "urn:x:imp")), format="nt")
    return set(g)


def u(local, ns=SK):
    return URIRef(ns + local)


def test_ptp_rows_as_triples():
    rows = [("22551", "22554", D(2010, 1, 1), None, 1, 'Misuse of "column two" \\ code\nwith\r', True),
            ("63047", "63030", D(2012, 4, 1), D(2020, 1, 1), 0, "", False),  # deleted: no direct link
            ("63047", "64483", D(2012, 4, 1), None, 9, None, False)]  # modifier 9: not an edit in force
    got = _triples(_imp("ptp", rows))
    e1 = URIRef(f"urn:spinekg:ncci:{SHA[:16]}:ptp:22551:22554:2010-01-01")
    e2 = URIRef(f"urn:spinekg:ncci:{SHA[:16]}:ptp:63047:63030:2012-04-01")
    imp = URIRef("urn:x:imp")
    assert {t for t in got if t[0] == e1} == {
        (e1, RDF.type, u("NcciPtpEdit")), (e1, u("ptpColumn1"), u("22551", CPT)), (e1, u("ptpColumn2"), u("22554", CPT)),
        (e1, u("modifierIndicator"), Literal(1)), (e1, u("effectiveDate"), Literal("2010-01-01", datatype=XSD.date)),
        (e1, u("ptpRationale"), Literal('Misuse of "column two" \\ code\nwith\r')),
        (e1, u("inExistenceBefore1996"), Literal(True)), (e1, u("ncciImport"), imp)}
    assert (e2, u("deletionDate"), Literal("2020-01-01", datatype=XSD.date)) in got
    assert not any(t[0] == e2 and t[1] in (u("ptpRationale"), u("inExistenceBefore1996")) for t in got)
    assert {(s, o) for s, p, o in got if p == u("notReportedWith")} == {(u("22551", CPT), u("22554", CPT))}
    assert len(got) == 8 + 7 + 6 + 1


def test_aoc_and_mue_rows_as_triples():
    aoc = _triples(_imp("aoc", [("22552", "22551", 1, D(2017, 1, 1), None), ("20930", None, 2, D(2013, 1, 1), D(2024, 1, 1))]))
    e = URIRef(f"urn:spinekg:ncci:{SHA[:16]}:aoc:22552:22551:2017-01-01")
    none = URIRef(f"urn:spinekg:ncci:{SHA[:16]}:aoc:20930:none:2013-01-01")
    assert {(p, o) for s, p, o in aoc if s == e} == {
        (RDF.type, u("NcciAddOnEdit")), (u("editAddOn"), u("22552", CPT)), (u("editPrimary"), u("22551", CPT)),
        (u("editType"), Literal(1)), (u("effectiveDate"), Literal("2017-01-01", datatype=XSD.date)),
        (u("editImport"), URIRef("urn:x:imp"))}
    assert not any(s == none and p == u("editPrimary") for s, p, o in aoc)
    assert (none, u("deletionDate"), Literal("2024-01-01", datatype=XSD.date)) in aoc
    mue = _triples(_imp("mue", [("63048", 4, 1, "Anatomic consideration")]))
    m = URIRef(f"urn:spinekg:ncci:{SHA[:16]}:mue:63048")
    assert mue == {(m, RDF.type, u("NcciMueLimit")), (m, u("mueCode"), u("63048", CPT)), (u("63048", CPT), u("hasMueLimit"), m),
                   (m, u("mueValue"), Literal(4)), (m, u("mueAdjudicationIndicator"), Literal(1)),
                   (m, u("mueRationale"), Literal("Anatomic consideration")),
                   (m, u("effectiveDate"), Literal("2026-04-01", datatype=XSD.date)), (m, u("ncciImport"), URIRef("urn:x:imp"))}


@pytest.mark.parametrize("kind, row", [
    *[("ptp", ("22551", bad, D(2010, 1, 1), None, 1, "", False)) for bad in ("63304> <urn:x", "6330", 63304, None)],
    ("ptp", ("22551", "22554", D(2010, 1, 1), None, 7, "", False)),  # no such modifier indicator
    ("ptp", ("22551", "22554", D(2010, 1, 1), None, 1, "\ud800", False)),  # a lone surrogate: no UTF-8 for it
    ("ptp", ("22551", "22554", D(2010, 1, 1), None, 1, 5, False)),  # a rationale that is not text
    ("mue", ("63048", "4", 1, "")),  # a value that is not a number
    ("mue", ("63048", True, 1, "")),
    ("aoc", ("22552", "2255", 1, D(2017, 1, 1), None)),
])
def test_a_row_no_file_could_give_is_refused(kind, row):
    from spinekg.graph.ncci_graph import DamagedRow, edit_lines

    with pytest.raises(DamagedRow):
        edit_lines(_imp(kind, [row]), "urn:x:imp")


def test_a_digest_no_import_could_record_is_refused():
    from spinekg.graph.ncci_graph import DamagedRow, edit_lines

    imp = _imp("mue", [("63048", 4, 1, "")])
    imp.sha256 = "ab> <urn:x"
    with pytest.raises(DamagedRow):
        edit_lines(imp, "urn:x:imp")


def test_a_hand_edited_store_is_left_out_with_one_warning(cli, tmp_path, monkeypatch):
    """Through the CLI: the SPARQL store and the rdflib graph leave the edits out and say so once;
    the query answers, no traceback."""
    from pathlib import Path

    monkeypatch.setenv("SPINEKG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SPINEKG_CACHE", str(tmp_path / "cache"))
    fixture = Path(__file__).parent / "fixtures" / "ncci" / "ccipra-v321r0-f1.txt"
    assert cli("import", "ncci-ptp", str(fixture)).exit_code == 0
    path = tmp_path / "home" / "ncci-addons.json"
    record = json.loads(path.read_text())
    record["imports"][0]["rows"][0][1] = "22554> <urn:evil"
    path.write_text(json.dumps(record))
    ask = "ASK { ?e a <https://w3id.org/spinekg/ontology#NcciPtpEdit> }"
    r = cli("query", "-e", ask, "-f", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["boolean"] is False
    (line,) = r.stderr.splitlines()
    assert line.startswith(f"warning: {path}: the stored NCCI imports are damaged (") and "is not a code" in line
    assert "spinekg import ncci-addon --remove" in line
    from spinekg.graph.load import build_graph

    assert not any(build_graph().triples((None, RDF.type, u("NcciPtpEdit"))))
