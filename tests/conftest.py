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
