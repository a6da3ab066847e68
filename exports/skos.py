"""A SKOS-only concept scheme: the codes and range groups, nothing of the spinekg vocabulary.

Each concept keeps its notation, prefLabel, definition (where there is one; a user's own licensed
descriptor, when loaded, becomes the code's definition), broader and narrower, inScheme,
topConceptOf and exactMatch. Tools that only know SKOS (Skosmos, VocBench, iQvoc) read it as is.
"""
from __future__ import annotations

from spinekg.exports.registry import ExportSource, Output

# SKOS properties copied from the graph (narrower and hasTopConcept are added as inverses)
COPIED = ("notation", "prefLabel", "altLabel", "definition", "scopeNote", "broader", "inScheme",
          "topConceptOf", "exactMatch", "closeMatch")


def skos_graph(g, records=()):
    from rdflib import RDF, Graph, Literal
    from rdflib.namespace import SKOS

    from spinekg.ontology.namespaces import SK

    scheme = SK.SpineCodes
    concepts = set(g.subjects(RDF.type, SK.ProcedureCode)) | set(g.subjects(RDF.type, SK.CodeGroup))
    out = Graph()
    out.bind("skos", SKOS, override=True)
    for prefix in ("sk", "cpt", "grp"):
        ns = dict(g.namespaces()).get(prefix)
        if ns is not None:
            out.bind(prefix, ns, override=True)
    out.add((scheme, RDF.type, SKOS.ConceptScheme))
    for p in (SKOS.prefLabel, SKOS.definition):
        for o in g.objects(scheme, p):
            out.add((scheme, p, o))
    for c in concepts:
        out.add((c, RDF.type, SKOS.Concept))
        out.add((c, SKOS.inScheme, scheme))
        for name in COPIED:
            for o in g.objects(c, SKOS[name]):
                if name in ("broader",) and o not in concepts:
                    continue
                out.add((c, SKOS[name], o))
        for parent in g.objects(c, SKOS.broader):
            if parent in concepts:
                out.add((parent, SKOS.narrower, c))
        if (c, SKOS.broader, None) not in g:
            out.add((c, SKOS.topConceptOf, scheme))
            out.add((scheme, SKOS.hasTopConcept, c))
    by_code = {str(g.value(c, SKOS.notation)): c for c in concepts}
    for rec in records:
        if rec.descriptor and rec.code in by_code:
            out.add((by_code[rec.code], SKOS.definition, Literal(rec.descriptor, lang="en")))
    return out


def write_skos(source: ExportSource) -> Output:
    from spinekg.exports.rdf import turtle_bytes

    g = skos_graph(source.rdf(), source.records())
    from rdflib import RDF
    from rdflib.namespace import SKOS

    return Output(data=turtle_bytes(g),
                  counts={"triples": len(g), "concepts": len(set(g.subjects(RDF.type, SKOS.Concept)))})
