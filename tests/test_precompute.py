"""The facet keys (graph/precompute.py) and the plans that use them (graph/sparql/plans.py): a plan
answers exactly as its saved query does, for every code and without one, on the shipped store,
on a store with more data, and after the imports change; stores that may change run the query as
written; nothing derived reaches the graph."""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from spinekg.graph import precompute
from spinekg.graph import sparql as S

PAIRWISE = [name for name, _ in precompute.RULES]
SK = "https://w3id.org/spinekg/ontology#"
CODE = "https://w3id.org/spinekg/cpt/63304"


def codes(store) -> list[str]:
    q = "SELECT ?c WHERE { ?c a <https://w3id.org/spinekg/ontology#ProcedureCode> } ORDER BY ?c"
    return [s["c"].value for s in store.query(q)]


def answers(engine, name, code: str | None):
    saved = S.get_saved(name)
    bindings = {"code": S.Term.iri(code)} if code else {}
    return engine.query(saved.text, bindings, timeout=None, max_rows=None).canonical()


def engines(store):
    """(planned, as written) over the same store, neither keeping answers."""
    return S.OxigraphEngine(store, read_only=True, cache=False), S.OxigraphEngine(store, read_only=False, cache=False)


@pytest.fixture(scope="module")
def store():
    return S.load_store()


def test_every_pairwise_query_has_a_rule_and_a_plan(store):
    assert {r.name for r in precompute.rules()} == set(PAIRWISE)
    shared = S.OxigraphEngine(store)
    assert shared.read_only and shared.cache
    for name in PAIRWISE:
        assert shared.plan(S.get_saved(name).text, {"code": S.Term.iri(CODE)}), name
        assert shared.plan(S.get_saved(name).text), name
        # a parameter the plan does not take: the query runs as written
        assert shared.plan(S.get_saved(name).text, {"label": S.Term.literal("x")}) is None
    assert shared.plan(S.get_saved("unit-counting").text) is None


@pytest.mark.parametrize("name", PAIRWISE)
def test_plan_answers_as_the_query_for_every_code(store, name):
    fast, written = engines(store)
    found = 0
    for code in codes(store):
        got = answers(fast, name, code)
        assert got == answers(written, name, code), code
        found += len(got[2])
    assert found > 0
    assert answers(fast, name, None) == answers(written, name, None)
    # values that are no code (a group, a literal) answer nothing either way
    assert answers(fast, name, "https://w3id.org/spinekg/group/63001-63053")[2] == []
    saved = S.get_saved(name)
    lit = {"code": S.Term.literal("63304")}
    assert fast.query(saved.text, lit, timeout=None).rows == written.query(saved.text, lit, timeout=None).rows == []


def test_facet_list_is_read_from_the_query():
    one = next(r for r in precompute.rules() if r.name == "one-facet-apart")
    same = next(r for r in precompute.rules() if r.name == "same-operation-other-regions")
    assert "approach" in one.facet_names and "approach" not in same.facet_names
    assert (SK + "region", "region") in one.facets and same.only == "region"
    text = S.get_saved("one-facet-apart").text
    extra = text.replace('(rdf:type "kind")', '(rdf:type "kind") (sk:laterality "laterality")')
    assert (SK + "laterality", "laterality") in precompute.facet_map(extra)
    # a query of another shape gets no keys: it runs as written
    assert precompute.facet_map(text.replace("?x = sk:AddOnCode", "?x = sk:PrimaryCode")) is None
    assert precompute.facet_map("SELECT * WHERE { ?s ?p ?o }") is None


