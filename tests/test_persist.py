"""The persisted store for large user data: built once, reopened without parsing, rebuilt when
the file changes, and nothing half-built left behind by a bad file."""
import pytest

from spinekg.graph import persist
from spinekg.graph.errors import SpinekgError

SK = "https://w3id.org/spinekg/ontology#"


def write_nt(path, n):
    path.write_text("".join(f"<urn:x:{i}> <{SK}region> <{SK}Lumbar> .\n" for i in range(n)), encoding="utf-8")


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SPINEKG_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def count(store):
    return int(next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))["n"].value)


def wait_built(files, seconds=120):
    import time

    end = time.monotonic() + seconds
    while not persist.is_built(files):
        assert time.monotonic() < end, "the background build did not finish"
        time.sleep(0.05)


def test_first_open_builds_then_reopens_from_disk(tmp_path):
    data = tmp_path / "big.nt"
    write_nt(data, 500)
    assert count(persist.open_dataset([data], background=False)) == 500
    built = persist.store_dir([data])
    assert (built / persist.DONE).exists()
    # a second open must not parse again: same size and mtime but other bytes still give the stored triples
    import os

    st = data.stat()
    data.write_bytes(data.read_bytes().replace(b"Lumbar", b"Sacrum"))
    os.utime(data, ns=(st.st_atime_ns, st.st_mtime_ns))
    reopened = persist.open_dataset([data])
    assert count(reopened) == 500
    assert reopened.query(f"ASK {{ <urn:x:1> <{SK}region> <{SK}Lumbar> }}")
    # nor may its in-memory copy take other bytes: their SHA-256 is not the one the store was built from
    assert not reopened.wait(60) and "changed" in str(reopened.error)
    assert reopened.query(f"ASK {{ <urn:x:1> <{SK}region> <{SK}Lumbar> }}")


def test_first_open_loads_in_memory_and_builds_on_disk_in_the_background(tmp_path, cache):
    import pyoxigraph as ox

    data = tmp_path / "big.nt"
    write_nt(data, 300)
    first = persist.open_dataset([data])  # small input: the in-memory load
    assert count(first) == 300
    with pytest.raises(RuntimeError, match="read-only"):  # as the persisted one will be
        first.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.NamedNode("urn:c")))
    assert isinstance(first.current, ox.Store) and not isinstance(first.current.query("ASK {}"), Exception)
    wait_built([data])
    again = persist.open_dataset([data])
    assert count(again) == 300
    with pytest.raises((OSError, RuntimeError)):  # the persisted one, read-only
        again.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.NamedNode("urn:c")))
    assert not any(cache.glob(".store-*"))  # nothing half-built left


def test_background_builder_is_a_command(tmp_path, cache):
    data = tmp_path / "big.nt"
    write_nt(data, 5)
    assert persist.main([str(data)]) == 0 and persist.is_built([data])
    bad = tmp_path / "bad.nt"
    bad.write_text("<urn:a> <urn:b> .\n", encoding="utf-8")
    assert persist.main([str(bad)]) == 2
    assert not any(cache.glob(".store-*"))


def test_killed_builders_folder_is_removed(tmp_path, cache):
    data = tmp_path / "big.nt"
    write_nt(data, 5)
    cache.mkdir(parents=True, exist_ok=True)
    stale = cache / f".{persist.store_dir([data]).name}.999999999.tmp"  # no such process
    stale.mkdir()
    persist.open_dataset([data], background=False)
    assert not stale.exists()


def test_changed_file_is_loaded_again(tmp_path):
    data = tmp_path / "big.nt"
    write_nt(data, 10)
    first = persist.store_dir([data])
    assert count(persist.open_dataset([data], background=False)) == 10
    write_nt(data, 25)
    assert persist.store_dir([data]) != first
    assert count(persist.open_dataset([data])) == 25


def test_bad_file_leaves_no_store(tmp_path, cache):
    bad = tmp_path / "bad.nt"
    bad.write_text("<urn:a> <urn:b> .\n", encoding="utf-8")
    for background in (True, False):
        with pytest.raises(SpinekgError, match="bad.nt"):
            persist.open_dataset([bad], background=background)
    assert not any(cache.glob("store-*")) and not any(cache.glob(".store-*"))


def test_unknown_suffix_is_a_user_error(tmp_path):
    f = tmp_path / "data.csv"
    f.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(SpinekgError, match="unknown RDF file type"):
        persist.open_dataset([f])


def test_pid_alive_is_shared_with_atomicfile():
    import os
    import subprocess
    import sys

    from spinekg.graph import atomicfile

    assert not hasattr(persist, "_alive")  # one copy: atomicfile's
    assert atomicfile.pid_alive(os.getpid())
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    assert not atomicfile.pid_alive(int(done.stdout))  # exited and reaped


