"""Keep the curated Turtle canonical: labels recomposed from facts, files in rdflib's longturtle form.

    python -m spinekg.graph.curate          rewrite graph/data/*.ttl in canonical form
    python -m spinekg.graph.curate --check  exit 1 and name each file that is not canonical
"""
from __future__ import annotations

import sys
from pathlib import Path

from spinekg.graph.load import data_files


def facet_names():
    """Map each sk: IRI of the ontology to its short name (skos:prefLabel)."""
    from rdflib import Graph
    from rdflib.namespace import SKOS

    from spinekg.graph.load import ontology_files

    onto = Graph()
    for path in ontology_files():
        onto.parse(path, format="turtle")
    return {s: str(o) for s, o in onto.subject_objects(SKOS.prefLabel)}


def relabel(g, names) -> int:
    """Set every code's skos:prefLabel to the label composed from its facts; return how many changed."""
    from rdflib import RDF, Literal
    from rdflib.namespace import SKOS

    from spinekg.graph.labels import LabelFacts, compose_label
    from spinekg.graph.model import FACETS, counting_of
    from spinekg.ontology.namespaces import SK

    from dataclasses import fields

    label_keys = {f.name for f in fields(LabelFacts)}
    changed = 0
    for node in set(g.subjects(RDF.type, SK.PrimaryCode)) | set(g.subjects(RDF.type, SK.AddOnCode)):
        facts = {key: tuple(sorted(names[o] for o in g.objects(node, SK[prop])))
                 for key, (prop, _) in FACETS.items() if key in label_keys}
        unit = g.value(node, SK.unit)
        mn, mx = g.value(node, SK.minUnits), g.value(node, SK.maxUnits)
        label = compose_label(LabelFacts(
            **facts, unit=names[unit] if unit is not None else None,
            min_units=int(mn) if mn is not None else None, max_units=int(mx) if mx is not None else None,
            counting=counting_of(g, node),
        ))
        new = Literal(label, lang="en")
        if g.value(node, SKOS.prefLabel) != new:
            g.set((node, SKOS.prefLabel, new))
            changed += 1
    return changed


def canonical_text(g) -> str:
    from spinekg.ontology.namespaces import PREFIXES

    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True)
    return g.serialize(format="longturtle")


def canonicalise(path: Path, names) -> str:
    from rdflib import Graph

    g = Graph().parse(path, format="turtle")
    relabel(g, names)
    return canonical_text(g)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    names = facet_names()
    stale = []
    for path in data_files():
        text = canonicalise(path, names)
        if path.read_text(encoding="utf-8") != text:
            stale.append(path)
            if not check:
                path.write_text(text, encoding="utf-8")
    if check and stale:
        for path in stale:
            print(f"{path}: not canonical; run `python -m spinekg.graph.curate`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
