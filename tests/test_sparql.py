"""SPARQL: the Oxigraph store equals the rdflib graph, the saved query library and its golden
results, both engines agree, parameters are bound as RDF terms, result formats are standard.

Golden files live in tests/golden/; regenerate them after a data change with
SPINEKG_UPDATE_GOLDEN=1 python -m pytest tests/test_sparql.py (then review the diff).
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from spinekg.graph import sparql as S

GOLDEN = Path(__file__).parent / "golden"
SAVED = sorted(S.saved_queries())
HOSTILE = ['x" || true || "', '"}', "63304> } UNION { ?s ?p ?o } #", "') } UNION { ?s ?p ?o", "\\u0022 }",
           "<http://127.0.0.1:1/x>", "63304\n} OPTIONAL { ?a ?b ?c", "' ; DROP ALL ; '", "*", "?x"]


@pytest.fixture(scope="module")
def ox():
    return S.OxigraphEngine()


@pytest.fixture(scope="module")
def rd():
    return S.RdflibEngine()


def run_example(engine, name, **kw):
    q = S.get_saved(name)
    return engine.query(q.text, S.bind_params(q.example_params(), q), timeout=None, **kw)


def golden_of(result: S.Result, name: str) -> dict:
    q = S.get_saved(name)
    d = {"query": name, "params": q.example_params(), "form": result.form}
    if result.form == "ASK":
        d["boolean"] = result.boolean
    elif result.is_graph:
        d["triples"] = result.canonical()[1]
    else:
        d["vars"] = result.variables
        d["rows"] = [[t.n3() if t is not None else None for t in row] for row in result.rows]
    return d


# ------------------------------------------------------------------ the store


def test_store_equals_rdflib_graph(graph):
    from rdflib import Graph
    from rdflib.compare import isomorphic

    g = Graph()
    g.parse(data=S.store_ntriples(S.load_store()).decode("utf-8"), format="nt")
    assert len(g) == len(graph)
    assert isomorphic(g, graph)


def test_store_includes_user_imports(tmp_path, monkeypatch):
    from rdflib import Graph
    from rdflib.compare import isomorphic

    from spinekg.graph import load

    monkeypatch.setenv("SPINEKG_HOME", str(tmp_path))
    ncci = Path(__file__).parent / "fixtures" / "user" / "ncci_aoc.csv"
    if not ncci.exists():
        pytest.skip("no NCCI fixture")
    from spinekg.graph import ncci as ncci_mod
    from spinekg.graph.model import load_catalog

    ncci_mod.import_ncci(ncci, set(load_catalog().codes))
    store = S.build_store()
    g = Graph()
    g.parse(data=S.store_ntriples(store).decode("utf-8"), format="nt")
    assert isomorphic(g, load.build_graph())
    assert len(store) > len(S.build_store(user_data=False))


# ------------------------------------------------------------------ the library


def test_library_has_at_least_twelve_documented_queries():
    lib = S.saved_queries()
    assert len(lib) >= 12
    for q in lib.values():
        assert q.title and len(q.description) > 20, q.name
        info = S.check_query(q.text)
        if info.form == "SELECT":
            assert re.search(r"\bORDER\s+BY\b", q.text, re.I), f"{q.name}: a saved SELECT needs ORDER BY"
        for p in q.params:
            assert f"?{p.name}" in q.text, f"{q.name}: parameter {p.name} is not a variable of the query"


def test_the_analysts_questions_are_in_the_library():
    for name in ("addons-of-primary", "primaries-of-addon", "region-approach-matrix", "codes-by-lesion",
                 "same-operation-other-regions", "one-facet-apart", "addons-spanning-regions",
                 "codes-in-group", "primaries-without-addons"):
        assert name in S.saved_queries()


@pytest.mark.parametrize("name", SAVED)
def test_saved_query_matches_golden(name, ox):
    result = run_example(ox, name)
    got = golden_of(result, name)
    path = GOLDEN / f"{name}.json"
    if os.environ.get("SPINEKG_UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert path.exists(), f"no golden file for {name}; run with SPINEKG_UPDATE_GOLDEN=1"
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert got == expected, f"{name} differs from {path.name}; if the data changed on purpose, regenerate the golden files"
    assert len(result) > 0 or result.form == "ASK", f"{name}: the example gives no answer"


@pytest.mark.parametrize("name", SAVED)
def test_both_engines_give_the_same_answer(name, ox, rd):
    a, b = run_example(ox, name), run_example(rd, name)
    assert a.canonical() == b.canonical()


def test_no_golden_file_without_a_query():
    names = {p.stem for p in GOLDEN.glob("*.json")}
    assert names == set(SAVED)


# ------------------------------------------------------------------ saved queries against the catalog


def notation(t: S.Term) -> str:
    return t.value.rsplit("/", 1)[-1]


def test_addons_and_primaries_agree_with_catalog(ox, catalog):
    for code in ("63304", "63102", "63001", "63045"):
        r = S.run_saved("addons-of-primary", {"primary": code}, engine=ox)
        assert [notation(row[1]) for row in r.rows] == list(catalog[code].add_ons)
    for code in ("63308", "63103", "63048", "63295"):
        r = S.run_saved("primaries-of-addon", {"addon": code}, engine=ox)
        assert [notation(row[1]) for row in r.rows] == list(catalog[code].add_on_to)


def test_primaries_without_addons_agree_with_catalog(ox, catalog):
    r = S.run_saved("primaries-without-addons", engine=ox)
    expected = [c for c, rec in catalog.codes.items() if rec.kind == "primary" and not rec.add_ons]
    assert [notation(row[0]) for row in r.rows] == expected


def test_codes_in_group_agree_with_catalog(ox, catalog):
    def under(group):
        out = set(catalog.groups[group]["members"])
        for g, info in catalog.groups.items():
            if info["parent"] == group:
                out |= under(g)
        return out

    for group in ("63300-63308", "63001-63053"):
        r = S.run_saved("codes-in-group", {"group": group}, engine=ox)
        got = [notation(row[1]) for row in r.rows]
        assert got == sorted(c for c in under(group) if c in catalog.codes)
    assert {"63300", "63304", "63308"} <= {notation(row[1]) for row in
                                           S.run_saved("codes-in-group", {"group": "63300-63308"}, engine=ox).rows}


def test_one_facet_apart_agrees_with_family(ox, catalog):
    from spinekg.graph.traverse import family

    for code in ("63304", "63001", "63103", "63081", "63265", "63295"):
        r = S.run_saved("one-facet-apart", {"code": code}, engine=ox)
        got = sorted((row[1].value, notation(row[2])) for row in r.rows)
        fam = family(code, catalog)["family"]
        expected = sorted((facet, m["code"]) for facet, members in fam.items() for m in members)
        assert got == expected, code


def test_siblings_share_everything_but_region_and_approach(ox, catalog):
    from spinekg.graph.traverse import facet_values

    r = S.run_saved("same-operation-other-regions", {"code": "63304"}, engine=ox)
    sibs = {notation(row[1]) for row in r.rows}
    assert {"63305", "63306", "63307"} <= sibs
    mine = facet_values(catalog["63304"])
    for s in sibs:
        theirs = facet_values(catalog[s])
        assert theirs["region"] != mine["region"]
        for f in ("procedure", "lesion compartment", "lesion nature", "variant", "indication", "units", "kind"):
            assert theirs[f] == mine[f], (s, f)


def test_region_approach_matrix_counts(ox, catalog):
    r = S.run_saved("region-approach-matrix", engine=ox)
    rows = {row[0].value: [int(t.value) for t in row[1:]] for row in r.rows}
    lec = rows["lateral extracavitary"]
    expected = [sum(1 for rec in catalog.codes.values() if "lateral extracavitary" in rec.approaches and reg in rec.regions)
                for reg in ("cervical", "thoracic", "lumbar", "sacral")]
    assert lec[:4] == expected


def test_addons_spanning_regions(ox, catalog):
    r = S.run_saved("addons-spanning-regions", engine=ox)
    got = {notation(row[0]): int(row[1].value) for row in r.rows}
    for code, rec in catalog.codes.items():
        if rec.kind != "add-on":
            continue
        regions = {reg for p in rec.add_on_to if p in catalog.codes for reg in catalog[p].regions}
        assert (code in got) == (len(regions) > 1), code
        if code in got:
            assert got[code] == len(regions)
    assert got["63048"] == 3


# ------------------------------------------------------------------ parameters


def test_codes_become_iris_and_numbers_integers():
    assert S.bind_value("63304", "code") == S.Term.iri("https://w3id.org/spinekg/cpt/63304")
    assert S.bind_value("63304", None) == S.Term.iri("https://w3id.org/spinekg/cpt/63304")
    assert S.bind_value("3", None) == S.Term("literal", "3", S.XSD_INTEGER)
    assert S.bind_value("63300-63308", None).value.endswith("/group/63300-63308")
    assert S.bind_value("Lateral-Extracavitary", "approach").value.endswith("#LateralExtracavitary")
    assert S.bind_value("sk:Lumbar", None).value.endswith("#Lumbar")
    assert S.bind_value("hello", None) == S.Term.literal("hello")


def test_integer_parameter_binds_as_integer(ox):
    q = "SELECT ?c ?n WHERE { ?c sk:minUnits ?n } ORDER BY ?c"
    three = S.run(q, {"n": "3"}, engine=ox)
    assert {notation(r[0]) for r in three.rows} >= {"63015", "63016", "63017"}
    assert all(S.run("ASK { ?c sk:minUnits ?n }", {"c": notation(r[0]), "n": "3"}, engine=ox).boolean for r in three.rows)


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_give_no_rows_and_no_error(engine, value):
    eng = S.make_engine(engine)
    for name in ("addons-of-primary", "primaries-of-addon", "codes-in-group", "codes-by-approach", "per-unit-addons"):
        q = S.get_saved(name)
        (p,) = q.params
        notes: list[str] = []
        r = S.run(q.text, {p.name: value}, saved=q, engine=eng, notes=notes)
        assert r.rows == [], (name, value)
    q = S.get_saved("is-addon-of")
    assert S.run(q.text, {"addon": value, "primary": "63102"}, saved=q, engine=eng).boolean is False
    # undeclared parameters in an inline query: bound as a term, never pasted
    r = S.run("SELECT ?c ?n WHERE { ?c skos:notation ?n }", {"n": value}, engine=eng)
    assert r.rows == []


def test_hostile_values_in_a_values_block_stay_terms(ox):
    from spinekg.ontology.namespaces import CPT

    q = S.get_saved("addons-of-primary")
    for value in HOSTILE + ['x" } SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } #']:
        term = S.bind_value(value, "code")
        text = S.values_block(S.check_query(q.text), {"primary": term})
        S.check_query(text)  # still no SERVICE, FROM, update
        assert ox.query(text, timeout=None).rows == []
    text = S.values_block(S.check_query(q.text), {"primary": S.Term.iri(str(CPT["63304"]))})
    assert [notation(r[1]) for r in ox.query(text).rows] == [notation(r[1]) for r in S.run_saved("addons-of-primary", {"primary": "63304"}).rows]


def test_values_block_handles_construct_and_subselect(ox):
    code = {"code": S.bind_value("63103", "code")}
    for text in ("CONSTRUCT { ?code sk:region ?r } WHERE { ?code sk:region ?r }",
                 "CONSTRUCT WHERE { ?code sk:region ?r }",
                 "SELECT ?code ?r WHERE { { SELECT ?code ?r WHERE { ?code sk:region ?r } } } ORDER BY ?r",
                 "SELECT ?code ?r (EXISTS { ?code a sk:AddOnCode } AS ?a) WHERE { ?code sk:region ?r } ORDER BY ?r"):
        info = S.check_query(text)
        direct = ox.query(text, code)
        rewritten = ox.query(S.values_block(info, code))
        assert direct.canonical() == rewritten.canonical(), text
        assert len(direct) == 2


def test_unknown_parameter_of_saved_query_is_an_error():
    with pytest.raises(S.SpinekgError, match="no parameter 'cod'"):
        S.run_saved("addons-of-primary", {"cod": "63304"})
    with pytest.raises(S.SpinekgError, match="NAME=VALUE"):
        S.parse_param_args(["63304"])


def test_parameters_must_be_query_variables_in_the_projection(ox, rd):
    for eng in (ox, rd):
        with pytest.raises(S.SpinekgError, match="no variable"):
            S.run("SELECT ?c WHERE { ?c a sk:AddOnCode }", {"code": "63308"}, engine=eng)
        with pytest.raises(S.SpinekgError, match="projection"):
            S.run("SELECT ?c WHERE { ?c sk:minUnits ?n }", {"n": "3"}, engine=eng)


def test_unbound_parameter_answers_for_every_code(ox):
    r = S.run_saved("primaries-of-addon", engine=ox)
    assert {notation(row[0]) for row in r.rows} >= {"63308", "63103", "63048"}


# ------------------------------------------------------------------ formats


@pytest.fixture(scope="module")
def sample(ox):
    return S.run("SELECT ?c ?min ?label WHERE { ?c sk:minUnits ?min ; skos:prefLabel ?label } ORDER BY ?c LIMIT 5", engine=ox)


def test_json_results_format(sample):
    d = json.loads(S.format_result(sample, "json"))
    assert d["head"]["vars"] == ["c", "min", "label"]
    first = d["results"]["bindings"][0]
    assert first["c"]["type"] == "uri"
    assert first["min"] == {"type": "literal", "value": first["min"]["value"], "datatype": S.XSD_INTEGER}
    assert first["label"]["xml:lang"] == "en"
    ask = json.loads(S.format_result(S.Result("ASK", boolean=True), "json"))
    assert ask == {"head": {}, "boolean": True}


def test_xml_results_format(sample):
    ns = {"s": "http://www.w3.org/2005/sparql-results#"}
    root = ET.fromstring(S.format_result(sample, "xml"))
    assert [v.get("name") for v in root.findall("s:head/s:variable", ns)] == ["c", "min", "label"]
    results = root.findall("s:results/s:result", ns)
    assert len(results) == 5
    assert results[0].find("s:binding[@name='min']/s:literal", ns).get("datatype") == S.XSD_INTEGER


def test_csv_and_tsv_formats(sample):
    rows = list(csv.reader(io.StringIO(S.format_result(sample, "csv"))))
    assert rows[0] == ["c", "min", "label"]
    assert rows[1][0].startswith("https://w3id.org/spinekg/cpt/")
    tsv = S.format_result(sample, "tsv").splitlines()
    assert tsv[0] == "?c\t?min\t?label"
    assert tsv[1].split("\t")[0].startswith("<https://w3id.org/spinekg/cpt/")
    assert '"^^<http://www.w3.org/2001/XMLSchema#integer>' in tsv[1]


@pytest.mark.parametrize("fmt,rdflib_format", [("turtle", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")])
def test_graph_formats_parse_back(fmt, rdflib_format, ox):
    from rdflib import Graph

    r = S.run_saved("code-facts", {"code": "63103"}, engine=ox)
    g = Graph()
    g.parse(data=S.format_result(r, fmt), format=rdflib_format)
    assert len(g) == len(r.triples) > 10


def test_format_must_fit_query_form(sample):
    with pytest.raises(S.SpinekgError):
        S.format_result(sample, "turtle")


# ------------------------------------------------------------------ CLI


def test_cli_query_list(cli):
    r = cli("query", "--list")
    assert r.exit_code == 0
    assert len(r.stdout.strip().splitlines()) == len(SAVED)
    assert "addons-of-primary" in r.stdout and "--param primary=63304" in r.stdout


def test_cli_query_by_name_with_param(cli):
    r = cli("query", "--name", "addons-of-primary", "--param", "primary=63102", "--format", "csv")
    assert r.exit_code == 0, r.output
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0] == ["primary", "addon", "eachAdditionalUnit", "label"]
    assert "https://w3id.org/spinekg/cpt/63103" in [row[1] for row in rows[1:]]


def test_cli_query_inline_file_and_stdin(cli, tmp_path):
    q = "SELECT ?r WHERE { cpt:63103 sk:region ?r } ORDER BY ?r"
    a = cli("query", "-e", q, "--format", "json")
    f = tmp_path / "q.rq"
    f.write_text(q)
    b = cli("query", str(f), "--format", "json")
    assert a.exit_code == b.exit_code == 0
    assert json.loads(a.stdout) == json.loads(b.stdout)
    assert len(json.loads(a.stdout)["results"]["bindings"]) == 2


def test_cli_query_output_file_is_atomic_and_not_overwritten(cli, tmp_path):
    out = tmp_path / "r.tsv"
    assert cli("query", "--name", "multi-region-codes", "-f", "tsv", "-o", str(out)).exit_code == 0
    assert out.read_text().startswith("?code\t?regions")
    again = cli("query", "--name", "multi-region-codes", "-f", "tsv", "-o", str(out))
    assert again.exit_code == 2 and "already exists" in again.stderr


def test_cli_construct_formats(cli):
    r = cli("query", "--name", "code-facts", "--param", "code=63103", "--format", "nt")
    assert r.exit_code == 0 and "<https://w3id.org/spinekg/cpt/63103>" in r.stdout
    bad = cli("query", "--name", "code-facts", "--format", "csv")
    assert bad.exit_code == 2 and "turtle" in bad.stderr


def test_cli_rdflib_engine_same_output(cli):
    a = cli("query", "--name", "codes-by-approach", "--param", "approach=lateral extracavitary", "-f", "json")
    b = cli("query", "--name", "codes-by-approach", "--param", "approach=lateral extracavitary", "-f", "json", "--engine", "rdflib")
    assert a.exit_code == b.exit_code == 0
    assert json.loads(a.stdout) == json.loads(b.stdout)


def test_cli_hostile_param_no_error(cli):
    r = cli("query", "--name", "addons-of-primary", "--param", 'primary=x" || true || "', "--format", "json")
    assert r.exit_code == 0
    assert json.loads(r.stdout)["results"]["bindings"] == []


def test_cli_query_errors_are_one_line(cli):
    for args, msg in ((("query",), "exactly one query"), (("query", "--name", "nope"), "no saved query"),
                      (("query", "-e", "SELECT WHERE {"), "invalid query"),
                      (("query", "missing.rq"), "no such query file"),
                      (("query", "-e", "SELECT * { ?s ?p ?o }", "--format", "yaml"), "unknown format")):
        r = cli(*args)
        assert r.exit_code == 2, args
        assert msg in r.stderr and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.output


def test_syntax_errors_name_line_column_and_token(cli):
    """Issue 14: one line with line:column and the offending token, CLI exit 2."""
    r = cli("query", "-e", "SELECT ?x WHERE { ?x ")
    assert r.exit_code == 2 and r.stderr.count("\n") == 1
    assert "line 1, column 19" in r.stderr and "'?x'" in r.stderr
    r = cli("query", "-e", "PREFIX sk: <urn:x#>\nSELECT * WHERE {\n  ?s sk:p ?o ORDER ?o }")
    assert r.exit_code == 2 and "line 3, column" in r.stderr and "'ORDER'" in r.stderr, r.stderr


# The pairwise queries compare every facet a code can carry, the spine section's too: a facet
# missing from their lists makes codes that differ in it look one facet apart (64493 and 64622,
# injection vs denervation with another imaging and agent, came out as "procedure" only).
PAIRWISE = [
    ("one-facet-apart", "64493", {("imaging", "0216T"), ("region", "64490")}),
    ("one-facet-apart", "64622", {("region", "64626")}),
    ("same-operation-other-regions", "0213T", {("0216T", "lumbar"), ("0216T", "sacral")}),
    ("same-operation-other-regions", "64493", {("64490", "cervical"), ("64490", "thoracic")}),
]


@pytest.mark.parametrize("name,code,expected", PAIRWISE)
def test_pairwise_queries_weigh_the_spine_section_facets(name, code, expected, ox, rd):
    q = S.get_saved(name)
    short = lambda t: t.value.rsplit("/", 1)[-1]  # a code's IRI ends in its notation; literals as they are
    for engine in (ox, rd):
        r = engine.query(q.text, S.bind_params({"code": code}, q), timeout=None)
        rows = {(short(row[1]), short(row[2])) for row in r.rows}
        assert rows == expected, (type(engine).__name__, rows)
