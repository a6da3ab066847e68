"""The VALUES-first plans (graph/sparql/plans.py VALUES_FIRST): the parameter as a leading VALUES
row answers as the substitution does, for every value the data holds, on the shipped store and on
a perturbed one; other texts, other parameters and non-IRI values keep the substitution."""
from __future__ import annotations

import random

import pyoxigraph as ox
import pytest

from spinekg.graph import sparql as S
from spinekg.graph.sparql import plans
from spinekg.graph.sparql.plans import fingerprint

SK = "https://w3id.org/spinekg/ontology#"


def values_of(store, prop: str) -> list[str]:
    return sorted({q.object.value for q in store.quads_for_pattern(None, ox.NamedNode(prop), None, ox.DefaultGraph())
                   if isinstance(q.object, ox.NamedNode)})


def check(store, name: str, param: str) -> int:
    fast = S.OxigraphEngine(store, read_only=True, cache=False)
    written = S.OxigraphEngine(store, read_only=False, cache=False)
    text, found = S.get_saved(name).text, 0
    for value in [*values_of(store, SK + param), SK + "NoSuchValue", "https://w3id.org/spinekg/cpt/63001"]:
        b = {param: S.Term.iri(value)}
        assert fast.plan(text, b) is not None
        got = fast.query(text, b, timeout=None, max_rows=None)
        assert got.rows == written.query(text, b, timeout=None, max_rows=None).rows, value
        found += len(got.rows)
    return found


def test_every_values_first_query_is_current():
    lib = S.saved_queries()
    for digest, (name, param) in plans.VALUES_FIRST.items():
        assert fingerprint(lib[name].text) == digest, name  # after editing the .rq: re-check, then update
        assert param in {p.name for p in lib[name].params}


@pytest.mark.parametrize("name,param", list(plans.VALUES_FIRST.values()))
def test_values_first_answers_as_the_substitution(name, param):
    assert check(S.load_store(), name, param) > 0
    store = S.build_store()
    rng = random.Random(7)
    quads = list(store.quads_for_pattern(None, ox.NamedNode(SK + param), None, ox.DefaultGraph()))
    for q in rng.sample(quads, len(quads) // 5):
        store.remove(q)
    codes = sorted({q.subject.value for q in quads})
    for _ in range(30):
        store.add(ox.Quad(ox.NamedNode(rng.choice(codes)), ox.NamedNode(SK + param), rng.choice(quads).object))
    assert check(store, name, param) > 0


def test_other_texts_parameters_and_values_keep_the_substitution():
    eng = S.OxigraphEngine(S.load_store(), read_only=True, cache=False)
    text = S.get_saved("codes-by-approach").text
    iri = S.Term.iri(SK + "Anterior")
    assert eng.plan(text, {"approach": iri})
    assert eng.plan(text.replace("ORDER BY ?approach ?code", "ORDER BY ?code"), {"approach": iri}) is None
    assert eng.plan(text, {"approach": S.Term.literal("anterior")}) is None
    assert eng.plan(text, {"approach": iri, "code": S.Term.iri("https://w3id.org/spinekg/cpt/63001")}) is None
    assert eng.plan(text, {}) is None
    assert S.OxigraphEngine(S.build_store()).plan(text, {"approach": iri}) is None  # may change: as written
