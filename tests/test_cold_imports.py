"""Cold starts: the read commands keep the heavy libraries out of their import graph.

Each command runs in a fresh interpreter (as a user's shell would start it) with a hook that
records, at exit, which of the heavy modules got imported. Timings live in bench/run.py."""
import json
import subprocess
import sys


HEAVY = ("rdflib", "networkx", "pyvis", "pyshacl")
PROBE = r"""
import atexit, json, sys
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(m for m in %r if m in sys.modules))))
sys.argv[0] = "spinekg"
from spinekg.cli import main
main()
""" % (HEAVY,)


def heavy_imports(tmp_path, *args) -> list[str]:
    out = tmp_path / "modules.json"
    env = {"SPINEKG_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    for _ in range(2):  # the first run compiles the cache; the second is the cold start users see
        r = subprocess.run([sys.executable, "-c", PROBE, str(out), *args], capture_output=True, text=True,
                           cwd=tmp_path, env=env, timeout=120)
        assert r.returncode == 0, r.stderr
    return json.loads(out.read_text())


def test_cold_show_imports_no_heavy_library(tmp_path):
    assert heavy_imports(tmp_path, "show", "63304") == []


def test_probe_sees_a_heavy_import(tmp_path):
    # the hook itself works: `neighbors` walks the networkx graph, and the probe reports it
    assert "networkx" in heavy_imports(tmp_path, "neighbors", "63304")


def test_cold_query_imports_no_heavy_library(tmp_path):
    assert heavy_imports(tmp_path, "query", "--name", "region-approach-matrix") == []


def test_cold_explore_imports_no_heavy_library(tmp_path):
    # the first run renders (pyvis, networkx) and keeps the page; the repeat writes the kept page
    assert heavy_imports(tmp_path, "explore", "-o", str(tmp_path / "x.html"), "--no-open", "--force") == []


def test_prefix_strings_match_the_rdflib_namespaces():
    # ontology/prefixes.py is what a cold query reads; ontology/namespaces.py builds on it
    from spinekg.ontology import prefixes
    from spinekg.ontology.namespaces import CPT, GROUP, PREFIXES, SK

    assert PREFIXES is prefixes.PREFIXES
    assert (PREFIXES["sk"], PREFIXES["cpt"], PREFIXES["grp"]) == (str(SK._NS), str(CPT), str(GROUP))
    probe = "import sys, spinekg.ontology.prefixes; print('rdflib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60).stdout == "False\n"


def test_cold_path_imports_no_heavy_library(tmp_path):
    # the chain is read from the compiled cache (graph/linkgraph.py), not from networkx
    assert heavy_imports(tmp_path, "path", "63304", "63081") == []
