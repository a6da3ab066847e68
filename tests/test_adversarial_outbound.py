"""The committed adversarial corpus (tests/adversarial/outbound.json) against a 127.0.0.1 listener
that must see 0 connections: the parser check, both engines, the CLI (in-process and as a real
process) and the three HTTP forms. Then the sandbox alone: with the check bypassed, a SERVICE
still cannot connect, on a query thread and in a worker process."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import recording_listener

from spinekg.graph import sparql as S

CORPUS = json.loads((Path(__file__).parent / "adversarial" / "outbound.json").read_text(encoding="utf-8"))["cases"]
OUTCOMES = {"refused": S.QueryRefused, "update": S.UpdateRefused, "syntax": S.QuerySyntaxError}
STATUS = {"refused": 400, "update": 403, "syntax": 400}


def build(case: dict, url: str) -> str:
    text = case["query"] if "query" in case else "".join(p if isinstance(p, str) else p[0] * p[1] for p in case["parts"])
    return text.replace("{URL}", url)


def outcome(fn) -> str:
    try:
        fn()
    except S.UpdateRefused:
        return "update"
    except S.QueryRefused:
        return "refused"
    except S.QuerySyntaxError:
        return "syntax"
    except S.SpinekgError:
        return "failed"  # a one-line error of the engine (e.g. a LIMIT beyond what rdflib can slice)
    return "ok"


def fits(got: str, expected: str) -> bool:
    return got == expected or (expected == "any" and got in ("ok", "refused", "update", "syntax", "failed"))


@pytest.fixture(scope="module")
def listener():
    """A loopback socket recording every connection made to it (module-wide: cases share it)."""
    with recording_listener(64) as found:
        yield found


def settle(hits: list) -> list:
    time.sleep(0.3)
    return list(hits)


def test_the_listener_sees_a_connection_when_one_is_made(listener):
    url, hits = listener
    before = len(hits)
    with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=1):
        pass
    deadline = time.time() + 2
    while len(hits) == before and time.time() < deadline:
        time.sleep(0.02)
    assert len(hits) == before + 1
    hits.clear()


def test_corpus_is_large_and_covers_issue_10():
    whys = " ".join(c["why"] for c in CORPUS)
    assert len(CORPUS) >= 80
    for needle in ("glued to a prefixed name", "SERVICE:x", "comment hides", "FROM glued", "LOAD", "10,000 nested"):
        assert needle in whys


@pytest.mark.parametrize("case", CORPUS, ids=[c["why"] for c in CORPUS])
def test_check_query_outcome(case, listener):
    url, _ = listener
    got = outcome(lambda: S.check_query(build(case, url)))
    assert fits(got, case["expect"]), (case["why"], got)


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_engines_never_connect(engine, listener):
    url, hits = listener
    eng = S.make_engine(engine)
    results = {}
    for case in CORPUS:
        results[case["why"]] = outcome(lambda: eng.query(build(case, url), timeout=20, max_rows=5))
    assert [w for w, got in results.items() if not fits(got, next(c for c in CORPUS if c["why"] == w)["expect"])] == []
    assert settle(hits) == []


def test_cli_in_process_one_line_errors_and_no_connection(cli, listener):
    url, hits = listener
    bad = []
    for case in CORPUS:
        r = cli("query", "-e", build(case, url), "--max-rows", "5")
        msg = r.stderr.strip()
        if r.exit_code == 0:
            ok = case["expect"] in ("ok", "any")
        else:
            ok = (r.exit_code == 2 and len(msg.splitlines()) == 1 and msg.startswith("error: ")
                  and case["expect"] != "ok" and "Traceback" not in r.output)
        if not ok:
            bad.append((case["why"], r.exit_code, msg[:200]))
    assert bad == []
    assert settle(hits) == []


def spinekg_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "spinekg"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "spinekg"]


def test_cli_process_survives_the_hardest_inputs(listener, tmp_path):
    """As a real process (a segfault would show as exit 139): deep nesting, SERVICE, bad bytes."""
    url, hits = listener
    hard = [c for c in CORPUS if "nested" in c["why"] or "glued" in c["why"] or "issue 10" in c["why"]]
    assert len(hard) >= 6
    for case in hard:
        p = subprocess.run([*spinekg_cmd(), "query", "-e", build(case, url)], capture_output=True, timeout=120)
        err = p.stderr.decode("utf-8", "replace")
        assert p.returncode in (0, 2) and "Traceback" not in err, (case["why"], p.returncode, err[-300:])
        if p.returncode == 2:
            assert len(err.strip().splitlines()) == 1 and err.startswith("error: "), err
    # invalid UTF-8 in argv and on stdin, a lone surrogate: one line, exit 2
    for args, stdin in (([b"query", b"-e", b"SELECT * WHERE { ?s ?p \"\xff\xfe\" }"], None),
                        ([b"query", b"-"], b"SELECT * WHERE { ?s ?p \"\xc3\x28\" }"),
                        ([b"query", b"-e", b"SELECT * WHERE { ?s ?p \"\xed\xa0\x80\" }"], None)):
        p = subprocess.run([os.fsencode(x) for x in spinekg_cmd()] + args, input=stdin or b"",
                           capture_output=True, timeout=120)
        err = p.stderr.decode("utf-8", "replace")
        assert p.returncode == 2 and len(err.strip().splitlines()) == 1 and "UTF-8" in err, err
    assert settle(hits) == []


@pytest.fixture(scope="module")
def server():
    from spinekg.server import close, start_in_thread

    srv, _ = start_in_thread(port=0, workers=1, timeout=20)
    yield srv
    srv.shutdown()
    close(srv)


@pytest.mark.parametrize("how", ["get", "form", "direct"])
def test_http_three_forms_never_connect(how, server, listener):
    url, hits = listener
    base = server.url + "/sparql"
    bad = []
    for case in CORPUS:
        q = build(case, url)
        if how == "get":
            if len(q) > 6000:
                continue  # beyond any URL length a client sends; the POST forms carry these
            req = urllib.request.Request(base + "?" + urllib.parse.urlencode({"query": q}))
        elif how == "form":
            req = urllib.request.Request(base, data=urllib.parse.urlencode({"query": q}).encode(),
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        else:
            req = urllib.request.Request(base, data=q.encode("utf-8", "surrogatepass"),
                                         headers={"Content-Type": "application/sparql-query"})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                status, body = resp.status, resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            status, body = e.code, e.read().decode("utf-8", "replace")
        expected = case["expect"]
        if status == 200:
            ok = expected in ("ok", "any")
        else:
            ok = (expected != "ok" and status in (400, 403, 413) and len(body.strip().splitlines()) == 1
                  and (expected == "any" or status == STATUS[expected] or status == 413))
        if not ok:
            bad.append((case["why"], status, body[:200]))
    assert bad == []
    assert settle(hits) == []


# ------------------------------------------------------------------ the sandbox alone


def service_info(url: str) -> S.QueryInfo:
    """A SERVICE query as if the parser check had let it through."""
    return S.QueryInfo("SELECT", f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}")


def test_query_threads_cannot_connect_even_past_the_check(listener):
    url, hits = listener
    eng = S.OxigraphEngine()
    info = service_info(url)
    with pytest.raises((PermissionError, S.QueryRefused)):
        S.call_with_timeout(lambda: eng._execute(info, info.text, {}, 10), 10)
    with pytest.raises(PermissionError):  # any socket, from the sealed thread
        S.call_with_timeout(lambda: socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), 1), 5)
    assert settle(hits) == []
    socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), 1).close()  # this thread keeps its network
    assert len(settle(hits)) == 1
    hits.clear()


PROCESS_PROBE = """
import socket, sys, threading
port = int(sys.argv[1])
early = []
gate = threading.Event()
def before():  # started before the filter: TSYNC must cover it too
    gate.wait()
    try:
        socket.create_connection(("127.0.0.1", port), 1).close(); early.append("connected")
    except PermissionError:
        early.append("denied")