def test_later_open_answers_from_disk_then_from_an_in_memory_copy(tmp_path):
    from spinekg.graph.warmstore import WarmingStore

    data = tmp_path / "big.nt"
    write_nt(data, 200)
    persist.open_dataset([data], background=False)
    store = persist.open_dataset([data])
    assert isinstance(store, WarmingStore)
    q = f"SELECT ?s WHERE {{ ?s <{SK}region> <{SK}Lumbar> }} ORDER BY ?s"
    on_disk = [str(r["s"]) for r in store.disk.query(q)]
    assert store.wait(60) and store.in_memory and store.error is None
    assert store.current is not store.disk
    assert [str(r["s"]) for r in store.query(q)] == on_disk and len(on_disk) == 200
    assert count(store) == 200 and len(store) == 200
    for change in (lambda: store.update("INSERT DATA { <urn:a> <urn:b> <urn:c> }"), lambda: store.clear()):
        with pytest.raises(RuntimeError, match="read-only"):
            change()
    assert count(store) == 200
    plain = persist.open_dataset([data], warm=False)  # the on-disk store alone
    assert not isinstance(plain, WarmingStore) and count(plain) == 200


def test_failed_in_memory_copy_leaves_the_disk_answering(tmp_path):
    import pyoxigraph as ox

    from spinekg.graph.warmstore import WarmingStore

    data = tmp_path / "big.nt"
    write_nt(data, 20)
    persist.open_dataset([data], background=False)
    disk = ox.Store.read_only(str(persist.store_dir([data])))

    def fail():
        raise SpinekgError("no memory copy")

    store = WarmingStore(disk, fail)
    assert not store.wait(60) and isinstance(store.error, SpinekgError)
    assert store.current is disk and count(store) == 20


def test_memory_copy_refuses_files_changed_since_the_store(tmp_path):
    data = tmp_path / "big.nt"
    write_nt(data, 20)
    persist.open_dataset([data], background=False)
    key = persist.dataset_key([data])
    digests = persist._digests(persist.store_dir([data]), 1)
    assert digests == [persist._sha256(data)]
    formats = [persist._format(data)]
    assert len(persist._memory_copy([data], formats, key, digests)) == 20
    write_nt(data, 30)  # another size: another key, so this copy is not of that store
    with pytest.raises(SpinekgError, match="changed"):
        persist._memory_copy([data], formats, key, digests)


def test_store_without_recorded_digests_is_read_from_disk_only(tmp_path):
    from spinekg.graph.warmstore import WarmingStore

    data = tmp_path / "big.nt"
    write_nt(data, 20)
    persist.open_dataset([data], background=False)
    (persist.store_dir([data]) / persist.DONE).write_text("ok\n", encoding="ascii")  # as an older builder left it
    store = persist.open_dataset([data])
    assert not isinstance(store, WarmingStore) and count(store) == 20


def test_file_changed_during_the_build_leaves_no_store(tmp_path, cache, monkeypatch):
    data = tmp_path / "big.nt"
    write_nt(data, 20)
    real = persist._sha256

    def changing(path):
        digest = real(path)
        write_nt(path, 21)  # the user rewrites the file while the builder reads it
        return digest

    monkeypatch.setattr(persist, "_sha256", changing)
    with pytest.raises(SpinekgError, match="changed while its store was written"):
        persist.build([data])
    assert not any(cache.glob("store-*")) and not any(cache.glob(".store-*"))


def test_in_memory_copy_answers_every_saved_query_as_the_disk_does(tmp_path):
    import sys
    from pathlib import Path

    from spinekg.graph import sparql

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    import scale  # a generated code set of the graph's shape

    data = tmp_path / "codes.nt"
    with open(data, "wb") as f:
        scale.generate(20_000, f)
    persist.open_dataset([data], background=False)
    store = persist.open_dataset([data])
    assert store.wait(120)
    warm = sparql.OxigraphEngine(store, cache=False)  # a read-only store: plans too
    assert warm.read_only
    disk = sparql.OxigraphEngine(store.disk)
    rows = 0
    for name, saved in sparql.saved_queries().items():
        b = sparql.bind_params(saved.example_params(), saved)
        a = warm.query(saved.text, b, timeout=None, max_rows=None)
        d = disk.query(saved.text, b, timeout=None, max_rows=None)
        assert (a.rows, a.boolean) == (d.rows, d.boolean), name
        rows += len(a.rows or ())
    assert rows > 1000  # the queries found the generated codes
