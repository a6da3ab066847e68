"""The whole graph (ontology + data + implied triples) as Turtle, N-Triples or JSON-LD.

Output is deterministic: Turtle is rdflib's `longturtle` (sorted subjects and objects),
N-Triples is sorted line by line, JSON-LD nodes and values are sorted; any blank nodes are
relabelled canonically first so their ids do not change between runs.
"""
from __future__ import annotations

import json

from spinekg.exports.registry import ExportSource, Output


def subset_graph(g, codes):
    """Ontology + the given codes + the range groups above them; other codes and groups dropped."""
    from rdflib import RDF, Graph
    from rdflib.namespace import SKOS

    from spinekg.ontology.namespaces import SK

    wanted = set(codes)
    all_codes = set(g.subjects(RDF.type, SK.ProcedureCode))
    kept_codes = {n for n in all_codes if str(g.value(n, SKOS.notation)) in wanted}
    kept_groups = set()
    frontier = [o for n in kept_codes for o in g.objects(n, SKOS.broader)]
    while frontier:
        grp = frontier.pop()
        if grp not in kept_groups:
            kept_groups.add(grp)
            frontier.extend(g.objects(grp, SKOS.broader))
    drop = (all_codes - kept_codes) | (set(g.subjects(RDF.type, SK.CodeGroup)) - kept_groups)
    # a reified link about a dropped code goes with it
    drop |= {st for st in g.subjects(RDF.type, SK.LinkStatement)
             if g.value(st, RDF.subject) in drop or g.value(st, RDF.object) in drop}
    out = Graph()
    for prefix, ns in g.namespaces():
        out.bind(prefix, ns, override=True)
    for s, p, o in g:
        if s not in drop and o not in drop:
            out.add((s, p, o))
    return out


def stable(g):
    """The graph with blank nodes relabelled canonically (unchanged if it has none)."""
    from rdflib import BNode, Graph
    from rdflib.compare import to_canonical_graph

    if not any(isinstance(t, BNode) for triple in g for t in (triple[0], triple[2])):
        return g
    c = Graph()  # to_canonical_graph answers a read-only aggregate, which cannot bind prefixes
    for triple in to_canonical_graph(g):
        c.add(triple)
    for prefix, ns in g.namespaces():
        c.bind(prefix, ns, override=True)
    return c


def turtle_bytes(g) -> bytes:
    return stable(g).serialize(format="longturtle", encoding="utf-8")


def write_turtle(source: ExportSource) -> Output:
    g = source.rdf()
    return Output(data=turtle_bytes(g), counts={"triples": len(g)})


def write_nt(source: ExportSource) -> Output:
    g = source.rdf()
    text = stable(g).serialize(format="nt", encoding="utf-8").decode("utf-8")
    lines = sorted(line for line in text.splitlines() if line.strip())
    return Output(data=("\n".join(lines) + "\n").encode("utf-8"), counts={"triples": len(g)})


def _sorted_jsonld(value):
    if isinstance(value, dict):
        return {k: _sorted_jsonld(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_sorted_jsonld(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


def write_jsonld(source: ExportSource) -> Output:
    """Compact JSON-LD with the project's prefixes as @context, one node object per subject."""
    from rdflib.plugins.serializers.jsonld import JsonLDSerializer  # rdflib's own, whatever plugins say

    from spinekg.ontology.namespaces import PREFIXES

    g = stable(source.rdf())
    context = dict(sorted(PREFIXES.items()))
    import io

    buf = io.BytesIO()
    JsonLDSerializer(g).serialize(buf, encoding="utf-8", context=context, auto_compact=True)
    doc = json.loads(buf.getvalue())
    nodes = doc.get("@graph", [doc] if "@id" in doc else [])
    nodes = sorted((_sorted_jsonld({k: v for k, v in n.items() if k != "@context"}) for n in nodes),
                   key=lambda n: n.get("@id", ""))
    out = {"@context": context, "@graph": nodes}
    text = json.dumps(out, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    return Output(data=text.encode("utf-8"), counts={"triples": len(g)})
