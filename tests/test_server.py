"""`spinekg serve`: SPARQL 1.1 Protocol over HTTP, tested with SPARQLWrapper as the client."""
from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from spinekg.graph import sparql as S

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
ADDONS = "SELECT ?c WHERE { ?c a sk:AddOnCode } ORDER BY ?c"


@pytest.fixture(scope="module")
def server():
    from spinekg.server import close, start_in_thread

    srv, _ = start_in_thread(port=0, workers=2, timeout=3, max_rows=500,
                             cors_origins=["http://app.example"])
    yield srv
    srv.shutdown()
    close(srv)


@pytest.fixture()
def wrapper(server):
    from SPARQLWrapper import SPARQLWrapper

    return SPARQLWrapper(server.url + "/sparql")


def embedded(query):
    return S.OxigraphEngine().query(query)


def test_binds_loopback_by_default():
    import inspect

    from spinekg.server import make_server

    assert inspect.signature(make_server).parameters["host"].default == "127.0.0.1"


def test_select_json_get_post_and_direct(wrapper):
    from SPARQLWrapper import GET, JSON, POST, POSTDIRECTLY, URLENCODED

    expected = [t.value for (t,) in embedded(ADDONS).rows]
    for method, encoding in ((GET, URLENCODED), (POST, URLENCODED), (POST, POSTDIRECTLY)):
        wrapper.setMethod(method)
        wrapper.setRequestMethod(encoding)
        wrapper.setQuery(ADDONS)
        wrapper.setReturnFormat(JSON)
        res = wrapper.queryAndConvert()
        assert [b["c"]["value"] for b in res["results"]["bindings"]] == expected


def test_ask_json_and_xml(wrapper):
    from SPARQLWrapper import JSON, XML

    wrapper.setQuery("ASK { cpt:63103 sk:addOnTo cpt:63102 }")
    wrapper.setReturnFormat(JSON)
    assert wrapper.queryAndConvert()["boolean"] is True
    wrapper.setReturnFormat(XML)
    doc = wrapper.queryAndConvert()
    assert doc.getElementsByTagName("boolean")[0].firstChild.data == "true"


def test_xml_csv_tsv_negotiated(wrapper):
    from SPARQLWrapper import CSV, TSV, XML

    n = len(embedded(ADDONS).rows)
    wrapper.setQuery(ADDONS)
    wrapper.setReturnFormat(XML)
    assert len(wrapper.queryAndConvert().getElementsByTagName("result")) == n
    wrapper.setReturnFormat(CSV)
    lines = wrapper.queryAndConvert().decode().strip().splitlines()
    assert lines[0] == "c" and len(lines) == n + 1
    wrapper.setReturnFormat(TSV)
    lines = wrapper.queryAndConvert().decode().strip().splitlines()
    assert lines[0] == "?c" and lines[1].startswith("<https://w3id.org/spinekg/cpt/")


def test_construct_turtle_jsonld_ntriples(wrapper, server):
    from rdflib import Graph
    from SPARQLWrapper import JSONLD, TURTLE

    q = "CONSTRUCT { cpt:63103 ?p ?o } WHERE { cpt:63103 ?p ?o }"
    n = len(embedded(q).triples)
    wrapper.setQuery(q)
    wrapper.setReturnFormat(TURTLE)
    res = wrapper.query()
    assert res.response.headers["Content-Type"].startswith("text/turtle")
    g = Graph().parse(data=res.response.read().decode(), format="turtle")
    assert len(g) == n
    wrapper.setReturnFormat(JSONLD)
    g = wrapper.queryAndConvert()
    assert len(g) == n
    req = urllib.request.Request(server.url + "/sparql?" + urllib.parse.urlencode({"query": q}),
                                 headers={"Accept": "application/n-triples"})
    with urllib.request.urlopen(req) as resp:
        assert resp.headers["Content-Type"].startswith("application/n-triples")
        assert len(Graph().parse(data=resp.read().decode(), format="nt")) == n


@pytest.mark.parametrize("name", sorted(S.saved_queries()))
def test_every_saved_query_over_http_equals_embedded(name, server):
    """Parameters are sent the way a client without a binding API must: a VALUES block."""
    q = S.get_saved(name)
    bindings = S.bind_params(q.example_params(), q)
    local = S.OxigraphEngine().query(q.text, bindings)
    text = S.values_block(S.check_query(q.text), bindings)
    remote = S.RemoteEngine(server.url + "/sparql").query(text)
    assert remote.canonical() == local.canonical()


def test_updates_are_forbidden(wrapper, server):
    import SPARQLWrapper as SW

    wrapper.setMethod(SW.POST)
    wrapper.setQuery("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    with pytest.raises(urllib.error.HTTPError) as e:
        wrapper.query()
    assert e.value.code == 403
    for body, ctype, path in ((b"INSERT DATA { <urn:a> <urn:b> <urn:c> }", "application/sparql-update", "/sparql"),
                              (b"update=CLEAR+ALL", "application/x-www-form-urlencoded", "/sparql"),
                              (b"update=CLEAR+ALL", "application/x-www-form-urlencoded", "/update")):
        req = urllib.request.Request(server.url + path, data=body, headers={"Content-Type": ctype})
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req)
        assert e.value.code == 403 and "read-only" in e.value.read().decode()
    assert embedded("ASK { <urn:a> <urn:b> <urn:c> }").boolean is False