def test_a_new_facet_in_the_data_changes_the_keys():
    """Two codes equal in every listed facet but a new one (a facet no query lists yet): with the
    property in the query's list they are one facet apart through it, without it not at all."""
    text = S.get_saved("one-facet-apart").text
    assert "sk:laterality" not in text
    with_new = precompute.facet_map(text.replace('(rdf:type "kind")', '(rdf:type "kind") (sk:laterality "laterality")'))
    store = ox.Store()
    a, b = ox.NamedNode("urn:x:a"), ox.NamedNode("urn:x:b")
    t = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    for c in (a, b):
        store.add(ox.Quad(c, t, ox.NamedNode(SK + "ProcedureCode")))
        store.add(ox.Quad(c, ox.NamedNode(SK + "region"), ox.NamedNode(SK + "Lumbar")))
    store.add(ox.Quad(a, ox.NamedNode(SK + "laterality"), ox.NamedNode("urn:x:left")))
    index = precompute.build_index(store, precompute.PairRule("one-facet-apart", with_new, None))
    assert index.pairs(str(a)) == [(str(a), "laterality", str(b))]
    without = precompute.build_index(store, precompute.PairRule("one-facet-apart", precompute.facet_map(text), None))
    assert without.pairs(str(a)) == []  # equal in every listed facet
    store.add(ox.Quad(ox.BlankNode(), t, ox.NamedNode(SK + "ProcedureCode")))
    assert precompute.build_index(store, precompute.PairRule("one-facet-apart", with_new, None)) is None


def test_nothing_derived_reaches_the_graph(store):
    S.OxigraphEngine(store).query(S.get_saved("one-facet-apart").text, {"code": S.Term.iri(CODE)}, timeout=None)
    assert len(store) == len(S.build_store())
    assert all(q.graph_name == ox.DefaultGraph() for q in store)


def test_a_store_that_may_change_runs_the_query_as_written(store):
    mine = S.build_store()
    eng = S.OxigraphEngine(mine)
    assert not eng.read_only and not eng.cache
    for name in PAIRWISE:
        assert eng.plan(S.get_saved(name).text) is None
        assert answers(eng, name, CODE) == answers(S.OxigraphEngine(store), name, CODE)


def test_plans_follow_the_data(tmp_path):
    """More data (a file of new codes, notations of any shape): the keys are derived for the store
    that holds it, and the plan still answers as the query does, new codes included."""
    extra = tmp_path / "more.ttl"
    extra.write_text("""
@prefix sk: <https://w3id.org/spinekg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/spinekg/cpt/0998T> a sk:PrimaryCode, sk:ProcedureCode ; skos:prefLabel "test code"@en ;
    sk:region sk:Lumbar ; sk:approach sk:Posterior ; sk:procedure sk:Laminectomy .
<https://w3id.org/spinekg/cpt/0999T> a sk:PrimaryCode, sk:ProcedureCode ; skos:prefLabel "test code 2"@en ;
    sk:region sk:Thoracic ; sk:approach sk:Posterior ; sk:procedure sk:Laminectomy .
""", encoding="utf-8")
    bigger = S.build_store([Path(extra)])
    fast, written = engines(bigger)
    new = "https://w3id.org/spinekg/cpt/0998T"
    for name in PAIRWISE:
        got = answers(fast, name, new)
        assert got == answers(written, name, new)
        assert got[2], name  # 0999T: the same but for the region
        assert answers(fast, name, None) == answers(written, name, None)
    assert "https://w3id.org/spinekg/cpt/0999T" in {r[2].value for r in answers(fast, "one-facet-apart", new)[2]}


def test_keys_are_derived_again_when_the_imports_change(tmp_path, monkeypatch, store):
    """The shared store is rebuilt when the user's imports change; its plans use keys of its own."""
    ncci = Path(__file__).parent / "fixtures" / "user" / "ncci_aoc.csv"
    if not ncci.exists():
        pytest.skip("no NCCI fixture")
    from spinekg.graph import ncci as ncci_mod
    from spinekg.graph.model import load_catalog

    monkeypatch.setenv("SPINEKG_HOME", str(tmp_path))
    ncci_mod.import_ncci(ncci, set(load_catalog().codes))
    after = S.load_store()
    assert after is not store and S.OxigraphEngine(after).read_only
    fast, written = engines(after)
    for name in PAIRWISE:
        for code in (CODE, None):
            assert answers(fast, name, code) == answers(written, name, code)
