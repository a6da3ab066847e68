"""The Oxigraph store: the same graph as graph.load.load_graph(), built once per process."""
from __future__ import annotations

import threading
from pathlib import Path

MATERIALISE = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX sk: <https://w3id.org/spinekg/ontology#>
INSERT { ?x a ?super } WHERE { ?x a ?class . ?class rdfs:subClassOf+ ?super } ;
INSERT { ?primary sk:hasAddOn ?addon } WHERE { ?addon sk:addOnTo ?primary } ;
INSERT { ?g skos:topConceptOf sk:SpineCodes . sk:SpineCodes skos:hasTopConcept ?g }
WHERE { ?g a sk:CodeGroup FILTER NOT EXISTS { ?g skos:broader ?parent } }
"""


def user_triples() -> bytes:
    """The user's imports (licensed descriptors, CMS edits) as N-Triples, made by the same code
    graph.load uses; empty (and rdflib never imported) when there are none."""
    from spinekg.graph.userdata import user_files

    if not user_files():
        return b""
    from rdflib import Graph

    from spinekg.graph.load import add_user_data

    g, edits = Graph(), []  # the edits come as text: rdflib's Graph.add would take ~30 us each
    add_user_data(g, ntriples=edits)
    return g.serialize(format="nt", encoding="utf-8") + "".join(edits).encode("utf-8")


def build_store(extra: list[Path] | None = None, *, user_data: bool = True):
    """A pyoxigraph Store of ontology + data (+ the user's imports, + extra Turtle files), with
    the implied triples graph.load.materialise adds: the same graph as graph.load.load_graph()
    (a test proves it), without rdflib's 200 ms parse."""
    import pyoxigraph as ox

    from spinekg.graph.load import source_files

    store = ox.Store()
    for path in [*source_files(), *(extra or [])]:
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    if user_data:
        extra_nt = user_triples()
        if extra_nt:
            store.load(extra_nt, format=ox.RdfFormat.N_TRIPLES)
    store.update(MATERIALISE)
    return store


_STORES: dict = {}  # graph_version() -> the store load_store() hands out (the last two versions)
_LOCK = threading.Lock()  # one build per process, whichever thread asks first (see prefetch)
_PREFETCHING: list = []  # [True] once prefetch() started its thread
PREFETCH_SWITCH_INTERVAL = 0.0005  # seconds: sys.setswitchinterval while prefetch() reads


def leave_at_exit() -> None:
    """As the process ends (spinekg.cli_app._end, just before it freezes the collector): the stores
    held here go into a reference cycle the frozen collector never visits, so the shutdown does
    not free them one allocation at a time (~10 ms for the shipped graph; the OS takes the
    memory back at once). An in-memory store has nothing to flush."""
    cycle: list = list(_STORES.values())
    cycle.append(cycle)


def _remember(version: tuple, store) -> None:
    _STORES[version] = store
    while len(_STORES) > 2:
        _STORES.pop(next(iter(_STORES)))


def is_shared(store) -> bool:
    """Whether `store` is one load_store() handed out (read-only by contract)."""
    return any(store is s for s in _STORES.values())


def load_store():
    """The shipped graph (+ the user's imports) in Oxigraph, built once per process (again only
    if the imports change): read from the copy a previous process kept in the cache folder
    (graph.sparql.served_store, ~50 ms), else built from the sources (~100 ms) and kept.
    Treat it as read-only."""
    from spinekg.graph.load import graph_version
    from spinekg.graph.sparql import served_store

    with _LOCK:
        version = graph_version()
        store = _STORES.get(version)
        if store is None:
            kept = served_store.kept_store()
            store = kept[0] if kept is not None else None
            if store is None:
                store = build_store()
                served_store.keep(store)
            _remember(version, store)
        return store


def prefetch() -> threading.Thread | None:
    """Start reading the kept copy of the store on a thread, for a caller that needs load_store()
    after other work: pyoxigraph parses without the GIL, so the two overlap on two cores. Only
    a kept copy is read there; without one (or with a damaged one) nothing is built or written on
    that thread, so a command that fails early leaves nothing behind, and load_store() builds.
    Where the copy is, is worked out first on the caller's thread (_locate_kept_copy)."""
    if _PREFETCHING:
        return None
    _PREFETCHING.append(True)
    import sys

    # The thread's own Python work before the parse (checking the cache key, the read) gets the
    # GIL back after each file access only when the main thread, busy importing click, lets go:
    # at the latest after the switch interval, 5 ms by default. A shorter one while it runs
    # starts the parse sooner; it is restored when the thread ends.
    previous = sys.getswitchinterval()
    sys.setswitchinterval(min(previous, PREFETCH_SWITCH_INTERVAL))

    def run():
        try:
            from spinekg.graph.load import graph_version
            from spinekg.graph.sparql import served_store

            with _LOCK:
                version = graph_version()
                if version not in _STORES:
                    kept = served_store.kept_store()
                    if kept is not None:
                        _remember(version, kept[0])
        except Exception:  # noqa: BLE001 (load_store() on the caller's thread meets it again)
            pass
        finally:
            sys.setswitchinterval(previous)

    # pyoxigraph is mapped on a thread of its own, while this one imports the cache's modules
    threading.Thread(target=_preload_engine, name="spinekg-engine-preload", daemon=True).start()
    _locate_kept_copy()
    thread = threading.Thread(target=run, name="spinekg-store-prefetch", daemon=True)
    thread.start()
    return thread


def _locate_kept_copy() -> None:
    """Where the kept copy is (served_store.served_path: the cache's modules, pyoxigraph's import
    and the hash of every source file), worked out on the caller's thread before the prefetch
    thread starts. It is Python work either thread would do holding the GIL, and on the thread
    it went at the pace the caller's own imports let go of the GIL: in a traced start the parse
    began ~75 ms in, and the caller waited ~20 ms for the store. Done first, the parse begins
    ~40 ms in and overlaps the caller's imports. The key is kept for the thread (graph.compiled keeps
    it per file signature); any failure is the thread's to meet again."""
    try:
        from spinekg.graph.sparql import served_store

        served_store.served_path()
    except Exception:  # noqa: BLE001 (the prefetch is an optimisation: the thread meets it again)
        pass


def _preload_engine() -> bool:
    """Map pyoxigraph's extension (20 MB of Rust) with libc's dlopen called through ctypes, which
    lets go of the GIL while the loader relocates it (~4 ms): the import that follows finds it
    loaded, where Python's own dlopen would hold the GIL the CLI's main thread is importing with.
    ctypes is the sandbox's anyway. Any failure only leaves the load to the import."""
    import os
    import sys

    try:
        from importlib.machinery import EXTENSION_SUFFIXES, PathFinder

        spec = PathFinder.find_spec("pyoxigraph")  # finds the package, imports nothing
        folders = list(spec.submodule_search_locations or []) if spec is not None else []
        path = next((p for p in (os.path.join(f, "pyoxigraph" + s) for f in folders for s in EXTENSION_SUFFIXES)
                     if os.path.isfile(p)), None)
        if path is None or "pyoxigraph" in sys.modules:
            return False
        import ctypes

        dlopen = ctypes.CDLL(None).dlopen
        dlopen.restype, dlopen.argtypes = ctypes.c_void_p, (ctypes.c_char_p, ctypes.c_int)
        return bool(dlopen(os.fsencode(path), sys.getdlopenflags()))  # the flags the import uses
    except (AttributeError, ImportError, OSError, ValueError):
        return False


def store_ntriples(store=None) -> bytes:
    """The default graph of a store as N-Triples (what `push` sends)."""
    import pyoxigraph as ox

    store = store if store is not None else load_store()
    triples = (q.triple for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)

