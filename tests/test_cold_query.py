"""A cold `spinekg query --name ...` imports only what its answer needs, answers as the golden file
says, and ends without the interpreter's collection passes (cli_app._end). Timings live in bench/run.py."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import sandbox_probe

GOLDEN = Path(__file__).parent / "golden"
# modules a cold saved query (table output, not a pairwise query) has no use for
LEFT_OUT = ("spinekg.graph.precompute", "spinekg.graph.sparql.plans_aggregate", "spinekg.graph.sparql.plans_facts",
            "csv", "rdflib", "networkx")
PROBE = r"""
import atexit, gc, json, sys
out = sys.argv.pop(1)
watch = json.loads(sys.argv.pop(1))
# registered before main() runs, so it runs after main() returned: what the shutdown meets
atexit.register(lambda: open(out, "w").write(json.dumps(
    {"loaded": sorted(m for m in watch if m in sys.modules), "frozen": gc.get_freeze_count(),
     "collecting": gc.isenabled()})))
sys.argv[0] = "spinekg"
from spinekg.cli import main
main()
"""


def cold(tmp_path, *args, watch=LEFT_OUT):
    out = tmp_path / "probe.json"
    env = {"SPINEKG_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    r = None
    for _ in range(2):  # the first run fills the cache; the second is the cold start users see
        r = subprocess.run([sys.executable, "-c", PROBE, str(out), json.dumps(watch), *args], capture_output=True,
                           text=True, cwd=tmp_path, env=env, timeout=120)
    return r, json.loads(out.read_text())


def _golden_table(name: str) -> list[list[str]]:
    """The golden rows as the table shows them: literals bare, numbers as digits."""
    rows = json.loads((GOLDEN / f"{name}.json").read_text())["rows"]
    return [[re.match(r'^"(.*)"', cell).group(1) for cell in row] for row in rows]


def test_cold_saved_query_imports_only_what_it_needs(tmp_path):
    r, seen = cold(tmp_path, "query", "--name", "region-approach-matrix")
    assert r.returncode == 0, r.stderr
    assert seen["loaded"] == []
    lines = r.stdout.splitlines()
    assert lines[-1] == "(16 rows)"
    # columns are two spaces apart; an approach may hold one ("lateral extracavitary")
    assert [re.split(r"\s{2,}", line.rstrip()) for line in lines[2:-1]] == _golden_table("region-approach-matrix")


def test_the_probe_sees_what_a_pairwise_query_and_csv_import(tmp_path):
    # the hook works: the pairwise plan reads graph.precompute, and csv output imports csv
    r, seen = cold(tmp_path, "query", "--name", "one-facet-apart", "--param", "code=63304", "--format", "csv")
    assert r.returncode == 0, r.stderr
    assert seen["loaded"] == ["csv", "spinekg.graph.precompute"]


def test_main_freezes_the_collector_before_the_shutdown(tmp_path):
    r, seen = cold(tmp_path, "show", "63304", watch=[])
    assert r.returncode == 0 and "63304" in r.stdout, r.stderr
    assert seen["frozen"] > 0 and seen["collecting"]  # frozen, and the collector left as it was


def test_a_failing_command_still_ends_with_one_line_and_its_code(tmp_path):
    r, seen = cold(tmp_path, "query", "--name", "no-such-query", watch=[])
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: no saved query named 'no-such-query'")
    assert seen["frozen"] > 0


def test_the_sandbox_seals():
    assert sandbox_probe("sonames") == {"socket": 13}


def test_the_sandbox_looks_up_a_library_the_sonames_miss():
    assert sandbox_probe("unknown-sonames") == {"socket": 13}


PRELOAD_PROBE = r"""
import json, sys
from spinekg.graph.sparql import store
out = {"preloaded": store._preload_engine()}
maps = open("/proc/self/maps").read()
out["mapped"] = "pyoxigraph" in maps and "pyoxigraph" not in sys.modules  # loaded, not imported
import pyoxigraph
s = pyoxigraph.Store()
s.add(pyoxigraph.Quad(pyoxigraph.NamedNode("http://a"), pyoxigraph.NamedNode("http://b"), pyoxigraph.Literal("c")))
out["works"] = len(s) == 1 and store._preload_engine() is False  # once imported, nothing more to map
print(json.dumps(out))
"""


def test_the_prefetch_maps_pyoxigraph_before_its_import():
    if not Path("/proc/self/maps").exists():
        import pytest

        pytest.skip("needs /proc/self/maps")
    r = subprocess.run([sys.executable, "-c", PRELOAD_PROBE], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"preloaded": True, "mapped": True, "works": True}


SWITCH_PROBE = r"""
import json, sys
from spinekg.graph.sparql import store
before = sys.getswitchinterval()
t = store.prefetch()
during = sys.getswitchinterval()
t.join(60)
print(json.dumps({"before": before, "during": during, "after": sys.getswitchinterval(),
                  "read": len(store._STORES)}))
