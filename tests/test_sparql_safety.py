"""Safety: SERVICE (every form), FROM / FROM NAMED, LOAD and updates are refused before execution,
on both engines, from the CLI and over HTTP; a local listener proves nothing connects out.
Queries time out and rows are capped with an explicit notice."""
from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import recording_listener

from spinekg.graph import sparql as S

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture()
def listener():
    """A loopback socket recording every connection made to it."""
    with recording_listener(16) as found:
        yield found


def forbidden(url: str) -> list[tuple[str, type]]:
    """(query, expected error) pairs aimed at the listener."""
    R, U = S.QueryRefused, S.UpdateRefused
    return [
        (f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}", R),
        (f"SELECT * WHERE {{ SERVICE SILENT <{url}/sparql> {{ ?s ?p ?o }} }}", R),
        (f"SELECT * WHERE {{ VALUES ?svc {{ <{url}/sparql> }} SERVICE ?svc {{ ?s ?p ?o }} }}", R),
        (f"SELECT * WHERE {{ BIND(<{url}/x> AS ?svc) SERVICE SILENT ?svc {{ ?s ?p ?o }} }}", R),
        (f"select * where {{ service <{url}/sparql> {{ ?s ?p ?o }} }}", R),
        (f"SELECT * WHERE {{ SeRvIcE#comment\n<{url}/sparql> {{ ?s ?p ?o }} }}", R),
        (f"SELECT * WHERE {{ \\u0053ERVICE <{url}/sparql> {{ ?s ?p ?o }} }}", R),  # §19.2 escapes
        (f"SELECT * WHERE {{ SERV\\u0049CE <{url}/sparql> {{ ?s ?p ?o }} }}", R),
        (f"SELECT * WHERE {{ ?x ?y ?z OPTIONAL {{ SERVICE <{url}/a> {{ ?x ?q ?w }} }} }} LIMIT 1", R),
        (f"SELECT * FROM <{url}/data.ttl> WHERE {{ ?s ?p ?o }}", R),
        (f"SELECT * FROM NAMED <{url}/data.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", R),
        (f"ASK FROM <{url}/data.ttl> {{ ?s ?p ?o }}", R),
        (f"CONSTRUCT {{ ?s ?p ?o }} FROM <{url}/x> WHERE {{ ?s ?p ?o }}", R),
        (f"DESCRIBE ?s FROM <{url}/x> WHERE {{ ?s ?p ?o }}", R),
        (f"LOAD <{url}/data.ttl>", U),
        (f"LOAD SILENT <{url}/data.ttl> INTO GRAPH <urn:g>", U),
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", U),
        ("DELETE DATA { <urn:a> <urn:b> <urn:c> }", U),
        ("DELETE WHERE { ?s ?p ?o }", U),
        ("WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", U),
        ("PREFIX x: <urn:x#> INSERT { ?s x:p 1 } WHERE { ?s ?p ?o }", U),
        ("CLEAR ALL", U), ("DROP DEFAULT", U), ("CREATE GRAPH <urn:g>", U),
        ("ADD DEFAULT TO <urn:g>", U), ("MOVE DEFAULT TO <urn:g>", U), ("COPY DEFAULT TO <urn:g>", U),
        ("\\u0049NSERT DATA { <urn:a> <urn:b> <urn:c> }", U),
    ]


def test_harmless_lookalikes_are_allowed():
    for q in ('SELECT ?service ?from WHERE { ?service <urn:p> "SERVICE <http://x/> FROM" } # SERVICE LOAD',
              "SELECT * WHERE { ?s <urn:service> ?o . ?s ?p \"x\"@from }",
              "PREFIX from: <urn:from#> SELECT * WHERE { ?s from:load ?o }",
              "SELECT * WHERE { ?s ?p '''INSERT DATA { }''' }"):
        assert S.check_query(q).form == "SELECT"


def test_listener_would_see_a_connection(listener):
    """Positive control: the listener does record a connection."""
    url, hits = listener
    with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=1):
        pass
    deadline = time.time() + 2
    while not hits and time.time() < deadline:
        time.sleep(0.02)
    assert len(hits) == 1


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_engines_refuse_before_execution(engine, listener):
    url, hits = listener
    eng = S.make_engine(engine)
    for q, err in forbidden(url):
        with pytest.raises(err):
            eng.query(q)
    time.sleep(0.3)
    assert hits == []


def test_cli_refuses_with_a_clear_message(cli, listener):
    url, hits = listener
    for q, err in forbidden(url):
        r = cli("query", "-e", q)
        assert r.exit_code == 2, q
        msg = r.stderr.strip()
        assert len(msg.splitlines()) == 1 and msg.startswith("error: ")
        assert ("not allowed" in msg), msg
    time.sleep(0.3)
    assert hits == []


def test_remote_engine_refuses_before_sending(listener):
    url, hits = listener
    eng = S.RemoteEngine(url + "/sparql")
    for q, err in forbidden(url):
        with pytest.raises(err):
            eng.query(q)
    time.sleep(0.3)
    assert hits == []  # not even the (listening) endpoint itself was contacted


