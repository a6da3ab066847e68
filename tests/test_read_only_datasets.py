"""Stores graph.persist.open_dataset hands out are read-only (graph.warmstore.ReadOnlyStore):
every writing method refuses, and OxigraphEngine treats them as read-only by default, so saved
queries run as plans there, with the same answers as the text run as written. A bound pairwise
query builds every code's keys on its first call, and they serve every later call."""
import sys
from pathlib import Path

import pytest

from spinekg.graph import persist, sparql
from spinekg.graph.sparql import plans

CPT = "https://w3id.org/spinekg/cpt/"


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SPINEKG_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def codes(tmp_path, monkeypatch):
    """A generated code set of the graph's shape (bench/scale.py): the shipped codes replicated."""
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent.parent / "bench"))
    import scale

    data = tmp_path / "codes.nt"
    with open(data, "wb") as f:
        scale.generate(12_000, f)
    return data


def opened(data):
    """Each form open_dataset returns: first open (in memory), on disk only, later open (warming)."""
    first = persist.open_dataset([data])
    persist.build([data])
    return {"first": first, "disk": persist.open_dataset([data], warm=False), "warm": persist.open_dataset([data])}


def test_every_form_refuses_writes_and_engines_treat_it_as_read_only(codes):
    import pyoxigraph as ox

    quad = ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.NamedNode("urn:c"))
    for form, store in opened(codes).items():
        assert sparql.OxigraphEngine(store).read_only, form
        before = len(store)
        for call in (lambda: store.add(quad), lambda: store.remove(quad), lambda: store.update("CLEAR ALL"),
                     lambda: store.load(b"<urn:a> <urn:b> <urn:c> .", format=ox.RdfFormat.N_TRIPLES),
                     lambda: store.bulk_load(b"<urn:a> <urn:b> <urn:c> .", format=ox.RdfFormat.N_TRIPLES),
                     lambda: store.extend([quad]), lambda: store.clear()):
            with pytest.raises(RuntimeError, match="read-only"):
                call()
        assert len(store) == before and quad not in store, form
    assert not sparql.OxigraphEngine(ox.Store()).read_only  # a plain store may change: text as written


def test_saved_queries_on_a_dataset_answer_as_written(codes):
    import pyoxigraph as ox

    store = opened(codes)["first"]
    planned = sparql.OxigraphEngine(store, cache=False)
    as_written = sparql.OxigraphEngine(store.current, cache=False)  # the plain store: no plans
    assert not as_written.read_only
    for name, saved in sparql.saved_queries().items():
        b = sparql.bind_params(saved.example_params(), saved)
        for _ in range(2):  # the aggregate plans start at an engine's second SELECT
            a = planned.query(saved.text, b, timeout=None, max_rows=None)
        w = as_written.query(saved.text, b, timeout=None, max_rows=None)
        assert (a.variables, a.rows, a.boolean) == (w.variables, w.rows, w.boolean), name
    assert ox.Store is not type(store)


def one_facet_apart(engine, code):
    from spinekg.graph.sparql.terms import Term

    saved = sparql.saved_queries()["one-facet-apart"]
    b = {} if code is None else {"code": Term("uri", code)}
    return engine.query(saved.text, b, timeout=None, max_rows=None).rows


def test_a_bound_pairwise_query_builds_the_keys_once_and_they_serve_every_call(codes, monkeypatch):
    from spinekg.graph import precompute

    builds = []
    real = precompute.build_index
    monkeypatch.setattr(precompute, "build_index", lambda store, rule: builds.append(rule.name) or real(store, rule))
    code = f"{CPT}63304-r1"  # a generated replica of 63304
    store = opened(codes)["first"]
    as_written = sparql.OxigraphEngine(store.current, cache=False)
    expected = one_facet_apart(as_written, code)
    assert expected  # the replica has neighbours
    assert builds == []  # a store that may change gets no keys

    engine = sparql.OxigraphEngine(store, cache=False)
    assert one_facet_apart(engine, code) == expected and builds == ["one-facet-apart"]  # one code: keys built
    assert one_facet_apart(engine, f"{CPT}63090-r1") == one_facet_apart(as_written, f"{CPT}63090-r1")
    assert one_facet_apart(engine, None) == one_facet_apart(as_written, None)  # all codes: the same keys
    assert builds == ["one-facet-apart"]
