"""The derived facet keys (graph/precompute.py) and the plans that read them (graph/sparql/plans.py):
a plan answers exactly as its saved query does, for every code and without one, on the shipped
store, on a store with more data, and after the data changes; stores without keys run the query
as written; nothing derived reaches the default graph."""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from spinekg.graph import precompute
from spinekg.graph import sparql as S
from spinekg.graph.sparql import plans

PAIRWISE = [name for name, _ in precompute.RULES]
SK = "https://w3id.org/spinekg/ontology#"


class Written(S.OxigraphEngine):
    """The same store, the saved text as written (no plan)."""

    def plan(self, text):
        return None


def codes(store) -> list[str]:
    q = "SELECT ?c WHERE { ?c a <https://w3id.org/spinekg/ontology#ProcedureCode> } ORDER BY ?c"
    return [s["c"].value for s in store.query(q)]


def answers(engine, name, code: str | None):
    saved = S.get_saved(name)
    bindings = {"code": S.Term.iri(code)} if code else {}
    return engine.query(saved.text, bindings, timeout=None, max_rows=None).canonical()


@pytest.fixture(scope="module")
def store():
    shared = S.load_store()
    S.OxigraphEngine(shared).plan(S.get_saved("one-facet-apart").text)  # the first planned query derives the keys
    return shared


def test_every_pairwise_query_has_a_rule_and_a_plan(store):
    assert {r.name for r in precompute.rules()} == set(PAIRWISE)
    assert set(plans.plans_for(store)) == {S.get_saved(n).text for n in PAIRWISE}
    engine = S.OxigraphEngine(store)
    for name in PAIRWISE:
        assert engine.plan(S.get_saved(name).text), name


@pytest.mark.parametrize("name", PAIRWISE)
def test_plan_answers_as_the_query_for_every_code(store, name):
    fast, written = S.OxigraphEngine(store), Written(store)
    found = 0
    for code in codes(store):
        got = answers(fast, name, code)
        assert got == answers(written, name, code), code
        found += len(got[2])
    assert found > 0
    assert answers(fast, name, None) == answers(written, name, None)
    # a value that is no code (a group, a literal) answers nothing either way
    assert answers(fast, name, "https://w3id.org/spinekg/group/63001-63053")[2] == []


def test_facet_list_is_read_from_the_query():
    one = next(r for r in precompute.rules() if r.name == "one-facet-apart")
    same = next(r for r in precompute.rules() if r.name == "same-operation-other-regions")
    assert "approach" in one.facet_names and "approach" not in same.facet_names
    assert (SK + "region", "region") in one.facets and same.only == "region"
    text = S.get_saved("one-facet-apart").text
    extra = text.replace('(rdf:type "kind")', '(rdf:type "kind") (sk:imaging "imaging guidance")')
    assert (SK + "imaging", "imaging guidance") in precompute.facet_map(extra)
    # a query of another shape gets no keys: it runs as written
    assert precompute.facet_map(text.replace("?x = sk:AddOnCode", "?x = sk:PrimaryCode")) is None
    assert precompute.facet_map("SELECT * WHERE { ?s ?p ?o }") is None


def test_a_new_facet_in_the_data_changes_the_keys(tmp_path):
    """Two codes equal in every listed facet but one new property: with the property in the
    query's list they are one facet apart, without it they are not."""
    text = S.get_saved("one-facet-apart").text
    facets = precompute.facet_map(text.replace('(rdf:type "kind")', '(rdf:type "kind") (sk:imaging "imaging guidance")'))
    rule = precompute.PairRule("one-facet-apart", facets, None)
    store = ox.Store()
    a, b, imaging = (ox.NamedNode(f"urn:x:{n}") for n in ("a", "b", "fluoro"))
    t = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    for c in (a, b):
        store.add(ox.Quad(c, t, ox.NamedNode(SK + "ProcedureCode")))
        store.add(ox.Quad(c, ox.NamedNode(SK + "region"), ox.NamedNode(SK + "Lumbar")))
    store.add(ox.Quad(a, ox.NamedNode(SK + "imaging"), imaging))
    quads = list(ox.parse(precompute.derive(store, (rule,)), format=ox.RdfFormat.N_TRIPLES))
    rests = {}
    for q in quads:
        if q.predicate.value == rule.iri("rest"):
            rests.setdefault(q.subject, set()).add(q.object)
    shared = rests[a] & rests[b]
    facet_of = {q.subject: q.object.value for q in quads if q.predicate.value == precompute.NS + "facet"}
    assert [facet_of[r] for r in shared] == ["imaging guidance"]
    sig = {q.subject: q.object for q in quads if q.predicate.value == rule.iri("signature")}
    assert sig[a] != sig[b]


