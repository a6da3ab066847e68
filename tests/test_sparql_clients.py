"""Every saved query through real SPARQL clients against `spinekg serve`: SPARQLWrapper (its query-type
sniffing included) in every result format it offers, and rdflib's SPARQLStore (XML results, RDF/XML
graphs). Answers must equal the embedded engine's."""
from __future__ import annotations

import io
import warnings

import pytest

from spinekg.graph import sparql as S

SAVED = sorted(S.saved_queries())


@pytest.fixture(scope="module")
def server():
    from spinekg.server import close, start_in_thread

    srv, _ = start_in_thread(port=0, workers=2, timeout=30)
    yield srv
    srv.shutdown()
    close(srv)


def sent_text(name: str) -> tuple[str, S.Result]:
    """The saved query with its example parameters as a VALUES block, and the embedded answer."""
    q = S.get_saved(name)
    bindings = S.bind_params(q.example_params(), q)
    local = S.OxigraphEngine().query(q.text, bindings, timeout=None)
    return S.values_block(S.check_query(q.text), bindings), local


def values_of(rows) -> list:
    return sorted(tuple(sorted(r.items())) for r in rows)


@pytest.mark.parametrize("name", SAVED)
def test_sparqlwrapper_sniffs_every_saved_query_right(name):
    from SPARQLWrapper import SPARQLWrapper

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an unknown type is a warning in SPARQLWrapper
        kind = SPARQLWrapper("http://127.0.0.1:1/sparql")._parseQueryType(S.get_saved(name).text)
    assert kind == S.check_query(S.get_saved(name).text).form


@pytest.mark.parametrize("name", SAVED)
def test_sparqlwrapper_every_format(name, server):
    from rdflib import Graph
    from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

    text, local = sent_text(name)
    sw = SPARQLWrapper(server.url + "/sparql")
    sw.setQuery(text)
    assert sw.queryType == local.form
    if local.is_graph:
        expected = S.Result(local.form, triples=local.triples).canonical()
        for fmt in (TURTLE, RDFXML, JSONLD, N3, XML):  # XML is SPARQLWrapper's default: RDF/XML for graphs
            sw.setReturnFormat(fmt)
            g = sw.queryAndConvert()
            if isinstance(g, bytes):
                g = Graph().parse(data=g.decode(), format="turtle")
            got = S.Result(local.form, triples=[tuple(S.from_rdflib(x) for x in t) for t in g]).canonical()
            assert got == expected, fmt
        return
    sw.setReturnFormat(JSON)
    res = sw.queryAndConvert()
    if local.form == "ASK":
        assert res["boolean"] == local.boolean
        return
    expected = values_of({v: t.value for v, t in zip(local.variables, row) if t is not None} for row in local.rows)
    assert values_of({k: b["value"] for k, b in row.items()} for row in res["results"]["bindings"]) == expected
    sw.setReturnFormat(XML)
    doc = sw.queryAndConvert()
    assert len(doc.getElementsByTagName("result")) == len(local.rows)
    for fmt, sep in ((CSV, ","), (TSV, "\t")):
        sw.setReturnFormat(fmt)
        import csv

        rows = list(csv.reader(io.StringIO(sw.queryAndConvert().decode()), delimiter=sep))
        assert len(rows) == len(local.rows) + 1 and [c.lstrip("?") for c in rows[0]] == local.variables


@pytest.mark.parametrize("name", SAVED)
def test_rdflib_sparqlstore(name, server):
    from rdflib import Graph
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    text, local = sent_text(name)
    g = Graph(store=SPARQLStore(server.url + "/sparql", returnFormat="xml"))
    res = g.query(text)
    if local.form == "ASK":
        assert res.askAnswer == local.boolean
    elif local.is_graph:
        got = S.Result(local.form, triples=[tuple(S.from_rdflib(x) for x in t) for t in res.graph]).canonical()
        assert got == S.Result(local.form, triples=local.triples).canonical()
    else:
        got = [tuple(S.from_rdflib(row[i]) for i in range(len(local.variables))) for row in res]
        anon = S.Result("SELECT", local.variables, got).canonical()[2]
        assert sorted(map(repr, anon)) == sorted(map(repr, S.Result("SELECT", local.variables, local.rows).canonical()[2]))