"""


def test_the_prefetch_shortens_the_switch_interval_only_while_it_reads(tmp_path):
    env = {**os.environ, "SPINEKG_CACHE": str(tmp_path / "cache")}
    first = subprocess.run([sys.executable, "-c", "from spinekg.graph.sparql.store import load_store; load_store()"],
                           capture_output=True, text=True, env=env, timeout=120)  # keeps the copy
    assert first.returncode == 0, first.stderr
    from spinekg.graph.sparql.store import PREFETCH_SWITCH_INTERVAL

    r = subprocess.run([sys.executable, "-c", SWITCH_PROBE], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["during"] == PREFETCH_SWITCH_INTERVAL < out["before"] == out["after"]
    assert out["read"] == 1  # the kept copy was read on the thread


LEAVE_PROBE = r"""
import atexit, gc, json, sys
out = sys.argv.pop(1)
def report():
    from spinekg.graph.sparql import store
    (s,) = store._STORES.values()
    store._STORES.clear()  # what the shutdown does to the module's dict
    frozen = gc.get_freeze_count()
    gc.unfreeze()  # get_referrers looks in the collector's generations only
    referrers = [r for r in gc.get_referrers(s) if isinstance(r, list) and any(x is r for x in r)]
    open(out, "w").write(json.dumps({"frozen": frozen, "held_by_cycle": len(referrers)}))
atexit.register(report)  # runs after main() and cli_app._end()
sys.argv[0] = "spinekg"
from spinekg.cli import main
main()
"""


def test_the_store_is_left_to_the_os_at_exit(tmp_path):
    # cli_app._end puts the graph in a frozen cycle: the shutdown does not free it triple by triple
    out = tmp_path / "leave.json"
    env = {**os.environ, "SPINEKG_CACHE": str(tmp_path / "cache")}
    r = subprocess.run([sys.executable, "-c", LEAVE_PROBE, str(out), "query", "--name", "region-approach-matrix"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0 and r.stdout.endswith("(16 rows)\n"), r.stderr
    seen = json.loads(out.read_text())
    assert seen["held_by_cycle"] == 1 and seen["frozen"] > 0


def test_the_prefetch_maps_the_engine_beside_its_read(tmp_path, monkeypatch):
    import threading

    from spinekg.graph.sparql import store

    monkeypatch.setenv("SPINEKG_CACHE", str(tmp_path))  # nothing kept: the read finds nothing
    monkeypatch.setattr(store, "_PREFETCHING", [])
    monkeypatch.setattr(store, "_STORES", {})
    ran = []
    monkeypatch.setattr(store, "_preload_engine", lambda: ran.append(threading.current_thread().name))
    store.prefetch().join(60)
    for t in threading.enumerate():
        if t.name == "spinekg-engine-preload":
            t.join(60)
    assert ran == ["spinekg-engine-preload"] and store._STORES == {}


def test_the_prefetch_locates_the_copy_before_its_thread_starts(tmp_path, monkeypatch):
    import threading

    from spinekg.graph.sparql import served_store, store

    monkeypatch.setenv("SPINEKG_CACHE", str(tmp_path))
    monkeypatch.setattr(store, "_PREFETCHING", [])
    monkeypatch.setattr(store, "_STORES", {})
    located = []

    def served_path():
        located.append(threading.current_thread().name)
        raise OSError("the cache folder cannot be read")  # a failure there stays the thread's

    monkeypatch.setattr(served_store, "served_path", served_path)
    thread = store.prefetch()
    assert located[0] == threading.current_thread().name  # on the caller's thread, before the thread
    thread.join(60)
    assert located[1:] == ["spinekg-store-prefetch"] and store._STORES == {}