def test_keys_stay_out_of_the_default_graph(store):
    n3 = S.store_ntriples(store).decode("utf-8")
    assert precompute.NS not in n3 and precompute.DERIVED_GRAPH not in n3
    assert len(S.build_store()) < len(store)  # the side graph is there, apart
    r = S.OxigraphEngine(store).query("SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1", timeout=None)
    assert r.rows == []  # user queries see no named graph


def test_store_without_keys_runs_the_query_as_written(store):
    bare = S.build_store(derived=False)
    engine = S.OxigraphEngine(bare)
    assert plans.plans_for(bare) == {}
    for name in PAIRWISE:
        assert engine.plan(S.get_saved(name).text) is None
        assert answers(engine, name, "https://w3id.org/spinekg/cpt/63304") == \
            answers(S.OxigraphEngine(store), name, "https://w3id.org/spinekg/cpt/63304")


def test_stale_keys_are_not_read(store):
    other = S.build_store(derived=False)
    g = ox.NamedNode(precompute.DERIVED_GRAPH)
    other.add(ox.Quad(g, ox.NamedNode(precompute.NS + "fingerprint"), ox.Literal("another-rule"), g))
    assert plans.plans_for(other) == {}


def test_keys_follow_the_data(tmp_path, store):
    """More data (a file of new codes): the keys are derived again for the store that holds it,
    and the plan still answers as the query does, new codes included."""
    extra = tmp_path / "more.ttl"
    extra.write_text("""
@prefix sk: <https://w3id.org/spinekg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/spinekg/cpt/0200T> a sk:PrimaryCode, sk:ProcedureCode ; skos:prefLabel "test code"@en ;
    sk:region sk:Lumbar ; sk:approach sk:Posterior ; sk:procedure sk:Laminectomy .
<https://w3id.org/spinekg/cpt/0201T> a sk:PrimaryCode, sk:ProcedureCode ; skos:prefLabel "test code 2"@en ;
    sk:region sk:Thoracic ; sk:approach sk:Posterior ; sk:procedure sk:Laminectomy .
""", encoding="utf-8")
    bigger = S.build_store([Path(extra)], derived=True)
    fast, written = S.OxigraphEngine(bigger), Written(bigger)
    for name in PAIRWISE:
        got = answers(fast, name, "https://w3id.org/spinekg/cpt/0200T")
        assert got == answers(written, name, "https://w3id.org/spinekg/cpt/0200T")
        assert got[2], name  # 0201T: the same but for the region
        assert answers(fast, name, None) == answers(written, name, None)
    assert "https://w3id.org/spinekg/cpt/0201T" in {r[2].value for r in
                                                     answers(fast, "one-facet-apart", "https://w3id.org/spinekg/cpt/0200T")[2]}


def test_keys_are_derived_again_when_the_imports_change(tmp_path, monkeypatch, store):
    """The shared store is rebuilt (with its keys) when the user's imports change."""
    ncci = Path(__file__).parent / "fixtures" / "user" / "ncci_aoc.csv"
    if not ncci.exists():
        pytest.skip("no NCCI fixture")
    from spinekg.graph import ncci as ncci_mod
    from spinekg.graph.model import load_catalog

    monkeypatch.setenv("SPINEKG_HOME", str(tmp_path))
    ncci_mod.import_ncci(ncci, set(load_catalog().codes))
    after = S.load_store()
    assert after is not store
    assert precompute.derived_fingerprint(after) is None  # nothing derived before a planned query asks
    S.OxigraphEngine(after).query(S.get_saved("primaries-of-addon").text, timeout=None)
    assert precompute.derived_fingerprint(after) is None
    fast, written = S.OxigraphEngine(after), Written(after)
    assert fast.plan(S.get_saved("one-facet-apart").text)
    assert precompute.derived_fingerprint(after) == precompute.fingerprint()
    for name in PAIRWISE:
        for code in ("https://w3id.org/spinekg/cpt/63304", None):
            assert answers(fast, name, code) == answers(written, name, code)
