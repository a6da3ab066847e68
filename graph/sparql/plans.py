"""Faster equivalents of saved queries for the embedded Oxigraph store (what the engine runs).

A saved query's text stays standard SPARQL over the plain data, so rdflib, `push`ed servers and
any SPARQL 1.1 endpoint answer it as written. For a read-only store (the shipped one, or one an
engine is told nothing changes), OxigraphEngine runs the plan below instead: the pairs of codes
the facet keys of graph/precompute.py find, as a VALUES block, joined by SPARQL with the labels
(and regions) and ordered as the saved query orders them. The same answer: tests/test_precompute.py
compares both on every code. A query the keys do not cover runs as written.

Two more kinds of plan: VALUES_FIRST below (a parameter Oxigraph reads better as a leading VALUES
row), and the aggregate queries' plans of graph/sparql/plans_aggregate.py, which compute their
answer in Python over per-store property tables (graph/sparql/plans_facts.py). Both are tied to
the exact text they were proven on by fingerprint().
"""
from __future__ import annotations

import functools
import threading

from spinekg.graph.sparql.per_store import KEPT_STORES, PerStore

SKOS_LABEL = "<http://www.w3.org/2004/02/skos/core#prefLabel>"
_lock = threading.Lock()
_indexes = PerStore(KEPT_STORES)  # store -> {rule name: PairIndex | None}


def _one_facet_apart(rows: str) -> str:
    return f"""SELECT DISTINCT ?code ?facet ?other ?label
WHERE {{
  VALUES (?code ?facet ?other) {{ {rows} }}
  ?other {SKOS_LABEL} ?label .
}}
ORDER BY ?code ?facet ?other"""


def _same_operation_other_regions(rows: str) -> str:
    return f"""SELECT DISTINCT ?code ?sibling ?region ?label
WHERE {{
  VALUES (?code ?sibling) {{ {rows} }}
  ?sibling {SKOS_LABEL} ?label ;
           <https://w3id.org/spinekg/ontology#region> ?r .
  ?r {SKOS_LABEL} ?rl .
  BIND (STR(?rl) AS ?region)
}}
ORDER BY ?code ?sibling ?region"""


def _literal(text: str) -> str:
    import pyoxigraph as ox

    return str(ox.Literal(text))


def _rows_one_facet_apart(pairs) -> str:
    return " ".join(f"({c} {_literal(f)} {o})" for c, f, o in pairs)


def _rows_same_operation(pairs) -> str:
    return " ".join(f"({c} {o})" for c, _, o in pairs)


BUILDERS = {"one-facet-apart": (_one_facet_apart, _rows_one_facet_apart, "code"),
            "same-operation-other-regions": (_same_operation_other_regions, _rows_same_operation, "code")}


_PAIRWISE: tuple = (None, {})  # (the saved library it was read from, {saved text: query name})
_RULES: tuple = (None, {})  # (the saved library it was read from, {query name: its rule})


def _pairwise() -> dict:
    """{saved text: name} of the pairwise queries as the library has them, read again only when
    the library is (kept per process). Every other query (most of them, and every cold CLI query
    but these two) skips graph.precompute's import and rules (~4 ms)."""
    global _PAIRWISE
    from spinekg.graph.sparql.saved import saved_queries

    lib = saved_queries()
    if _PAIRWISE[0] is not lib:
        _PAIRWISE = (lib, {lib[name].text: name for name in BUILDERS if name in lib})
    return _PAIRWISE[1]


def _rule(name: str):
    """The precompute rule of a pairwise query (None: its text no longer has the rule's shape)."""
    global _RULES
    from spinekg.graph.sparql.saved import saved_queries

    lib = saved_queries()
    if _RULES[0] is not lib:
        from spinekg.graph import precompute

        _RULES = (lib, {r.name: r for r in precompute.rules() if r.name in BUILDERS})
    return _RULES[1].get(name)


def _index(store, rule):
    """The rule's keys for `store`, built by its first planned call, bound or not (None: none, the
    query runs as written). A call for one code builds every code's keys too: ~10 ms on the
    shipped store and ~0.5 s at a million triples (graph/precompute.py), where the text as
    written takes 0.4-0.7 s for each code it is asked about, and the keys serve every later call."""
    from spinekg.graph import precompute

    built = _indexes.get(store, dict)
    with _lock:
        if rule.name not in built:
            built[rule.name] = precompute.build_index(store, rule)
        return built[rule.name]


def plan_for(store, text: str, bindings: dict) -> str | None:
    """The plan's text, its parameter already in the VALUES rows, or None (not a planned query,
    or a parameter other than the code: then the query runs as written). Only for stores that
    do not change: the keys are kept for the store's life."""
    from spinekg.graph.sparql.terms import to_ox

    name = _pairwise().get(text)
    rule = None if name is None else _rule(name)
    if rule is None:
        return _values_first(text, bindings)
    build, rows, param = BUILDERS[rule.name]
    if set(bindings) - {param}:
        return None
    term = bindings.get(param)
    index = _index(store, rule)
    if index is None:
        return None
    if term is None:
        pairs = index.pairs(None)
    else:  # a value that is no IRI names no code: no pairs, as the query finds none
        pairs = index.pairs(str(to_ox(term))) if term.kind == "uri" else []
    return build(rows(pairs))


@functools.lru_cache(maxsize=256)
def fingerprint(text: str) -> str:
    """A hash of the query's tokens (graph/sparql/lexer.py), comments and spacing aside: what ties
    a plan to the exact query it was written for and proven equal to."""
    import hashlib

    from spinekg.graph.sparql.lexer import tokenize

    try:
        tokens = tokenize(text)
    except Exception:  # noqa: BLE001 (not readable as SPARQL: no plan)
        return ""
    return hashlib.sha256("\x00".join(t.text for t in tokens).encode("utf-8", "surrogatepass")).hexdigest()[:24]


# Saved queries whose parameter Oxigraph joins better as a leading VALUES row than as a
# substitution (it then starts from the parameter's few triples, not from every code): the
# query's fingerprint() -> (name, parameter). The same answer:
# one row of VALUES joined with the query's top-level group is what binding the variable means
# (tests/test_plans_values.py compares both for every value).
VALUES_FIRST = {"31cb3d634b36d7a1b1fc313f": ("codes-by-approach", "approach")}


_VALUES_PARAMS = {param for _, param in VALUES_FIRST.values()}


def _values_first(text: str, bindings: dict) -> str | None:
    from spinekg.graph.sparql.terms import to_ox

    if len(bindings) != 1 or not _VALUES_PARAMS.issuperset(bindings):  # the usual case: no lexing
        return None
    entry = VALUES_FIRST.get(fingerprint(text))
    if entry is None or set(bindings) != {entry[1]}:
        return None
    term = bindings[entry[1]]
    if term.kind != "uri":  # literals and blank nodes keep the substitution (no escaping questions)
        return None
    at = _where_body(text)
    return None if at is None else f"{text[:at]} VALUES ?{entry[1]} {{ {to_ox(term)} }}{text[at:]}"


@functools.lru_cache(maxsize=64)
def _where_body(text: str) -> int | None:
    """The offset just inside the WHERE clause's opening brace (lexing costs ~0.3 ms: kept)."""
    from spinekg.graph.sparql.lexer import tokenize

    tokens = tokenize(text)
    for a, b in zip(tokens, tokens[1:]):
        if a.kind == "word" and a.text.upper() == "WHERE" and b.text == "{":
            return b.start + 1
    return None
