"""The Oxigraph store: the same graph as graph.load.load_graph(), built once per process."""
from __future__ import annotations

import functools
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

    g = Graph()
    add_user_data(g)
    return g.serialize(format="nt", encoding="utf-8")


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


_SHARED: list = []  # the stores _load_store holds (so is_shared never builds one)


@functools.lru_cache(maxsize=2)
def _load_store(version: tuple):
    store = build_store()
    _SHARED[:] = [*_SHARED[-1:], store]
    return store


def is_shared(store) -> bool:
    """Whether `store` is one load_store() handed out (read-only by contract)."""
    return any(store is s for s in _SHARED)


def load_store():
    """The shipped graph (+ the user's imports) in Oxigraph, built once per process (again only
    if the imports change). Treat it as read-only."""
    from spinekg.graph.load import graph_version

    return _load_store(graph_version())


def store_ntriples(store=None) -> bytes:
    """The default graph of a store as N-Triples (what `push` sends)."""
    import pyoxigraph as ox

    store = store if store is not None else load_store()
    triples = (q.triple for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)

