"""Facet keys derived from the data, for the pairwise saved queries.

`one-facet-apart` and `same-operation-other-regions` compare every candidate pair of codes facet
by facet (one EXISTS per property per pair), which costs milliseconds even on the shipped graph.
Both ask one question: which codes differ from a code in exactly one facet of a list? Two keys
per code answer it, computed once per store:

* the *signature*: a number standing for every facet's value set (two codes with the same
  signature differ in no facet);
* for a facet f, the *rest key*: a number standing for every facet's value set but f's (two codes
  with the same rest key for f and different signatures differ in f alone).

The keys live in memory beside the store (graph/sparql/plans.py builds them on the first planned
query of a read-only store, the shipped one again whenever the data or the user's imports
change) and never in it: the graph users query, push and export is unchanged. The plans hand the
pairs the keys find to SPARQL, which adds the labels, regions and order as the saved query does.

The facet list of each rule is read from its saved query's `VALUES (?p ?f)` block, so a facet
added to the query (imaging, agent, device, ...) is added to the keys; a query whose shape no
longer matches (no such block, or the kind compared differently) gets no keys and runs as written.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

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


class PairIndex:
    """A rule's keys for one store: per code its signature and, for each keyed facet, its rest
    key; codes sharing a rest key listed together. Built once per store, held in memory only."""

    def __init__(self, rule: PairRule, signature: dict, rests: dict, members: dict):
        self.rule, self.signature, self.rests, self.members = rule, signature, rests, members

    def pairs(self, code: str | None) -> list[tuple[str, str, str]]:
        """(code, facet, other) for the codes one keyed facet apart from `code` (an N-Triples
        IRI; None: every code), found by the keys."""
        names = self.rule.facet_names
        out = []
        for c in ([code] if code is not None else self.signature):
            sig = self.signature.get(c)
            if sig is None:
                continue
            for i, rest in self.rests[c]:
                out.extend((c, names[i], o) for o in self.members[rest] if self.signature[o] != sig)
        return out


def build_index(store, rule: PairRule) -> PairIndex | None:
    """The rule's keys over a store's default graph (codes = its sk:ProcedureCode nodes); None
    when a code is a blank node (no name to key it by: the query then runs as written)."""
    import pyoxigraph as ox

    dg = ox.DefaultGraph()
    # N-Triples strings as keys: hashing a pyoxigraph term costs ~10x more
    codes = {str(q.subject) for q in store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), ox.NamedNode(PROCEDURE_CODE), dg)}
    if any(not c.startswith("<") for c in codes):
        return None
    values: dict = {}  # property -> {code: set of N-Triples terms}
    for p, _ in rule.facets:
        if p in values:
            continue
        # the kind counts only as "is an add-on" (the queries' FILTER): read just that type
        obj = ox.NamedNode(ADDON) if p == RDF_TYPE else None
        per: dict = {}
        for q in store.quads_for_pattern(None, ox.NamedNode(p), obj, dg):
            c = str(q.subject)
            if c in codes:
                per.setdefault(c, set()).add(str(q.object))
        values[p] = per
    names = rule.facet_names
    props_of = [[values[p] for p, g in rule.facets if g == f] for f in names]
    keyed = [i for i, f in enumerate(names) if rule.only is None or f == rule.only]
    sigs: dict = {}  # equal key tuples get the same number
    rest_ids: dict = {}
    signature, rests, members = {}, {}, {}
    for c in codes:
        keys = tuple(tuple(sorted([v for per in of for v in per.get(c, ())])) for of in props_of)
        signature[c] = sigs.setdefault(keys, len(sigs))
        mine = []
        for i in keyed:
            rid = rest_ids.setdefault((i, keys[:i], keys[i + 1:]), len(rest_ids))
            members.setdefault(rid, []).append(c)
            mine.append((i, rid))
        rests[c] = mine
    return PairIndex(rule, signature, rests, members)
