"""Beyond one machine: push the graph to a real Oxigraph server (Graph Store Protocol) and prove
every saved query gives the same answer there as embedded; query and serve --endpoint."""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from spinekg.graph import sparql as S


def oxigraph_exe() -> str | None:
    exe = Path(sys.executable).parent / "oxigraph"
    return str(exe) if exe.exists() else shutil.which("oxigraph")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    exe = oxigraph_exe()
    if exe is None:
        pytest.skip("the oxigraph server binary is not installed (pip install oxigraph)")
    port = free_port()
    proc = subprocess.Popen([exe, "serve", "--location", str(tmp_path_factory.mktemp("oxigraph")),
                             "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/query?" + urllib.parse.urlencode({"query": "ASK {}"}), timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"oxigraph did not start: {proc.stderr.read().decode()[:500]}")
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()  # by PID: only the process this fixture started
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def pushed(oxigraph):
    n = S.push(oxigraph + "/store")
    assert n == len(S.load_store())
    return oxigraph


def test_push_loads_every_triple(pushed):
    r = S.RemoteEngine(pushed + "/query").query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(r.rows[0][0].value) == len(S.load_store())
    S.push(pushed + "/store")  # PUT replaces: pushing twice does not duplicate
    r = S.RemoteEngine(pushed + "/query").query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(r.rows[0][0].value) == len(S.load_store())


@pytest.mark.parametrize("name", sorted(S.saved_queries()))
def test_every_saved_query_same_on_oxigraph_server(name, pushed):
    q = S.get_saved(name)
    local = S.run_saved(name, q.example_params())
    remote = S.run_saved(name, q.example_params(), engine=S.RemoteEngine(pushed + "/query"))
    assert remote.canonical() == local.canonical()


def test_hostile_values_stay_terms_on_the_server(pushed):
    eng = S.RemoteEngine(pushed + "/query")
    for value in ('x" || true || "', '"}', "63304> } UNION { ?s ?p ?o } #"):
        r = S.run_saved("addons-of-primary", {"primary": value}, engine=eng)
        assert r.rows == []


def test_push_to_a_named_graph(oxigraph, cli):
    iri = "https://w3id.org/spinekg/graph/test"
    r = cli("push", "--endpoint", oxigraph + "/store", "--graph", iri)
    assert r.exit_code == 0, r.output
    assert f"into graph <{iri}>" in r.stdout
    q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"
    res = S.RemoteEngine(oxigraph + "/query").query(q)
    assert int(res.rows[0][0].value) == len(S.load_store())
    bad = cli("push", "--endpoint", oxigraph + "/store", "--graph", "not an iri")
    assert bad.exit_code == 2 and "absolute IRI" in bad.stderr


def test_cli_query_endpoint(pushed, cli):
    a = cli("query", "--name", "primaries-of-addon", "--param", "addon=63103", "-f", "json")
    b = cli("query", "--name", "primaries-of-addon", "--param", "addon=63103", "-f", "json",
            "--endpoint", pushed + "/query")
    assert a.exit_code == b.exit_code == 0
    assert json.loads(a.stdout) == json.loads(b.stdout)
    refused = cli("query", "--endpoint", pushed + "/query", "-e", "SELECT * FROM <http://x/> WHERE { ?s ?p ?o }")
    assert refused.exit_code == 2 and "FROM" in refused.stderr


def test_unreachable_endpoint_is_one_line(cli):
    r = cli("query", "--endpoint", f"http://127.0.0.1:{free_port()}/query", "-e", "ASK {}")
    assert r.exit_code == 2 and r.stderr.startswith("error: cannot reach")
    r = cli("query", "--endpoint", "file:///etc/passwd", "-e", "ASK {}")
    assert r.exit_code == 2 and "http" in r.stderr


def test_serve_endpoint_proxies_with_the_same_checks(pushed):
    from SPARQLWrapper import JSON, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    from spinekg.server import close, start_in_thread

    server, _ = start_in_thread(port=0, endpoint=pushed + "/query")
    try:
        sw = SPARQLWrapper(server.url + "/sparql")
        sw.setReturnFormat(JSON)
        sw.setQuery("SELECT ?p WHERE { cpt:63103 sk:addOnTo ?p } ORDER BY ?p")
        got = [b["p"]["value"] for b in sw.queryAndConvert()["results"]["bindings"]]
        assert got == [t.value for (t,) in S.OxigraphEngine().query(
            "SELECT ?p WHERE { cpt:63103 sk:addOnTo ?p } ORDER BY ?p").rows]
        sw.setQuery(f"SELECT * WHERE {{ SERVICE <{pushed}/query> {{ ?s ?p ?o }} }}")
        with pytest.raises(QueryBadFormed, match="SERVICE"):
            sw.query()
        sw.setQuery("CONSTRUCT { cpt:63103 ?p ?o } WHERE { cpt:63103 ?p ?o }")
        sw.setReturnFormat("turtle")
        from rdflib import Graph

        g = Graph().parse(data=sw.query().response.read().decode(), format="turtle")
        assert len(g) == len(S.OxigraphEngine().query("CONSTRUCT { cpt:63103 ?p ?o } WHERE { cpt:63103 ?p ?o }").triples)
    finally:
        server.shutdown()
        close(server)
