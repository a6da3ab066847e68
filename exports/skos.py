"""A SKOS-only concept scheme: the codes and range groups, nothing of the spinekg vocabulary.

Each concept keeps its notation, prefLabel, definition (where there is one; a user's own licensed
descriptor, when loaded, becomes the code's definition), broader and narrower, inScheme,
topConceptOf and exactMatch. Tools that only know SKOS (Skosmos, VocBench, iQvoc) read it as is.
Each code also says, in SKOS's own note properties, how firm its facts are (skos:note "evidence: …",
beside the curators' skos:editorialNote) and its history (skos:historyNote: years, replacements).
"""
from __future__ import annotations

from spinekg.exports.registry import ExportSource, Output

# SKOS properties copied from the graph (narrower and hasTopConcept are added as inverses)
COPIED = ("notation", "prefLabel", "altLabel", "definition", "scopeNote", "editorialNote", "broader", "inScheme",
          "topConceptOf", "exactMatch", "closeMatch")


def evidence_note(rec) -> str:
    """'evidence: confirmed', 'evidence: inferred from 63180', plus how many primary links are not confirmed."""
    text = f"evidence: {rec.evidence}" + (f" from {', '.join(rec.inferred_from)}" if rec.inferred_from else "")
    links = [c for c, e in rec.link_evidence.get("add_on_to", {}).items() if e["evidence"] != "confirmed"]
    if links:
        text += f"; {len(links)} of its {len(rec.add_on_to)} primary links are not confirmed"
    return text


def history_note(rec) -> str | None:
    parts = []
    if rec.added_in:
        parts.append(f"added {rec.added_in}")
    if rec.deleted_in:
        parts.append(f"deleted {rec.deleted_in}" + (f", replaced by {', '.join(rec.replaced_by)}" if rec.replaced_by else ""))
    return "; ".join(parts) or None


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
        node = by_code.get(rec.code)
        if node is None:
            continue
        if rec.descriptor:
            out.add((node, SKOS.definition, Literal(rec.descriptor, lang="en")))
        out.add((node, SKOS.note, Literal(evidence_note(rec), lang="en")))
        history = history_note(rec)
        if history:
            out.add((node, SKOS.historyNote, Literal(history, lang="en")))
    return out


def write_skos(source: ExportSource) -> Output:
    from spinekg.exports.rdf import turtle_bytes

    g = skos_graph(source.rdf(), source.records())
    from rdflib import RDF
    from rdflib.namespace import SKOS

    return Output(data=turtle_bytes(g),
                  counts={"triples": len(g), "concepts": len(set(g.subjects(RDF.type, SKOS.Concept)))})
