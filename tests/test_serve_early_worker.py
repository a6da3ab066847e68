"""`spinekg serve` starts its first query worker before the CLI loads click (spinekg.http.spawn):
the server takes that worker when it fits the parsed options, kills it when not, and a command
that fails leaves no worker behind. Also: the worker's constants match the engine's, and the
sandbox imports pyseccomp without ctypes' ldconfig look-ups."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import sandbox_probe
from spinekg.http import spawn

EXE = str(Path(sys.executable).with_name("spinekg"))


@pytest.mark.parametrize("args, expected", [
    ([], ("oxigraph", 1024)),
    (["--port", "8000"], ("oxigraph", 1024)),
    (["--port=0", "--engine", "rdflib", "--memory-mb=256"], ("rdflib", 256)),
    (["--host", "0.0.0.0", "--workers", "3", "--cors-origin", "http://a", "--allow-host", "x:1"], ("oxigraph", 1024)),
    (["--endpoint", "http://127.0.0.1:9/sparql"], None),  # serves another endpoint: no worker
    (["--help"], None),
    (["-h"], None),
    (["--port"], None),  # a value missing: click reports it
    (["--prot", "8000"], None),  # a typo: click reports it
    (["--engine", "virtuoso"], None),
    (["--memory-mb", "12"], None),  # below serve's minimum: click refuses it
    (["--memory-mb", "lots"], None),
    (["extra"], None),
])
def test_early_options(args, expected):
    assert spawn.early_options(args) == expected


def _server_first_pid(**kw):
    from spinekg.server import close, make_server

    srv = make_server(port=0, workers=1, fast_workers=0, **kw)
    try:
        return srv.runner.first.pid
    finally:
        close(srv)


def test_the_server_takes_the_early_worker():
    spawn.spawn_early(["--port", "0"])
    (_, (proc, _)) = spawn._early
    assert _server_first_pid() == proc.pid
    assert spawn._early == []


def test_an_early_worker_that_does_not_fit_is_killed():
    spawn.spawn_early(["--memory-mb", "256"])
    (_, (proc, _)) = spawn._early
    assert _server_first_pid(memory_mb=1024) != proc.pid
    assert proc.poll() is not None and spawn._early == []


def test_an_early_worker_is_dropped_when_proxying():
    spawn.spawn_early([])
    (_, (proc, _)) = spawn._early
    spawn.drop_early()
    assert proc.poll() is not None and spawn._early == []


def _tagged(tag: str) -> list[int]:
    """Processes whose environment carries tag (a forked worker has its CLI's command line)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            env = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        if f"SPINEKG_TEST_TAG={tag}".encode() in env.split(b"\0"):
            found.append(int(pid))
    return found


@pytest.mark.parametrize("args", [["--port", "99999"], ["--port", "0", "--max-rows", "0"]])
def test_a_failed_serve_leaves_no_worker(tmp_path, args):
    tag = f"{os.getpid()}-{tmp_path.name}"
    env = {**os.environ, "SPINEKG_CACHE": str(tmp_path / "cache"), "SPINEKG_TEST_TAG": tag}
    p = subprocess.Popen([EXE, "serve", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 2 and b"Traceback" not in err and err.startswith(b"error:"), err
    deadline = time.monotonic() + 5
    while _tagged(tag) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _tagged(tag) == []


def test_a_serving_cli_forks_its_first_worker(tmp_path):
    # the early worker answers the first query; when the CLI is stopped, no worker outlives it
    import http.client
    import socket
    import urllib.parse

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tag = f"{os.getpid()}-{tmp_path.name}"
    env = {**os.environ, "SPINEKG_CACHE": str(tmp_path / "cache"), "SPINEKG_TEST_TAG": tag}
    p = subprocess.Popen([EXE, "serve", "--port", str(port), "--workers", "1", "--fast-workers", "0"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/sparql?query=" + urllib.parse.quote("ASK { ?s ?p ?o }"),
                          headers={"Accept": "application/sparql-results+json"})
                r = c.getresponse()
                assert r.status == 200 and b"true" in r.read()
                break
            except OSError:
                assert time.monotonic() < deadline and p.poll() is None
                time.sleep(0.02)
        workers = [pid for pid in _tagged(tag) if pid != p.pid]
        assert len(workers) == 1  # one worker: the forked one was taken, none spawned beside it
        ppid = int(Path(f"/proc/{workers[0]}/stat").read_text().rsplit(")", 1)[1].split()[1])
        assert ppid == p.pid
    finally:
        p.terminate()
        p.wait(30)
    deadline = time.monotonic() + 5
    while _tagged(tag) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _tagged(tag) == []


def test_worker_defaults_match_the_engine():
    from spinekg.graph.sparql import engines, workers

    assert (workers.DEFAULT_TIMEOUT, workers.DEFAULT_MAX_ROWS) == (engines.DEFAULT_TIMEOUT, engines.DEFAULT_MAX_ROWS)


def test_the_sandbox_finds_libseccomp_without_ldconfig():
    # EACCES on the sealed thread; find_library left as it was
    assert sandbox_probe("no-find-library") == {"socket": 13, "find_library_kept": True}


def test_the_sandbox_imports_pyseccomp_without_ctypes_util():
    # a stand-in answers pyseccomp's look-ups and is gone after; the real module loads when asked for
    assert sandbox_probe("stand-in") == {"socket": 13, "left_loaded": False, "real_after": True}
