"""The shipped graph (+ the user's imports), kept as one N-Triples file in the cache folder: a query
worker and a CLI query (graph.sparql.store.load_store) read it in ~50 ms instead of parsing the
Turtle and materialising (~100 ms).

The file is keyed like the compiled cache (the bytes of every source file and user import,
graph.compiled.cache_key) plus the code that builds the store and the prefix table and the
pyoxigraph version, so any change to the data, the imports or the build is a new file. Its first
line holds the prefix table and the sha256 of the triples that follow; a file that does not match
is rebuilt. It is written atomically (graph.atomicfile); any failure (read-only cache folder,
full disk) only costs speed: the worker builds the store as before.

Loaded into an in-memory store, not opened as an on-disk (RocksDB) store: RocksDB's threads and
mappings reserve ~400 MB of address space a query could then fill unseen by the worker's cap.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

FORMAT = "w2"
MAGIC = b"spinekg-served "


def served_key() -> str:
    import pyoxigraph as ox

    from spinekg.graph.compiled import cache_key

    h = hashlib.sha256(f"{FORMAT}|{ox.__version__}|{cache_key()}".encode())
    here = Path(__file__)
    for code in (here.with_name("store.py"), here.parent.parent.parent / "ontology" / "namespaces.py"):
        try:
            h.update(code.read_bytes())
        except OSError:  # an installed layout without one of them: the version still keys it
            h.update(str(code).encode())
    return h.hexdigest()[:32]


def served_path() -> Path:
    from spinekg.graph.compiled import cache_dir

    return cache_dir() / f"served-{FORMAT}-{served_key()}.nt"


def kept_store():
    """(in-memory Store, prefixes) loaded from the kept copy, or None when there is none (or it is
    damaged, or the cache folder cannot be read): then the caller builds the store and keep()s it."""
    import pyoxigraph as ox

    try:
        kept = _read(served_path())
    except OSError:
        return None
    if kept is None:
        return None
    prefixes, body = kept
    store = ox.Store()
    store.load(body, format=ox.RdfFormat.N_TRIPLES, lenient=True)  # our own output, checked by its hash
    return store, prefixes


def keep(store, prefixes: dict | None = None) -> None:
    """Keep `store` (graph.sparql.store.build_store()'s graph) for the next process; failures only cost speed."""
    from spinekg.graph.sparql.store import store_ntriples
    from spinekg.graph.sparql.terms import default_prefixes

    try:
        path = served_path()
    except OSError:
        return
    _write(path, prefixes if prefixes is not None else default_prefixes(), store_ntriples(store))


def served_store() -> tuple:
    """(in-memory Store holding graph.sparql.store.load_store()'s graph, the default prefixes)."""
    kept = kept_store()
    if kept is not None:
        return kept
    from spinekg.graph.sparql.store import load_store
    from spinekg.graph.sparql.terms import default_prefixes

    store = load_store()  # a fresh build is kept by load_store; one this process held already, here
    try:
        missing = _read(served_path()) is None
    except OSError:
        missing = False
    if missing:
        keep(store)
    return store, default_prefixes()


def _read(path: Path) -> tuple[dict, bytes] | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    head, _, body = data.partition(b"\n")
    try:
        meta = json.loads(head[len(MAGIC):]) if head.startswith(MAGIC) else None
        if meta and meta["sha256"] == hashlib.sha256(body).hexdigest():
            prefixes = meta["prefixes"]
            if isinstance(prefixes, dict) and all(isinstance(v, str) for v in prefixes.values()):
                return prefixes, body
    except (ValueError, KeyError, TypeError):
        pass
    return None  # damaged: built again and replaced


def _write(path: Path, prefixes: dict, body: bytes) -> None:
    from spinekg.graph.atomicfile import write_file_atomic
    from spinekg.graph.errors import SpinekgError
    from spinekg.graph.userdata import any_damaged

    if any_damaged():
        return  # built without a damaged import: not kept, so the warning is seen again
    head = MAGIC + json.dumps({"sha256": hashlib.sha256(body).hexdigest(), "prefixes": prefixes}).encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob(f"served-{FORMAT}-*.nt"):
            if old != path:
                old.unlink(missing_ok=True)
        write_file_atomic(path, head + b"\n" + body, force=True)
    except (OSError, SpinekgError):
        pass  # the file is an optimisation only
