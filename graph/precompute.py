"""Facet signatures derived from the data, for the pairwise saved queries, in a side graph.

`one-facet-apart` and `same-operation-other-regions` compare every candidate pair of codes facet
by facet (one EXISTS per property per pair), which costs milliseconds even on the shipped graph.
Both ask one question: which codes differ from a code in exactly one facet of a list? That is
answered by two keys per code, computed once when a store is built:

* the *signature*: a node standing for every facet's value set (two codes with the same signature
  differ in no facet);
* for a facet f, the *rest key*: a node standing for every facet's value set but f's (two codes
  with the same rest key for f and different signatures differ in f alone).

The keys go into the named graph DERIVED_GRAPH of the same store (queries name it explicitly;
every user query runs on the default graph alone, so nothing here is visible to them, to `push`
or to the exports). graph/sparql/plans.py holds the query texts that read them.

The facet list of each rule is read from its saved query's `VALUES (?p ?f)` block, so a facet
added to the query (imaging, agent, device, ...) is added to the keys; a query whose shape no
longer matches (no such block, or the kind compared differently) gets no keys and runs as written.
Keys are derived by the rule from the store's own triples, whenever a store is built (the shipped
graph again whenever the data or the user's imports change, graph.sparql.store), never stored.
"""
from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass

DERIVED_GRAPH = "urn:spinekg:derived"
NS = "urn:spinekg:derived:"
RULES_FORMAT = "1"  # bump when the derivation below changes
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SK = "https://w3id.org/spinekg/ontology#"
ADDON = SK + "AddOnCode"
PROCEDURE_CODE = SK + "ProcedureCode"

# (saved query, the one facet a pair may differ in, or None for any)
RULES = (("one-facet-apart", None), ("same-operation-other-regions", "region"))

_VALUES = re.compile(r"VALUES\s*\(\s*\?p\s+\?f\s*\)\s*\{(?P<body>[^{}]*)\}", re.I)
_ROW = re.compile(r'\(\s*(?P<p><[^<>\s]*>|[A-Za-z][\w.-]*:[\w.-]*|a)\s+"(?P<f>[^"\\]*)"\s*\)')
_PREFIX = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^<>\s]*)>", re.I)
# the kind is compared as "is an add-on": the only rdf:type value the query counts
_KIND_FILTER = re.compile(r"\(\?p\s*!=\s*rdf:type\s*\|\|\s*\?x\s*=\s*sk:AddOnCode\)")


@dataclass(frozen=True)
class PairRule:
    name: str  # the saved query the keys serve
    facets: tuple[tuple[str, str], ...]  # (property IRI, facet name), as the query lists them
    only: str | None  # keep pairs that differ in this facet only (None: in any one facet)

    @property
    def facet_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f for _, f in self.facets))

    def iri(self, what: str) -> str:
        return f"{NS}{self.name}/{what}"


def facet_map(text: str) -> tuple[tuple[str, str], ...] | None:
    """The (property IRI, facet name) rows of a query's `VALUES (?p ?f)` block, prefixed names
    resolved; None when the query has no such block or compares the kind otherwise."""
    from spinekg.graph.sparql.terms import default_prefixes

    m = _VALUES.search(text)
    if m is None or len(_KIND_FILTER.findall(text)) != 2:
        return None
    prefixes = {**default_prefixes(), **{p or "": iri for p, iri in _PREFIX.findall(text)}}
    rows = []
    for row in _ROW.finditer(m.group("body")):
        p = row.group("p")
        if p == "a":
            iri = RDF_TYPE
        elif p.startswith("<"):
            iri = p[1:-1]
        else:
            prefix, _, local = p.partition(":")
            if prefix not in prefixes:
                return None
            iri = prefixes[prefix] + local
        rows.append((iri, row.group("f")))
    leftover = _ROW.sub("", m.group("body")).strip()
    return tuple(rows) if rows and not leftover else None


def rules() -> tuple[PairRule, ...]:
    """The rules whose saved query still has the shape they were written for."""
    from spinekg.graph.sparql.saved import saved_queries

    return _rules(tuple((name, saved_queries()[name].text) for name, _ in RULES if name in saved_queries()))


