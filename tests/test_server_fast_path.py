"""`spinekg serve`'s fast paths: answers kept in the server process (by raw request and by
normalised query text), one send per response, httptools as the parser, the persisted store the
workers open, a start that waits for one worker only, and workers that die with their server."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

Q = "SELECT ?a WHERE { cpt:63304 sk:hasAddOn ?a } ORDER BY ?a"


@pytest.fixture(scope="module")
def server():
    from spinekg.server import close, start_in_thread

    srv, _ = start_in_thread(port=0, workers=1, fast_workers=0, timeout=20, cors_origins=["http://app.example"])
    yield srv
    srv.shutdown()
    close(srv)


def get(server, query: str, accept: str = "application/sparql-results+json", headers=None):
    req = urllib.request.Request(server.url + "/sparql?" + urllib.parse.urlencode({"query": query}),
                                 headers={"Accept": accept, **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers


class CountingLanes:
    """Stands in for the lanes: counts the queries that reach a worker, and may refuse them."""

    busy, last_request = 0, 0.0

    def __init__(self, real, refuse: bool, delay: float = 0.0):
        self.real, self.refuse, self.delay, self.calls = real, refuse, delay, []

    async def query(self, text, **kw):
        self.calls.append(text)
        await asyncio.sleep(self.delay)
        if self.refuse:
            raise AssertionError("a worker was asked")
        return await self.real.query(text, **kw)


def test_repeated_and_respelled_queries_are_answered_without_a_worker(server, monkeypatch):
    status, body, _ = get(server, Q)
    assert status == 200 and b"63308" in body
    lanes = CountingLanes(server.app.lanes, refuse=True)
    monkeypatch.setattr(server.app, "lanes", lanes)
    assert get(server, Q)[:2] == (200, body)  # the same request: the kept reply
    respelled = "  SELECT ?a\n  WHERE {\tcpt:63304   sk:hasAddOn ?a }  # comment\n ORDER BY ?a "
    assert get(server, respelled)[:2] == (200, body)  # the same tokens: the kept rows
    status, csv, headers = get(server, Q, accept="text/csv")  # another format, formatted from the kept rows
    assert status == 200 and headers["Content-Type"].startswith("text/csv") and b"63308" in csv
    assert lanes.calls == []
    status, _, _ = get(server, Q.replace("?a", "?b"))  # a new query does go to a worker
    assert status == 500 and len(lanes.calls) == 1


def test_identical_queries_arriving_together_are_evaluated_once(server, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    lanes = CountingLanes(server.app.lanes, refuse=False, delay=0.5)
    monkeypatch.setattr(server.app, "lanes", lanes)
    fresh = "SELECT ?a WHERE { cpt:63304 sk:hasAddOn ?a } # together"
    accepts = ["application/sparql-results+json", "text/csv", "application/sparql-results+xml", "text/csv"]
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda a: get(server, fresh, accept=a), accepts))
    assert [a[0] for a in answers] == [200] * 4 and all(b"63308" in a[1] for a in answers)
    assert lanes.calls == [fresh]  # one worker round trip for all four
    bad = "SELECT ?x WHERE { ?x # together"  # an error reaches every waiter, and is not kept
    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda _: get(server, bad), range(3)))
    assert [a[0] for a in answers] == [400] * 3 and len(lanes.calls) == 2


def test_tokens_not_whitespace_inside_literals_make_the_key(server):
    one = get(server, 'SELECT ?x WHERE { BIND("a  b" AS ?x) }')
    two = get(server, 'SELECT ?x WHERE { BIND("a b" AS ?x) }')
    assert json.loads(one[1])["results"]["bindings"][0]["x"]["value"] == "a  b"
    assert json.loads(two[1])["results"]["bindings"][0]["x"]["value"] == "a b"


def test_errors_are_decided_again_every_time(server, monkeypatch):
    lanes = CountingLanes(server.app.lanes, refuse=False)
    monkeypatch.setattr(server.app, "lanes", lanes)
    bad = "SELECT ?x WHERE { ?x "
    for _ in range(2):
        status, body, _ = get(server, bad)
        assert status == 400 and b"line 1" in body
    assert len(lanes.calls) == 2


def test_a_kept_reply_still_passes_every_check(server):
    get(server, Q)  # kept
    status, _, headers = get(server, Q, headers={"Origin": "http://app.example"})
    assert status == 200 and headers.get("access-control-allow-origin") == "http://app.example"
    status, _, headers = get(server, Q)
    assert status == 200 and "access-control-allow-origin" not in {k.lower() for k in headers}
    status, body, _ = get(server, Q, headers={"Origin": "http://evil.example"})
    assert status == 403 and b"another site" in body
    req = urllib.request.Request(server.url + "/sparql?" + urllib.parse.urlencode({"query": Q}),
                                 headers={"Host": "evil.example"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 403


def test_head_of_a_kept_reply_has_no_body(server):
    get(server, Q)
    req = urllib.request.Request(server.url + "/sparql?" + urllib.parse.urlencode({"query": Q}), method="HEAD",
                                 headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 200 and int(r.headers["Content-Length"]) > 0 and r.read() == b""


def test_the_answer_caches_are_bounded():
    from spinekg.http.answers import Lru

    lru = Lru(entries=3, budget=100)
    for i in range(10):
        lru.put(i, str(i), 10)
    assert len(lru) == 3 and lru.get(9) == "9" and lru.get(0) is None
    lru.put("big", "x", 90)
    assert lru.weight <= 100 and lru.get("big") == "x"
    lru.put("too big", "y", 101)
    assert lru.get("too big") is None


def test_httptools_is_the_parser_when_installed(server):
    pytest.importorskip("httptools")
    assert server.http_parser == "httptools"


def test_one_send_per_response():
    from spinekg.http.protocol import CorkedTransport

    class Transport:
        def __init__(self):
            self.sent, self.closed = [], False

        def write(self, data):
            self.sent.append(data)

        def is_closing(self):
            return self.closed

        def close(self):
            self.closed = True

    async def run():
        t = Transport()
        corked = CorkedTransport(t, asyncio.get_running_loop())
        corked.write(b"HTTP/1.1 200 OK\r\n\r\n")
        corked.write(b"body")
        corked.write(b"")
        assert t.sent == []
        await asyncio.sleep(0)
        assert t.sent == [b"HTTP/1.1 200 OK\r\n\r\nbody"]
        corked.write(b"last")
        corked.close()  # what is pending leaves before the close
        assert t.sent[-1] == b"last" and t.closed

    asyncio.run(run())


def test_the_workers_read_a_kept_copy_of_the_graph(tmp_path, monkeypatch):
    from spinekg.graph.sparql import served_store as served
    from spinekg.graph.sparql.store import load_store
    from spinekg.graph.sparql.terms import default_prefixes

    monkeypatch.setenv("SPINEKG_CACHE", str(tmp_path))
    expected = len(load_store())
    store, prefixes = served.served_store()
    assert len(store) == expected and prefixes == default_prefixes()
    (kept,) = tmp_path.glob("served-*.nt")
    mtime = kept.stat().st_mtime_ns
    monkeypatch.setattr("spinekg.graph.sparql.store.load_store", lambda: pytest.fail("built again"))
    store2, prefixes2 = served.served_store()  # read, not built
    assert len(store2) == expected and prefixes2 == prefixes and kept.stat().st_mtime_ns == mtime
    monkeypatch.undo()
    monkeypatch.setenv("SPINEKG_CACHE", str(tmp_path))
    data = kept.read_bytes()
    kept.write_bytes(data[: len(data) // 2])  # damaged: its hash no longer matches, so it is built again
    store3, _ = served.served_store()
    assert len(store3) == expected and kept.read_bytes() == data
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_the_served_key_follows_the_data(tmp_path, monkeypatch):
    from spinekg.graph import compiled
    from spinekg.graph.sparql import served_store

    key = served_store.served_key()
    monkeypatch.setattr(compiled, "cache_key", lambda: "something else")
    assert served_store.served_key() != key


def test_start_waits_for_one_worker_and_the_others_follow():
    from spinekg.server import close, make_server

    srv = make_server(port=0, workers=2, fast_workers=1)  # the CLI's way: no wait_all
    try:
        import threading

        threading.Thread(target=srv.serve_forever, daemon=True).start()
        assert len(srv.runner.pids()) >= 1
        status, body, _ = get(srv, "ASK { cpt:63304 sk:hasAddOn cpt:63308 }")
        assert status == 200 and b"true" in body
        deadline = time.monotonic() + 60
        while len(srv.runner.pids()) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(srv.runner.pids()) == 3
    finally:
        srv.shutdown()
        close(srv)


def test_a_worker_dies_with_its_server():
    code = ("import sys; from spinekg.http.spawn import spawn_worker; "
            "p, _ = spawn_worker('oxigraph'); print(p.pid, flush=True)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    pid = int(out.stdout.split()[0])  # its parent has exited already, perhaps before the worker read its name
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            state = open(f"/proc/{pid}/stat").read().split(") ")[1][0]
        except OSError:
            break
        if state == "Z":
            break
        time.sleep(0.05)
    else:
        os.kill(pid, 9)
        pytest.fail("the worker outlived its server")


def test_the_default_memory_cap_is_one_number():
    from spinekg.graph.sparql.workers import DEFAULT_MEMORY_MB
    from spinekg.http.spawn import DEFAULT_MEMORY_MB as SPAWN_DEFAULT

    assert SPAWN_DEFAULT == DEFAULT_MEMORY_MB


def test_importing_the_server_is_light():
    code = ("import sys, spinekg.server; "
            "print(sorted(m for m in ('uvicorn', 'pyoxigraph', 'rdflib', 'spinekg.graph.sparql.engines') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"


def test_a_query_that_must_wait_starts_the_other_workers_at_once(monkeypatch):
    """While the first worker holds a slow query, a simple one does not wait for the server to
    be idle nor for the slow one: the workers not started yet start for it at once."""
    import threading

    from spinekg.http import lanes
    from spinekg.server import close, make_server

    monkeypatch.setattr(lanes, "IDLE_BEFORE_SPAWN", 60.0)  # only the waiting query can start them

    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    srv = make_server(port=0, workers=2, fast_workers=1, timeout=30)
    try:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        held = threading.Thread(target=get, args=(srv, slow), daemon=True)
        t0 = time.monotonic()
        held.start()
        time.sleep(0.5)  # the slow query holds the only worker
        status, body, _ = get(srv, "ASK { cpt:63304 sk:hasAddOn cpt:63308 } # must wait")
        waited = time.monotonic() - t0
        assert status == 200 and b"true" in body
        assert waited < 30 and held.is_alive(), waited
    finally:
        srv.shutdown()
        close(srv)
