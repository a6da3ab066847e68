"""Imported PTP edits and MUE limits in the graph for SPARQL: typed, dated nodes with provenance."""
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

NCCI = Path(__file__).parent / "fixtures" / "ncci"
PREFIXES = """PREFIX sk: <https://w3id.org/spinekg/ontology#>
PREFIX cpt: <https://w3id.org/spinekg/cpt/>
"""


@pytest.fixture()
def imported_graph(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("SPINEKG_HOME", str(tmp_path / "home"))
    assert cli("import", "ncci-ptp", str(NCCI / "ccipra-v321r0-f1.txt")).exit_code == 0
    assert cli("import", "ncci-mue", str(NCCI / "MCR_MUE_PractitionerServices_Eff_04-01-2026.csv")).exit_code == 0
    assert cli("import", "ncci-addon", str(NCCI / "AOC_V2026Q1-MCR.txt")).exit_code == 0
    from spinekg.graph.load import load_graph

    return load_graph()


def test_namespace_matches_ncci_ttl():
    from spinekg.graph.ncci_graph import NCCI as NS, NCCI_TTL

    onto = Graph().parse(str(NCCI_TTL), format="turtle")
    ns = str(NS._NS)
    declared = {str(s)[len(ns):] for s in onto.subjects() if isinstance(s, URIRef) and str(s).startswith(ns)}
    declared -= {"NcciAddOnEdit", "editImport"}  # declared in spinekg.ttl, only extended here
    assert declared == set(NS.__annotations__)


def test_ptp_edits_and_mue_limits_in_sparql(cli, imported_graph):
    g = imported_graph
    rows = list(g.query(PREFIXES + """
        SELECT ?c2 ?mod ?eff ?file ?quarter WHERE {
          ?e a sk:NcciPtpEdit ; sk:ptpColumn1 cpt:63047 ; sk:ptpColumn2 ?c2 ; sk:modifierIndicator ?mod ;
             sk:effectiveDate ?eff ; sk:ncciImport ?imp .
          ?imp sk:sourceFile ?file ; sk:ncciQuarter ?quarter ; sk:ncciSetting "practitioner" .
        } ORDER BY ?c2"""))
    assert [(str(r.c2).rsplit("/", 1)[-1], int(r.mod), str(r.eff), str(r.file), str(r.quarter)) for r in rows] == [
        ("63030", 1, "2010-01-01", "ccipra-v321r0-f1.txt", "2026Q2"),
        ("64483", 1, "2010-01-01", "ccipra-v321r0-f1.txt", "2026Q2")]
    # the direct relation holds for edits without a deletion date only
    assert (URIRef("https://w3id.org/spinekg/cpt/22551"), URIRef("https://w3id.org/spinekg/ontology#notReportedWith"),
            URIRef("https://w3id.org/spinekg/cpt/22554")) in g
    assert not g.query(PREFIXES + "ASK { cpt:63045 sk:notReportedWith cpt:63030 }").askAnswer
    (mue,) = g.query(PREFIXES + """SELECT ?v ?mai WHERE { cpt:63048 sk:hasMueLimit ?m . ?m sk:mueValue ?v ;
        sk:mueAdjudicationIndicator ?mai ; sk:ncciImport/sk:ncciFileKind "MUE" }""")
    assert (int(mue.v), int(mue.mai)) == (4, 1)
    aoc = g.query(PREFIXES + "SELECT ?p WHERE { ?e a sk:NcciAddOnEdit ; sk:editAddOn cpt:22552 ; sk:editPrimary ?p ; sk:editImport/sk:ncciQuarter \"2026Q1\" }")
    assert [str(r.p).rsplit("/", 1)[-1] for r in aoc] == ["22551"]


def test_ncci_nodes_conform_to_their_shapes(imported_graph):
    pyshacl = pytest.importorskip("pyshacl")
    from spinekg.graph.ncci_graph import NCCI_SHAPES

    g = Graph()
    for t in imported_graph:
        g.add(t)
    shapes = Graph().parse(str(NCCI_SHAPES), format="turtle")
    ok, _, text = pyshacl.validate(g, shacl_graph=shapes)
    assert ok, text
    bad = Graph()
    for t in g:
        if t[1] != URIRef("https://w3id.org/spinekg/ontology#modifierIndicator"):
            bad.add(t)
    assert not pyshacl.validate(bad, shacl_graph=shapes)[0]  # the shapes catch a missing indicator


def test_an_ncci_file_larger_than_a_table_imports(cli, tmp_path, monkeypatch):
    """NCCI files are hashed as a stream under the NCCI cap, not read whole under a table's (a PTP
    part of CMS's size, over 64 MiB, once failed 'larger than the 64 MiB limit')."""
    from spinekg.graph import userfiles

    monkeypatch.setenv("SPINEKG_HOME", str(tmp_path / "home"))
    ptp = NCCI / "ccipra-v321r0-f1.txt"
    monkeypatch.setattr(userfiles, "TABLE_MAX_BYTES", ptp.stat().st_size - 1)  # the file is over a table's cap
    r = cli("import", "ncci-ptp", str(ptp))
    assert r.exit_code == 0, r.stderr
    from spinekg.graph.userdata import sha256_file

    import hashlib
    assert sha256_file(ptp, userfiles.NCCI_MAX_BYTES) == hashlib.sha256(ptp.read_bytes()).hexdigest()
    bad = cli("import", "ncci-ptp", str(tmp_path))  # a folder: still one line
    assert bad.exit_code != 0 and len(bad.stderr.strip().splitlines()) == 1