@functools.lru_cache(maxsize=4)
def _rules(texts: tuple) -> tuple[PairRule, ...]:
    only = dict(RULES)
    out = []
    for name, text in texts:
        facets = facet_map(text)
        if facets and (only[name] is None or only[name] in {f for _, f in facets}):
            out.append(PairRule(name, facets, only[name]))
    return tuple(out)


def fingerprint(rs: tuple[PairRule, ...] | None = None) -> str:
    """Names this derivation (format + every rule's facet list): a store whose keys carry
    another fingerprint is not read by the plans."""
    rs = rules() if rs is None else rs
    return hashlib.sha256(repr((RULES_FORMAT, rs)).encode()).hexdigest()[:24]


def derive(store, rs: tuple[PairRule, ...] | None = None) -> str:
    """The triples of DERIVED_GRAPH for a store's default graph (codes = its sk:ProcedureCode
    nodes), as N-Triples text. Empty when a code is a blank node (no name to key it by: the
    plans then stay off and the queries run as written)."""
    import pyoxigraph as ox

    rs = rules() if rs is None else rs
    dg = ox.DefaultGraph()
    # N-Triples strings as keys: hashing a pyoxigraph term costs ~10x more
    codes = {str(q.subject) for q in store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), ox.NamedNode(PROCEDURE_CODE), dg)}
    if any(not c.startswith("<") for c in codes):
        return ""
    props = {p for r in rs for p, _ in r.facets}
    values: dict = {}  # property -> {code: set of N-Triples terms}
    for p in props:
        # the kind counts only as "is an add-on" (the queries' FILTER): read just that type
        obj = ox.NamedNode(ADDON) if p == RDF_TYPE else None
        per: dict = {}
        for q in store.quads_for_pattern(None, ox.NamedNode(p), obj, dg):
            c = str(q.subject)
            if c in codes:
                per.setdefault(c, set()).add(str(q.object))
        values[p] = per
    lines = [f'<{DERIVED_GRAPH}> <{NS}fingerprint> "{fingerprint(rs)}" .\n']
    for r in rs:
        names = r.facet_names
        props_of = [[values[p] for p, g in r.facets if g == f] for f in names]
        rest_p, sig_p = f"<{r.iri('rest')}>", f"<{r.iri('signature')}>"
        keyed = [i for i, f in enumerate(names) if r.only is None or f == r.only]
        # equal key tuples get the same node, numbered as first met (a name within this store only)
        sigs: dict = {}
        rests: dict = {}
        for c in codes:
            keys = tuple(tuple(sorted([v for per in of for v in per.get(c, ())])) for of in props_of)
            sig = sigs.setdefault(keys, len(sigs))
            lines.append(f"{c} {sig_p} <{r.iri(f'signature/{sig}')}> .\n")
            for i in keyed:
                key = (i, keys[:i], keys[i + 1:])
                rest = rests.get(key)
                if rest is None:
                    rest = rests[key] = f"<{r.iri(f'rest/{len(rests)}')}>"
                    lines.append(f"{rest} <{NS}facet> {ox.Literal(names[i])} .\n")
                lines.append(f"{c} {rest_p} {rest} .\n")
    return "".join(lines)


def add_derived(store) -> None:
    """Replace the store's DERIVED_GRAPH by freshly derived keys."""
    import pyoxigraph as ox

    graph = ox.NamedNode(DERIVED_GRAPH)
    if any(True for _ in store.quads_for_pattern(None, None, None, graph)):
        store.remove_graph(graph)
    text = derive(store)
    if text:
        store.bulk_load(text, format=ox.RdfFormat.N_TRIPLES, to_graph=graph)


def derived_fingerprint(store) -> str | None:
    """The fingerprint of the keys a store holds (None: none)."""
    import pyoxigraph as ox

    graph = ox.NamedNode(DERIVED_GRAPH)
    for q in store.quads_for_pattern(graph, ox.NamedNode(NS + "fingerprint"), None, graph):
        return q.object.value
    return None
