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
    """A rule's keys for one store: per code its signature; per signature, for each keyed facet,
    its rest key; signatures sharing a rest key listed together. Codes of one signature are kept
    together: a big data set repeats a few hundred facet combinations over many codes, so the
    keys are worked out once per combination. Built once per store, held in memory only."""

    def __init__(self, rule: PairRule, signature: dict, codes_of: dict, rests: dict, members: dict):
        self.rule, self.signature, self.codes_of, self.rests, self.members = rule, signature, codes_of, rests, members

    def pairs(self, code: str | None) -> list[tuple[str, str, str]]:
        """(code, facet, other) for the codes one keyed facet apart from `code` (an N-Triples
        IRI; None: every code), found by the keys."""
        names = self.rule.facet_names
        out = []
        for c in ([code] if code is not None else self.signature):
            sig = self.signature.get(c)
            if sig is None:
                continue
            for i, rest in self.rests[sig]:
                for other in self.members[rest]:
                    if other != sig:
                        out.extend((c, names[i], o) for o in self.codes_of[other])
        return out


def _facet_values(store, rule: PairRule) -> tuple[dict, list]:
    """({code IRI: [value number, ...]}, the facet of each value number) for the rule's facets;
    a value number stands for a (facet, value) pair. One query, grouped by property and value:
    Oxigraph joins and groups the ~100k rows of a million-triple set, Python reads a few hundred
    rows (one per facet value) and splits their code lists, instead of a term object per triple."""
    facet_of: dict = {}  # property -> the numbers of the facets it counts for
    names = rule.facet_names
    for p, f in rule.facets:
        facet_of.setdefault(p, []).append(names.index(f))
    props = " ".join(f"<{p}>" for p in facet_of)
    # the kind counts only as "is an add-on" (the queries' FILTER): only that type is read;
    # GROUP_CONCAT of IRIs (no spaces in an IRI) keeps each value's codes in one string
    query = (f"SELECT ?p ?v (GROUP_CONCAT(STR(?c); separator=' ') AS ?cs) WHERE {{ VALUES ?p {{ {props} }} "
             f"?c ?p ?v . FILTER(isIRI(?c) && (?p != <{RDF_TYPE}> || ?v = <{ADDON}>)) }} GROUP BY ?p ?v")
    ids: dict = {}  # (facet number, N-Triples value) -> value number
    items: dict = {}
    for row in store.query(query):
        value = str(row[1])
        mine = [ids.setdefault((i, value), len(ids)) for i in facet_of[row[0].value]]
        for c in row[2].value.split(" "):
            got = items.get(c)
            if got is None:
                items[c] = list(mine)
            else:
                got += mine
    facet_of_id = [0] * len(ids)
    for (i, _), n in ids.items():
        facet_of_id[n] = i
    return items, facet_of_id


def build_index(store, rule: PairRule) -> PairIndex | None:
    """The rule's keys over a store's default graph (codes = its sk:ProcedureCode nodes); None
    when a code is a blank node (no name to key it by: the query then runs as written)."""
    import pyoxigraph as ox

    dg = ox.DefaultGraph()
    codes = [q.subject for q in store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), ox.NamedNode(PROCEDURE_CODE), dg)]
    if any(not isinstance(c, ox.NamedNode) for c in codes):
        return None
    items, facet_of_id = _facet_values(store, rule)
    names = rule.facet_names
    keyed = [i for i, f in enumerate(names) if rule.only is None or f == rule.only]
    # a code's key: its value numbers sorted, so equal keys = equal value multisets per facet (a
    # facet's values merged over its properties); a rest key leaves one facet's values out
    sigs: dict = {}  # key -> signature number
    signature, codes_of = {}, {}
    for node in set(codes):
        sig = sigs.setdefault(tuple(sorted(items.get(node.value, ()))), len(sigs))
        c = f"<{node.value}>"  # N-Triples strings as keys: hashing a pyoxigraph term costs ~10x more
        signature[c] = sig
        codes_of.setdefault(sig, []).append(c)
    rest_ids: dict = {}
    rests, members = {}, {}
    for key, sig in sigs.items():
        mine = []
        for i in keyed:
            rid = rest_ids.setdefault((i, tuple(n for n in key if facet_of_id[n] != i)), len(rest_ids))
            members.setdefault(rid, []).append(sig)
            mine.append((i, rid))
        rests[sig] = mine
    return PairIndex(rule, signature, codes_of, rests, members)
