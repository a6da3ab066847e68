"""The CLI's store (graph.sparql.store.load_store) read from the kept N-Triples copy: the same
graph and answers as a build from the sources, a damaged copy rebuilt, an unwritable cache folder
or a full disk costing only speed, concurrent first runs leaving one whole copy, and prefetch()."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXE = str(Path(sys.executable).with_name("spinekg"))
QUERY = ("PREFIX sk: <https://w3id.org/spinekg/ontology#> "
         "SELECT ?c ?a WHERE { ?c sk:hasAddOn ?a } ORDER BY ?c ?a")


@pytest.fixture()
def fresh(tmp_path, monkeypatch):
    """An empty cache folder and no store held by this process (restored afterwards)."""
    from spinekg.graph.sparql import store

    monkeypatch.setenv("SPINEKG_CACHE", str(tmp_path))
    held = dict(store._STORES)
    store._STORES.clear()
    yield tmp_path
    store._STORES.clear()
    store._STORES.update(held)


def _forget():
    from spinekg.graph.sparql import store

    store._STORES.clear()


def _rows(st):
    return [tuple(str(t) for t in sol) for sol in st.query(QUERY)]


def _triples(st):
    import pyoxigraph as ox

    return {q.triple for q in st.quads_for_pattern(None, None, None, ox.DefaultGraph())}


def test_the_kept_copy_is_the_built_graph(fresh, monkeypatch):
    from spinekg.graph.sparql import store

    built = store.load_store()  # nothing kept: built from the sources, then kept
    (kept,) = fresh.glob("served-*.nt")
    _forget()
    monkeypatch.setattr(store, "build_store", lambda *a, **k: pytest.fail("built again"))
    read = store.load_store()
    assert read is not built and store.is_shared(read)
    assert _triples(read) == _triples(built)  # the graph has no blank nodes: equal as sets of triples
    assert _rows(read) == _rows(built) and len(_rows(read)) > 10
    assert store.load_store() is read  # once per process
    assert [p.name for p in fresh.iterdir()] == [kept.name]


@pytest.mark.parametrize("damage", ["truncated", "flipped", "garbage", "empty", "directory"])
def test_a_damaged_copy_is_built_again_and_replaced(fresh, damage):
    from spinekg.graph.sparql import store

    expected = _triples(store.load_store())
    (kept,) = fresh.glob("served-*.nt")
    data = kept.read_bytes()
    if damage == "truncated":
        kept.write_bytes(data[: len(data) // 2])
    elif damage == "flipped":
        i = len(data) // 2
        kept.write_bytes(data[:i] + bytes([data[i] ^ 1]) + data[i + 1:])
    elif damage == "garbage":
        kept.write_bytes(b"\x00\xff" * 1000)
    elif damage == "empty":
        kept.write_bytes(b"")
    else:
        kept.unlink()
        kept.mkdir()
    _forget()
    assert _triples(store.load_store()) == expected
    if damage != "directory":  # a directory in its place cannot be replaced atomically: left alone, built each time
        assert kept.read_bytes() == data
    assert not [p for p in fresh.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_an_unwritable_cache_costs_only_speed(tmp_path, monkeypatch):
    from spinekg.graph.sparql import store

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SPINEKG_CACHE", str(blocker / "cache"))  # mkdir fails (ENOTDIR), even as root
    held = dict(store._STORES)
    store._STORES.clear()
    try:
        assert len(store.load_store()) > 20_000
    finally:
        store._STORES.clear()
        store._STORES.update(held)
    assert blocker.read_text() == "not a folder"


def test_a_full_disk_costs_only_speed(fresh, monkeypatch):
    from spinekg.graph import atomicfile
    from spinekg.graph.sparql import store

    def full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomicfile, "_write_all", full)
    assert len(store.load_store()) > 20_000
    assert not list(fresh.iterdir())


def test_prefetch_reads_the_kept_copy_and_builds_nothing(fresh, monkeypatch):
    from spinekg.graph.sparql import store

    monkeypatch.setattr(store, "_PREFETCHING", [])
    store.prefetch().join(60)  # nothing kept: the thread neither builds nor writes
    assert not store._STORES and not list(fresh.iterdir())
    built = store.load_store()
    _forget()
    monkeypatch.setattr(store, "_PREFETCHING", [])
    monkeypatch.setattr(store, "build_store", lambda *a, **k: pytest.fail("built again"))
    store.prefetch().join(60)
    assert store.prefetch() is None  # once per process
    (read,) = store._STORES.values()
    assert store.load_store() is read and _triples(read) == _triples(built)


def test_concurrent_first_queries_keep_one_whole_copy(tmp_path):
    env = {**os.environ, "SPINEKG_CACHE": str(tmp_path / "cache")}
    argv = [EXE, "query", "--name", "region-approach-matrix", "--format", "csv"]
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for _ in range(3)]
    outs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [e for _, e in outs]
    assert len({o for o, _ in outs}) == 1 and outs[0][0].count(b"\n") > 3
    (kept,) = (tmp_path / "cache").glob("served-*.nt")
    again = subprocess.run(argv, capture_output=True, env=env, timeout=180)  # reads that copy
    assert again.returncode == 0 and again.stdout == outs[0][0] and again.stderr == b""
    from spinekg.graph.sparql.served_store import _read

    assert _read(kept) is not None  # whole: its hash matches
