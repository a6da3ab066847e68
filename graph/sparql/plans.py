"""Faster equivalents of saved queries for the embedded Oxigraph store (what the engine runs).

A saved query's text stays standard SPARQL over the plain data, so rdflib, `push`ed servers and
any SPARQL 1.1 endpoint answer it as written. Where the store holds the facet keys of
graph/precompute.py (with the current fingerprint), OxigraphEngine runs the plan below instead:
the same answer (tests/test_precompute.py compares both on every code), read from the keys
rather than recomputed pair by pair. A store without the keys (a plain pyoxigraph Store, a
dataset built by another version) runs the saved text. Plans bind their parameters as a VALUES
block (see bind).
"""
from __future__ import annotations

import threading

from spinekg.graph.precompute import DERIVED_GRAPH, NS, PairRule


def _one_facet_apart(r: PairRule) -> str:
    return f"""SELECT DISTINCT ?code ?facet ?other ?label
WHERE {{
  GRAPH <{DERIVED_GRAPH}> {{
    ?code <{r.iri("rest")}> ?rest .
    ?other <{r.iri("rest")}> ?rest .
    ?code <{r.iri("signature")}> ?signature .
    FILTER NOT EXISTS {{ ?other <{r.iri("signature")}> ?signature }}
    ?rest <{NS}facet> ?facet .
  }}
  ?other <http://www.w3.org/2004/02/skos/core#prefLabel> ?label .
}}
ORDER BY ?code ?facet ?other"""


def _same_operation_other_regions(r: PairRule) -> str:
    return f"""SELECT DISTINCT ?code ?sibling ?region ?label
WHERE {{
  GRAPH <{DERIVED_GRAPH}> {{
    ?code <{r.iri("rest")}> ?rest .
    ?sibling <{r.iri("rest")}> ?rest .
    ?code <{r.iri("signature")}> ?signature .
    FILTER NOT EXISTS {{ ?sibling <{r.iri("signature")}> ?signature }}
  }}
  ?sibling <http://www.w3.org/2004/02/skos/core#prefLabel> ?label ;
           <https://w3id.org/spinekg/ontology#region> ?r .
  ?r <http://www.w3.org/2004/02/skos/core#prefLabel> ?rl .
  BIND (STR(?rl) AS ?region)
}}
ORDER BY ?code ?sibling ?region"""


BUILDERS = {"one-facet-apart": _one_facet_apart, "same-operation-other-regions": _same_operation_other_regions}


def bind(plan: str, bindings: dict) -> str:
    """The plan with its parameters as a VALUES block opening the WHERE group: Oxigraph plans the
    joins knowing the value (with `substitutions` it orders them as if unbound: 100x slower
    here). Terms are written by pyoxigraph, fully escaped; plans have one top-level WHERE."""
    if not bindings:
        return plan
    names = sorted(bindings)
    block = "VALUES (" + " ".join("?" + n for n in names) + ") { (" + " ".join(bindings[n].n3() for n in names) + ") }"
    head, sep, body = plan.partition("WHERE {")
    return f"{head}{sep}\n  {block}{body}"


_lock = threading.Lock()


def plan_for(store, text: str) -> str | None:
    """The plan for a saved query's text on this store, or None (not a planned query, or no keys).
    The shared store (graph.sparql.store.load_store) gets its keys here, on the first planned
    query (~10-20 ms once): a process that never asks one pays nothing."""
    from spinekg.graph import precompute

    rule = _planned().get(text)
    if rule is None:
        return None
    if precompute.derived_fingerprint(store) != precompute.fingerprint() and not _derive_shared(store):
        return None
    return BUILDERS[rule.name](rule)


def _planned() -> dict:
    from spinekg.graph import precompute
    from spinekg.graph.sparql.saved import saved_queries

    lib = saved_queries()
    return {lib[r.name].text: r for r in precompute.rules() if r.name in BUILDERS and r.name in lib}


def _derive_shared(store) -> bool:
    from spinekg.graph import precompute
    from spinekg.graph.sparql.store import load_store

    if store is not load_store():
        return False  # a caller's store: theirs to derive (build_store(derived=True)), not ours to change
    with _lock:
        if precompute.derived_fingerprint(store) != precompute.fingerprint():
            precompute.add_derived(store)
    return precompute.derived_fingerprint(store) == precompute.fingerprint()


def plans_for(store) -> dict[str, str]:
    """{saved query text: plan text} for every plan this store can run now (empty without its keys)."""
    from spinekg.graph import precompute

    if precompute.derived_fingerprint(store) != precompute.fingerprint():
        return {}
    return {text: BUILDERS[r.name](r) for text, r in _planned().items()}