def test_refused_forms_are_400_with_message(wrapper):
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    wrapper.setQuery("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    with pytest.raises(QueryBadFormed, match="SERVICE is not allowed"):
        wrapper.query()
    wrapper.setQuery("SELECT WHERE {")
    with pytest.raises(QueryBadFormed, match="invalid query"):
        wrapper.query()


def test_timeout_is_503_and_does_not_block_others(server):
    from SPARQLWrapper import JSON, SPARQLWrapper

    slow_result = {}

    def slow():
        req = urllib.request.Request(server.url + "/sparql?" + urllib.parse.urlencode({"query": SLOW}))
        t0 = time.monotonic()
        try:
            urllib.request.urlopen(req, timeout=60)
            slow_result["code"] = 200
        except urllib.error.HTTPError as e:
            slow_result["code"] = e.code
            slow_result["body"] = e.read().decode()
        slow_result["elapsed"] = time.monotonic() - t0
        slow_result["done"] = time.monotonic()

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.5)
    sw = SPARQLWrapper(server.url + "/sparql")
    sw.setQuery("ASK { cpt:63304 sk:hasAddOn cpt:63308 }")
    sw.setReturnFormat(JSON)
    assert sw.queryAndConvert()["boolean"] is True
    fast_done = time.monotonic()
    t.join(60)
    assert fast_done < slow_result["done"]  # answered while the slow query was still running
    assert slow_result["code"] == 503 and "timed out" in slow_result["body"]
    # the server still answers after the timed-out worker was replaced
    for _ in range(3):
        assert sw.queryAndConvert()["boolean"] is True


def _raw(server, method="GET", path="/sparql?query=ASK%7B%7D", headers=None, body=None):
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.putrequest(method, path, skip_host=True)
    for k, v in (headers or {}).items():
        conn.putheader(k, v)
    if body is not None:
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp, data


def test_foreign_host_header_is_refused(server):
    port = server.server_address[1]
    resp, body = _raw(server, headers={"Host": f"evil.example:{port}"})
    assert resp.status == 403 and b"Host" in body
    resp, _ = _raw(server, headers={"Host": "evil.example"})
    assert resp.status == 403
    resp, _ = _raw(server, headers={})
    assert resp.status == 400  # HTTP/1.1 requires exactly one Host (RFC 9112 §3.2)
    for ok in (f"127.0.0.1:{port}", f"localhost:{port}"):
        resp, _ = _raw(server, headers={"Host": ok})
        assert resp.status == 200


def test_cors_only_for_named_origins_without_credentials(server):
    port = server.server_address[1]
    host = {"Host": f"127.0.0.1:{port}"}
    resp, _ = _raw(server, headers={**host, "Origin": "http://app.example"})
    assert resp.headers["Access-Control-Allow-Origin"] == "http://app.example"
    assert resp.headers.get("Access-Control-Allow-Credentials") is None
    resp, _ = _raw(server, headers={**host, "Origin": "http://evil.example"})
    assert resp.headers.get("Access-Control-Allow-Origin") is None
    resp, _ = _raw(server, "OPTIONS", "/sparql", {**host, "Origin": "http://app.example",
                                                  "Access-Control-Request-Method": "POST"})
    assert resp.status == 204 and resp.headers["Access-Control-Allow-Origin"] == "http://app.example"
    from spinekg.graph.errors import SpinekgError
    from spinekg.server import make_server

    with pytest.raises(SpinekgError, match=r"\*"):
        make_server(port=0, cors_origins=["*"])


def test_row_cap_header_and_406(server):
    q = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    req = urllib.request.Request(server.url + "/sparql?" + urllib.parse.urlencode({"query": q}),
                                 headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req) as resp:
        assert resp.headers["X-Spinekg-Truncated"] == "500"
        assert len(json.load(resp)["results"]["bindings"]) == 500
    req = urllib.request.Request(server.url + "/sparql?" + urllib.parse.urlencode({"query": ADDONS}),
                                 headers={"Accept": "image/png"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req)
    assert e.value.code == 406


def test_query_page_is_offline_and_lists_saved_queries(server):
    import html
    import re

    with urllib.request.urlopen(server.url + "/") as resp:
        page = resp.read().decode()
        assert resp.headers["Content-Type"].startswith("text/html")
        csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page, re.I)
    assert "@import" not in page and "cdn" not in page.lower()
    for q in S.saved_queries().values():
        assert html.escape(q.title) in page
    data = re.search(r'<script id="saved-data" type="application/json">(.*?)</script>', page, re.S).group(1)
    assert {q["name"] for q in json.loads(data)} == set(S.saved_queries())
    with urllib.request.urlopen(server.url + "/queries") as resp:
        assert len(json.load(resp)) == len(S.saved_queries())
