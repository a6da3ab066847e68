"""`spinekg serve` hardening: RFC 9112 framing, head/idle timeouts and size limits, Origin and Host
checks, the warning on a non-loopback bind, the /fhir mount, admission control (fast lane, bounded
waiting line with 503 + Retry-After), the per-query memory cap, and outputs that stay safe."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.dom.minidom
from pathlib import Path

import pytest

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
SIMPLE = "ASK { cpt:63304 sk:hasAddOn cpt:63308 }"


@pytest.fixture(scope="module", params=["httptools", "h11"])
def server(request):
    """Both of uvicorn's HTTP parsers must keep every rule here (httptools is the default when installed)."""
    from spinekg.server import close, start_in_thread

    if request.param == "httptools":
        pytest.importorskip("httptools")
    srv, _ = start_in_thread(port=0, workers=1, fast_workers=1, timeout=20, cors_origins=["http://app.example"],
                             http_parser=request.param)
    yield srv
    srv.shutdown()
    close(srv)


def exchange(server, data: bytes, wait: float = 5.0) -> tuple[bytes, bool]:
    """Send raw bytes; return what came back and whether the server closed the connection."""
    s = socket.create_connection(server.server_address, timeout=wait)
    s.sendall(data)
    out, closed = b"", False
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                closed = True
                break
            out += chunk
            head, sep, body = out.partition(b"\r\n\r\n")
            if sep:
                length = [int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")]
                if length and len(body) >= length[0]:
                    s.settimeout(0.3)  # the answer is complete: is the connection closed after it?
    except socket.timeout:
        pass
    s.close()
    return out, closed


def host(server) -> bytes:
    return f"Host: 127.0.0.1:{server.server_address[1]}\r\n".encode()


FORM = b"Content-Type: application/x-www-form-urlencoded\r\n"
BODY = b"query=ASK%7B%7D"


def status(out: bytes) -> int:
    return int(out.split(b" ", 2)[1]) if out.startswith(b"HTTP/1.1 ") else 0


def test_framing_rules(server):
    H = host(server)
    out, closed = exchange(server, b"POST /sparql HTTP/1.1\r\n" + H + FORM + b"Content-Length: 15\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\nf\r\n" + BODY + b"\r\n0\r\n\r\n")
    assert status(out) == 400 and b"Content-Length and Transfer-Encoding" in out and closed
    out, _ = exchange(server, b"POST /sparql HTTP/1.1\r\n" + H + FORM + b"Content-Length: -1\r\n\r\n" + BODY)
    assert status(out) == 400
    out, _ = exchange(server, b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\n" + H + H + b"\r\n")
    assert status(out) == 400
    out, _ = exchange(server, b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\n" + H + b"Host: evil.example\r\n\r\n")
    assert status(out) == 400
    out, _ = exchange(server, b"POST /sparql HTTP/1.1\r\n" + H + FORM + b"Content-Length: 15\r\nContent-Length: 16\r\n\r\n" + BODY)
    assert status(out) == 400
    out, _ = exchange(server, b"POST /sparql HTTP/1.1\r\n" + H + FORM + b"Transfer-Encoding: chunked\r\n\r\n"
                      b"5\r\nquery\r\na\r\n=ASK%7B%7D\r\n0\r\n\r\n")  # a chunked body, read right
    assert status(out) == 200 and b'"boolean": true' in out
    out, _ = exchange(server, b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\n" + H + b"X-Pad: " + b"a" * 40000 + b"\r\n\r\n")
    assert status(out) in (400, 431)
    out, _ = exchange(server, b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\n" + H + b"X-Pad: a\r\n" * 3000 + b"\r\n")
    assert status(out) in (400, 431)  # many small lines count too
    big = b"query=" + b"a" * (1 << 20)
    out, _ = exchange(server, b"POST /sparql HTTP/1.1\r\n" + H + FORM + f"Content-Length: {len(big)}\r\n\r\n".encode() + big)
    assert status(out) == 413


def test_malformed_heads_are_one_line_400s_and_close(server):
    H = host(server)
    for data in (b"GET /sparql?query=ASK%7B%7D HTTP/1.1\nHost: x\n\n",  # bare LF
                 b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\n" + H + b"X-A: b\r\n c\r\n\r\n",  # obs-fold
                 b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost : x\r\n\r\n",
                 b"POST /sparql HTTP/1.1\r\n" + H + FORM + b"Transfer-Encoding: gzip\r\n\r\nabc"):
        if (b"\r" not in data or b"\r\n c" in data) and server.http_parser == "h11":
            continue  # h11 reads a bare LF as a line end and unfolds obs-fold (RFC 9112 §2.2, §5.2 allow both)
        out, closed = exchange(server, data)
        assert status(out) == 400 and closed, (data, out)
        assert b"Traceback" not in out


def test_a_head_trickled_past_the_limit_is_cut(server):
    """A head that never completes may not grow without bound: sent in pieces, it is refused
    once it passes the limit, long before the header timeout."""
    from spinekg.http.protocol import MAX_HEADER_BYTES

    s = socket.create_connection(server.server_address, timeout=5)
    try:
        s.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\n" + host(server) + b"X-Pad: ")
        sent, out = 0, b""
        t0 = time.monotonic()
        while sent < 8 * MAX_HEADER_BYTES:
            try:
                s.sendall(b"a" * 1024)
            except OSError:
                break
            sent += 1024
            time.sleep(0.002)
        s.settimeout(3)
        try:
            while chunk := s.recv(65536):
                out += chunk
        except OSError:
            pass
        assert status(out) in (400, 431) and time.monotonic() - t0 < 8, out[:200]
    finally:
        s.close()


def test_idle_and_trickling_connections_are_closed(server, monkeypatch):
    from spinekg.http import protocol

    monkeypatch.setattr(protocol, "HEADER_TIMEOUT", 1.0)
    for data in (b"", b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\n"):
        t0 = time.monotonic()
        out, closed = exchange(server, data, wait=8)
        assert closed and out == b"" and time.monotonic() - t0 < 6


def test_a_thousand_idle_sockets_cost_no_threads(server):
    before = threading.active_count()
    socks = []
    try:
        for _ in range(1000):
            socks.append(socket.create_connection(server.server_address, timeout=5))
        time.sleep(0.5)
        assert threading.active_count() - before < 5
        out, _ = exchange(server, b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\n" + host(server) + b"\r\n")
        assert status(out) == 200  # still answering
    finally:
        for s in socks:
            s.close()


def post(server, headers: dict, body: bytes = BODY, path: str = "/sparql"):
    req = urllib.request.Request(server.url + path, data=body,
                                 headers={"Content-Type": "application/x-www-form-urlencoded", **headers})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read().decode(), resp.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), e.headers


def test_cross_site_requests_are_refused(server):
    code, body, _ = post(server, {"Origin": "http://evil.example"})
    assert code == 403 and "Origin" in body and "--cors-origin" in body and body.count("\n") == 1
    code, _, _ = post(server, {"Origin": "null"})
    assert code == 403
    code, _, _ = post(server, {"Sec-Fetch-Site": "cross-site"})
    assert code == 403
    code, _, _ = post(server, {"Origin": server.url})  # the query page itself
    assert code == 200
    code, _, headers = post(server, {"Origin": "http://app.example"})  # named with --cors-origin
    assert code == 200 and headers["Access-Control-Allow-Origin"] == "http://app.example"


def test_non_loopback_bind_warns_and_readme_says_what_it_exposes():
    from spinekg.server import exposure_warning

    assert exposure_warning("127.0.0.1") is None and exposure_warning("::1") is None
    assert "warning" in exposure_warning("0.0.0.0")
    exe = Path(sys.executable).parent / "spinekg"
    p = subprocess.Popen([str(exe), "serve", "--host", "0.0.0.0", "--port", "0", "--workers", "1", "--fast-workers", "0"],
                         stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        first = p.stderr.readline()
        assert first.startswith("warning: listening on 0.0.0.0")
    finally:
        p.kill()
        p.wait()
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "--host 0.0.0.0" in readme and "exposes" in readme


def test_fhir_paths_go_to_the_fhir_service_after_the_same_checks(server, monkeypatch):
    import types

    calls = []

    def handle(method, path, query, headers, body):
        calls.append((method, path, query, headers.get("accept"), body))
        return 200, {"Content-Type": "application/fhir+json"}, b'{"resourceType": "Parameters"}'

    fake = types.ModuleType("spinekg.fhir.service")
    fake.handle = handle
    monkeypatch.setitem(sys.modules, "spinekg.fhir.service", fake)
    monkeypatch.setitem(sys.modules, "spinekg.fhir", types.ModuleType("spinekg.fhir"))
    url = server.url + "/fhir/CodeSystem/$lookup?code=63304&code=x"
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/fhir+json"})) as resp:
        assert resp.headers["Content-Type"] == "application/fhir+json" and json.load(resp)["resourceType"] == "Parameters"
    assert calls == [("GET", "/fhir/CodeSystem/$lookup", {"code": ["63304", "x"]}, "application/fhir+json", b"")]
    code, _, _ = post(server, {"Origin": "http://evil.example"}, b"{}", "/fhir/CodeSystem/$lookup")
    out, _ = exchange(server, b"GET /fhir/metadata HTTP/1.1\r\nHost: evil.example\r\n\r\n")
    assert code == 403 and status(out) == 403 and len(calls) == 1  # refused before the service was asked


def test_fhir_without_the_service_is_a_one_line_404(server, monkeypatch):
    import importlib

    try:
        importlib.import_module("spinekg.fhir.service")
        pytest.skip("the FHIR service is installed")
    except ModuleNotFoundError:
        pass
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(server.url + "/fhir/metadata")
    assert e.value.code == 404 and e.value.read().decode().count("\n") == 1


def get(server, query: str, accept: str = "application/sparql-results+json", timeout: float = 60):
    req = urllib.request.Request(server.url + "/sparql?" + urllib.parse.urlencode({"query": query}),
                                 headers={"Accept": accept})
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read().decode(), resp.headers, time.monotonic() - t0
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), e.headers, time.monotonic() - t0


def test_simple_query_answered_while_slow_ones_hold_the_general_workers():
    """Two slow queries (one running, one waiting for the single general worker); the simple one
    takes the fast lane and is answered long before either ends. Its latency is reported by bench/load.py."""
    from spinekg.server import close, start_in_thread

    srv, _ = start_in_thread(port=0, workers=1, fast_workers=1, timeout=6)
    try:
        get(srv, SLOW)  # learnt as expensive (its check says so), so it goes to the general lane from now on
        done = {}

        def slow(i):
            done[i] = get(srv, SLOW)
        threads = [threading.Thread(target=slow, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        code, body, _, elapsed = get(srv, SIMPLE)
        fast_done = time.monotonic()
        for t in threads:
            t.join(60)
        assert code == 200 and '"boolean": true' in body
        assert all(d[0] == 503 for d in done.values())  # both were stopped at their timeout
        assert elapsed < 3 and fast_done < time.monotonic() - 1
    finally:
        srv.shutdown()
        close(srv)


def test_full_waiting_line_is_503_with_retry_after():
    from spinekg.server import close, start_in_thread

    srv, _ = start_in_thread(port=0, workers=1, fast_workers=0, timeout=3, queue_limit=1)
    try:
        t = threading.Thread(target=get, args=(srv, SLOW))
        t.start()
        time.sleep(0.5)
        code, body, headers, _ = get(srv, SIMPLE)
        t.join(60)
        assert code == 503 and headers["Retry-After"] == "2" and "busy" in body and body.count("\n") == 1
    finally:
        srv.shutdown()
        close(srv)


def test_memory_cap_is_503_naming_the_cap():
    from spinekg.server import close, start_in_thread

    srv, _ = start_in_thread(port=0, workers=1, fast_workers=0, timeout=60, memory_mb=150)
    try:
        code, body, _, _ = get(srv, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?f ?a")
        assert code == 503 and "150 MB" in body and body.count("\n") == 1
        code, _, _, _ = get(srv, SIMPLE)  # a fresh worker took its place
        assert code == 200
    finally:
        srv.shutdown()
        close(srv)


def test_graph_results_as_rdf_xml_and_406_only_when_nothing_fits(server):
    from rdflib import Graph

    q = "CONSTRUCT { cpt:63103 ?p ?o } WHERE { cpt:63103 ?p ?o }"
    code, body, headers, _ = get(server, q, "application/rdf+xml")
    assert code == 200 and headers["Content-Type"].startswith("application/rdf+xml")
    assert len(Graph().parse(data=body, format="xml")) > 5
    code, body, headers, _ = get(server, q, "application/sparql-results+json, application/rdf+xml;q=0.5")
    assert code == 200 and headers["Content-Type"].startswith("application/rdf+xml")
    code, _, headers, _ = get(server, q, "*/*")
    assert code == 200 and headers["Content-Type"].startswith("text/turtle")
    code, _, _, _ = get(server, q, "image/png")
    assert code == 406


HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\x1b[31mred\x1b[0m",
           "bell\x07", "nul\x01ctl", "cr\rlf"]


def hostile_query() -> str:
    from spinekg.graph.sparql import Term

    values = " ".join(f"({Term.literal(h).n3()})" for h in HOSTILE)
    return f"SELECT ?x WHERE {{ VALUES (?x) {{ {values} }} }}"


def test_hostile_text_in_results_is_neutralised(server, cli):
    import csv
    import io

    from spinekg.graph.textsafe import FORMULA_STARTS

    q = hostile_query()
    _, body, _, _ = get(server, q, "text/csv")
    cells = [r[0] for r in csv.reader(io.StringIO(body))][1:]
    assert len(cells) == len(HOSTILE) and not any(c[:1] in FORMULA_STARTS for c in cells)
    _, body, _, _ = get(server, q, "text/tab-separated-values")
    assert not any(line[:1] in FORMULA_STARTS for line in body.splitlines()[1:])
    _, body, _, _ = get(server, q, "application/sparql-results+xml")
    xml.dom.minidom.parseString(body.encode())  # well-formed
    r = cli("query", "-e", q, "--format", "csv")
    assert r.exit_code == 0 and not any(c[:1] in FORMULA_STARTS for c in [x[0] for x in csv.reader(io.StringIO(r.stdout))][1:])
    r = cli("query", "-e", q, "--format", "xml")
    xml.dom.minidom.parseString(r.stdout.encode())
    r = cli("query", "-e", q)  # the table, for a terminal
    assert "\x1b" not in r.stdout and "\x07" not in r.stdout and "\x01" not in r.stdout
    g = cli("query", "-e", "CONSTRUCT { <urn:s> <urn:p> ?x } WHERE { VALUES (?x) { (\"a\\u0001b\") } }", "--format", "rdfxml")
    assert g.exit_code == 0
    xml.dom.minidom.parseString(g.stdout.encode())