def test_dataset_arguments_cannot_be_smuggled_into_oxigraph():
    """Even past the check, the Oxigraph engine queries only its own default graph."""
    import pyoxigraph as ox

    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.NamedNode("urn:c"), ox.NamedNode("urn:g")))
    eng = S.OxigraphEngine(store)
    info = S.check_query("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert eng._execute(info, info.text, {}, 10).rows == []


# ------------------------------------------------------------------ timeout and row cap


@pytest.fixture()
def query_threads(monkeypatch):
    """Records the query threads started during the test (other tests' servers may start their own)."""
    started = []
    real = threading.Thread

    class Recording(real):
        def start(self):
            if self.name == "spinekg-query":
                started.append(self)
            super().start()

    monkeypatch.setattr(threading, "Thread", Recording)
    return started


def threads_left(started: list) -> list:
    """Wait (up to 30 s: a loaded machine) for the recorded query threads to end; return those still running."""
    deadline = time.monotonic() + 30
    for t in started:
        t.join(max(0.0, deadline - time.monotonic()))
    return [t for t in started if t.is_alive()]


def test_rdflib_query_is_really_stopped_at_the_timeout(query_threads):
    eng = S.RdflibEngine()
    t0 = time.monotonic()
    with pytest.raises(S.QueryTimeout, match="timed out"):
        eng.query(SLOW, timeout=0.5)
    assert time.monotonic() - t0 < 5
    assert query_threads and threads_left(query_threads) == []  # the evaluating thread ended, not just abandoned


STREAMING_TIMEOUT = """
import sys, threading, time
from spinekg.graph import sparql as S
eng = S.OxigraphEngine()
try:
    # two patterns: the join builds one side (N triples) and streams N^2 rows; three would build N^2 first
    eng.query("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }", timeout=0.3, max_rows=None)
    sys.exit("no timeout")
except S.QueryTimeout:
    pass
deadline = time.monotonic() + 30
while time.monotonic() < deadline and any(t.name == "spinekg-query" for t in threading.enumerate()):
    time.sleep(0.05)
left = [t.name for t in threading.enumerate() if t.name == "spinekg-query"]
sys.exit(f"query threads left running: {left}" if left else 0)
"""


def test_streaming_oxigraph_query_is_stopped_at_the_timeout():
    """In a fresh interpreter (the in-process store may hold other tests' data): the query raises
    QueryTimeout and its thread is really gone, not left streaming rows."""
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-c", STREAMING_TIMEOUT], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]


def test_cli_timeout_is_an_error_with_a_message():
    exe = Path(sys.executable).parent / "spinekg"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "spinekg"]
    t0 = time.monotonic()
    p = subprocess.run([*cmd, "query", "-e", SLOW, "--timeout", "1"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2
    assert "timed out after 1 s" in p.stderr and "Traceback" not in p.stderr
    assert time.monotonic() - t0 < 30


def test_worker_pool_kills_a_timed_out_query():
    import os

    pool = S.WorkerPool("oxigraph", workers=1)
    try:
        (pid,) = pool.pids()
        with pytest.raises(S.QueryTimeout, match="stopped"):
            pool.query(SLOW, timeout=0.5)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
        r = pool.query("ASK { ?s ?p ?o }", timeout=60)  # a fresh worker answers
        assert r.boolean is True and pool.pids() != [pid]
    finally:
        pool.close()


def test_row_cap_truncates_with_notice(cli):
    eng = S.OxigraphEngine()
    r = eng.query("SELECT ?c WHERE { ?c a sk:ProcedureCode } ORDER BY ?c", max_rows=5)
    assert len(r.rows) == 5 and r.truncated
    full = eng.query("SELECT ?c WHERE { ?c a sk:ProcedureCode } ORDER BY ?c")
    assert not full.truncated and full.rows[:5] == r.rows
    g = eng.query("CONSTRUCT WHERE { ?c a sk:ProcedureCode }", max_rows=3)
    assert len(g.triples) == 3 and g.truncated
    out = cli("query", "-e", "SELECT ?c WHERE { ?c a sk:ProcedureCode } ORDER BY ?c", "--max-rows", "5")
    assert out.exit_code == 0
    assert "(5 rows, truncated)" in out.stdout
    assert "truncated" in out.stderr and "--max-rows" in out.stderr
    exact = cli("query", "-e", "SELECT ?c WHERE { ?c a sk:ProcedureCode } ORDER BY ?c LIMIT 5", "--max-rows", "5")
    assert "truncated" not in exact.stderr


def test_http_refuses_and_listener_sees_nothing(listener):
    from spinekg.server import close, start_in_thread

    url, hits = listener
    server, _ = start_in_thread(port=0, workers=1)
    try:
        base = server.url + "/sparql"
        for q, err in forbidden(url):
            for how in ("get", "form", "direct"):
                if how == "get":
                    req = urllib.request.Request(base + "?" + urllib.parse.urlencode({"query": q}))
                elif how == "form":
                    req = urllib.request.Request(base, data=urllib.parse.urlencode({"query": q}).encode(),
                                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
                else:
                    req = urllib.request.Request(base, data=q.encode(), headers={"Content-Type": "application/sparql-query"})
                with pytest.raises(urllib.error.HTTPError) as e:
                    urllib.request.urlopen(req, timeout=10)
                assert e.value.code == (403 if err is S.UpdateRefused else 400), (q, how)
                assert "not allowed" in e.value.read().decode()
        for params in ({"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "default-graph-uri": url + "/g"},
                       {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "named-graph-uri": url + "/g"}):
            with pytest.raises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(base + "?" + urllib.parse.urlencode(params), timeout=10)
            assert e.value.code == 400
        time.sleep(0.3)
        assert hits == []
    finally:
        server.shutdown()
        close(server)