t = threading.Thread(target=before); t.start()
from spinekg.graph.sparql import sandbox
from spinekg.graph import sparql as S
sandbox.deny_network(whole_process=True)
gate.set(); t.join()
eng = S.OxigraphEngine()
info = S.QueryInfo("SELECT", f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}")
try:
    eng._execute(info, info.text, {}, 10); main = "ran"
except (S.QueryRefused, PermissionError):
    main = "denied"
print(early[0], main)
"""


def test_a_sealed_process_cannot_connect_from_any_thread(listener):
    """What a worker does first (deny_network(whole_process=True)), checked from every thread."""
    url, hits = listener
    p = subprocess.run([sys.executable, "-c", PROCESS_PROBE, url.rsplit(":", 1)[1]], capture_output=True,
                       text=True, timeout=120)
    assert p.stdout.split() == ["denied", "denied"], p.stderr[-500:]
    assert settle(hits) == []


def test_workers_are_sealed_and_refuse_past_their_own_check(listener):
    url, hits = listener
    pool = S.WorkerPool("oxigraph", workers=1)
    try:
        (pid,) = pool.pids()
        status = Path(f"/proc/{pid}/status").read_text()
        assert "Seccomp:\t2" in status and "Seccomp_filters:\t1" in status  # a filter, on every thread
        with pytest.raises(S.QueryRefused):
            pool.query(service_info(url).text, timeout=20)
    finally:
        pool.close()
    assert settle(hits) == []
