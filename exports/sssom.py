"""SSSOM TSV (https://w3id.org/sssom/): the mappings the graph states with skos:exactMatch.

Regions map to UBERON terms; codes map to BioPortal's IRIs for the same CPT code. Both are
hand-curated assertions in the project's Turtle files, hence `semapv:ManualMappingCuration`.
Object labels are left out on purpose: BioPortal's label of a CPT code is the AMA descriptor.
The metadata block carries no date, so two runs give identical bytes.
"""
from __future__ import annotations

from spinekg.exports.registry import ExportSource, Output

MAPPING_SET_ID = "https://w3id.org/spinekg/mappings/spinekg.sssom.tsv"
# The licence of the mapping set (facts: code numbers and ontology ids). The lead may change it.
LICENSE = "https://creativecommons.org/publicdomain/zero/1.0/"
JUSTIFICATION = "semapv:ManualMappingCuration"
CURIE_MAP = {
    "UBERON": "http://purl.obolibrary.org/obo/UBERON_",
    "bioportal.cpt": "http://purl.bioontology.org/ontology/CPT/",
    "cpt": "https://w3id.org/spinekg/cpt/",
    "semapv": "https://w3id.org/semapv/vocab/",
    "sk": "https://w3id.org/spinekg/ontology#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
}
COLUMNS = ("subject_id", "subject_label", "subject_category", "predicate_id", "object_id",
           "mapping_justification", "comment")


def curie(iri: str) -> str | None:
    for prefix, ns in sorted(CURIE_MAP.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and iri[len(ns):]:
            return f"{prefix}:{iri[len(ns):]}"
    return None


def mappings(source: ExportSource) -> list[tuple[str, ...]]:
    from rdflib import RDF
    from rdflib.namespace import SKOS

    from spinekg.ontology.namespaces import SK

    g = source.rdf()
    rows = []
    used_regions = {v for r in source.records() for v in r.regions}
    for region in g.subjects(RDF.type, SK.SpinalRegion):
        label = str(g.value(region, SKOS.prefLabel))
        if label not in used_regions:
            continue
        for target in g.objects(region, SKOS.exactMatch):
            obj = curie(str(target))
            if obj and obj.startswith("UBERON:"):
                rows.append((curie(str(region)), label, "spinal region", "skos:exactMatch", obj, JUSTIFICATION,
                             "region of the vertebral column"))
    codes = {}
    for node in g.subjects(RDF.type, SK.ProcedureCode):
        codes[str(g.value(node, SKOS.notation))] = node
    for rec in source.records():
        node = codes.get(rec.code)
        if node is None:
            continue
        for target in g.objects(node, SKOS.exactMatch):
            obj = curie(str(target))
            if obj and obj.startswith("bioportal.cpt:"):
                rows.append((curie(str(node)), rec.label, f"{rec.kind} code", "skos:exactMatch", obj,
                             JUSTIFICATION, "same CPT code number"))
    for row in rows:
        if any(ch in cell for cell in row for ch in "\t\r\n"):
            raise ValueError(f"a mapping cell holds a tab or line break: {row}")
    return sorted(rows)


def write_sssom(source: ExportSource) -> Output:
    rows = mappings(source)
    meta = [
        "curie_map:",
        *(f"  {p}: {ns}" for p, ns in sorted(CURIE_MAP.items())),
        f"mapping_set_id: {MAPPING_SET_ID}",
        f"mapping_set_version: {source.version}",
        "mapping_set_title: spinekg mappings of spinal regions to UBERON and of codes to BioPortal CPT",
        "mapping_set_description: Hand-curated skos:exactMatch statements of the spinekg graph. CPT is a "
        "registered trademark of the American Medical Association; no CPT descriptor is included.",
        f"license: {LICENSE}",
        "mapping_provider: https://w3id.org/spinekg",
    ]
    lines = ["#" + m for m in meta]
    lines.append("\t".join(COLUMNS))
    lines += ["\t".join(r) for r in rows]
    return Output(data=("\n".join(lines) + "\n").encode("utf-8"), counts={"mappings": len(rows)})
