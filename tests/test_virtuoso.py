"""A second SPARQL engine: Virtuoso (Debian's virtuoso-opensource 7.2, the engine behind BioPortal).

A private Virtuoso starts in tmp_path on 127.0.0.1 with ports of its own; `spinekg push` loads the
graph through Virtuoso's Graph Store endpoint and every saved query, run with `query --endpoint`,
must give exactly the answer the embedded engine gives. Skipped where Virtuoso is not installed,
unless SPINEKG_REQUIRE_VIRTUOSO=1 (set by .ci/run), where its absence is a failure.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from spinekg.graph import sparql as S

GRAPH = "urn:spinekg:test:graph"
REQUIRED = os.environ.get("SPINEKG_REQUIRE_VIRTUOSO") == "1"
INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql}
ServerThreads = 10
CheckpointInterval = 0
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = {d}

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
ServerThreads = 10
EnabledDavVSP = 0

[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    server, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if not (server and isql):
        if REQUIRED:
            pytest.fail("SPINEKG_REQUIRE_VIRTUOSO=1 but virtuoso-t/isql-vt are not installed "
                        "(Debian: apt-get install virtuoso-opensource-7-bin)")
        pytest.skip("Virtuoso is not installed (Debian: apt-get install virtuoso-opensource-7-bin)")
    d = tmp_path_factory.mktemp("virtuoso")
    sql, http = free_port(), free_port()
    (d / "virtuoso.ini").write_text(INI.format(d=d, sql=sql, http=http), encoding="utf-8")
    proc = subprocess.Popen([server, "-f", "-c", str(d / "virtuoso.ini")], cwd=d,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{http}/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D"
        deadline = time.time() + 180  # a first start creates the database (15-60 s on 2 cores)
        while True:
            if proc.poll() is not None:
                pytest.fail(f"virtuoso-t exited with {proc.returncode}: "
                            + (d / "virtuoso.log").read_text(errors="replace")[-500:])
            try:
                proxyless = urllib.request.build_opener(urllib.request.ProxyHandler({}))
                with proxyless.open(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                pytest.fail("Virtuoso did not answer on its HTTP port within 180 s")
            time.sleep(0.5)
        # the Graph Store endpoint writes as the SPARQL user: give it the update role
        subprocess.run([isql, f"127.0.0.1:{sql}", "dba", "dba",
                        'exec=GRANT SPARQL_UPDATE TO "SPARQL"; DB.DBA.RDF_DEFAULT_USER_PERMS_SET (\'nobody\', 7);'],
                       check=True, capture_output=True, timeout=60)
        yield f"http://127.0.0.1:{http}"
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@pytest.fixture(scope="module")
def pushed(virtuoso):
    from typer.testing import CliRunner

    from spinekg.cli import app

    r = CliRunner().invoke(app, ["push", "--endpoint", f"{virtuoso}/sparql-graph-crud", "--graph", GRAPH])
    assert r.exit_code == 0, r.output
    # Virtuoso's default dataset is every graph it holds (its own system graphs too): name ours
    return f"{virtuoso}/sparql?default-graph-uri={urllib.parse.quote(GRAPH, safe='')}"


def query_json(*args: str) -> dict:
    from typer.testing import CliRunner

    from spinekg.cli import app

    r = CliRunner().invoke(app, ["query", *args])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


@pytest.mark.parametrize("name", sorted(S.saved_queries()))
def test_every_saved_query_answers_the_same_on_virtuoso(pushed, name):
    saved = S.get_saved(name)
    params = [a for k, v in saved.example_params().items() for a in ("--param", f"{k}={v}")]
    local = S.run_saved(name, saved.example_params(), engine=S.OxigraphEngine(), timeout=None)
    remote = S.run_saved(name, saved.example_params(), engine=S.RemoteEngine(pushed), timeout=60)
    assert (remote.form, remote.variables, remote.rows, remote.boolean) == \
           (local.form, local.variables, local.rows, local.boolean), name
    assert sorted(remote.triples) == sorted(local.triples), name
    # and through the command line, as the README shows it
    if not S.check_query(saved.text).is_graph:
        assert query_json("--name", name, *params, "--endpoint", pushed, "--format", "json") == \
               query_json("--name", name, *params, "--format", "json")
