import contextlib
import os
import socket
import tempfile
import threading

import pytest

# Keep the user's real data and cache folders out of the tests (set before anything loads).
_TMP = tempfile.mkdtemp(prefix="spinekg-tests-")
os.environ["SPINEKG_HOME"] = os.path.join(_TMP, "home")
os.environ["SPINEKG_CACHE"] = os.path.join(_TMP, "cache")


@pytest.fixture(scope="session")
def graph():
    from spinekg.graph.load import load_graph

    return load_graph()


@pytest.fixture(scope="session")
def catalog():
    from spinekg.graph.model import load_catalog

    return load_catalog()


@pytest.fixture()
def cli():
    """Run the CLI in-process; returns the click Result (exit_code, stdout, stderr)."""
    from typer.testing import CliRunner

    from spinekg.cli import app

    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, list(args))

    return run


@contextlib.contextmanager
def recording_listener(backlog: int = 16):
    """A socket on 127.0.0.1 that records every connection made to it: yields (url, hits)."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(backlog)
    srv.settimeout(0.05)
    hits: list = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, addr = srv.accept()
            except (socket.timeout, OSError):
                continue
            hits.append(addr)
            conn.close()

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.getsockname()[1]}", hits
    finally:
        stop.set()
        t.join(1)
        srv.close()


# One probe of the seccomp sandbox for the tests that check it seals (tests/test_cold_query.py,
# tests/test_serve_early_worker.py): in a fresh process, a thread calls sandbox.deny_network()
# and then tries to open a socket. ctypes.util is not imported first (as in a worker or a CLI
# query: the sandbox imports pyseccomp through a stand-in of it), except in mode "no-find-library",
# where ctypes.util.find_library raises if called (the sonames must do) and the probe reports
# whether it was left as it was. "unknown-sonames": the sandbox's soname list is emptied (the real
# ctypes.util must look libseccomp up); "stand-in": the probe reports that ctypes.util is not left
# loaded and that a later import of it gets the real module.
SANDBOX_PROBE = r"""
import json, socket, sys, threading
mode = sys.argv[1]
def refuse(name):
    raise AssertionError(f"find_library({name!r}) ran")
if mode == "no-find-library":
    import ctypes.util
    ctypes.util.find_library = refuse
from spinekg.graph.sparql import sandbox
if mode == "unknown-sonames":
    sandbox._SONAMES = {}
out = {}
def sealed():
    sandbox.deny_network()
    try:
        socket.socket()
        out["socket"] = "opened"
    except OSError as e:
        out["socket"] = e.errno
t = threading.Thread(target=sealed); t.start(); t.join()
if mode == "no-find-library":
    out["find_library_kept"] = ctypes.util.find_library is refuse
if mode == "stand-in":
    out["left_loaded"] = "ctypes.util" in sys.modules
    import ctypes.util
    out["real_after"] = ctypes.util.__file__.endswith("util.py") and bool(ctypes.util.find_library("c"))
print(json.dumps(out))
"""


def sandbox_probe(mode: str = "sonames") -> dict:
    import json
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-c", SANDBOX_PROBE, mode], capture_output=True, text=True, timeout=60,
                       env={**os.environ, "SPINEKG_NO_SANDBOX": "0"})
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)
