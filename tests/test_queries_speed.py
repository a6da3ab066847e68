"""What makes repeated embedded queries cheap, and its limits: answers kept only for read-only
stores (and copied out), unlimited queries on kept sealed threads that still have no network."""
from __future__ import annotations

import socket
import threading

import pyoxigraph as ox

from spinekg.graph import sparql as S
from spinekg.graph.sparql import answers, sealed

Q = "SELECT ?addon WHERE { cpt:63304 sk:hasAddOn ?addon } ORDER BY ?addon"


def test_shared_store_answers_are_kept_and_copied_out():
    answers.clear()
    eng = S.OxigraphEngine()
    assert eng.cache
    first = eng.query(Q, timeout=None)
    first.rows.clear()  # a caller's change to its result ...
    again = eng.query(Q, timeout=None)
    assert again.rows and again.canonical() == S.OxigraphEngine(S.load_store(), cache=False).query(Q, timeout=None).canonical()
    assert eng.query(Q, timeout=None, max_rows=0).rows == []  # ... and the row cap is part of the key


def test_a_callers_store_is_never_cached():
    store = ox.Store()
    eng = S.OxigraphEngine(store)
    assert not eng.cache
    q = "SELECT ?o WHERE { <urn:a> <urn:b> ?o }"
    assert eng.query(q, timeout=None).rows == []
    store.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.Literal("new")))
    assert [r[0].value for r in eng.query(q, timeout=None).rows] == ["new"]


def test_unlimited_queries_reuse_a_sealed_thread():
    def probe():
        try:
            socket.socket().close()
            net = "open"
        except OSError:
            net = "denied"
        return threading.get_ident(), net

    a, b = sealed.run_sealed(probe), sealed.run_sealed(probe)
    assert a[1] == b[1] == "denied"
    assert a[0] == b[0] != threading.get_ident()
    socket.socket().close()  # the caller keeps its network


def test_an_error_on_a_kept_thread_reaches_the_caller():
    def boom():
        raise ValueError("bad")

    try:
        sealed.run_sealed(boom)
    except ValueError as e:
        assert str(e) == "bad"
    else:
        raise AssertionError("no error")
    assert sealed.run_sealed(lambda: 42) == 42
