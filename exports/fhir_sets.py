"""FHIR R4 ValueSets and ConceptMaps of the spinekg code system (see exports/fhir.py).

ValueSets: `spinekg-all` (the whole code system) and one per region, approach and procedure type,
each an intensional set: its compose filters the facet property (`region = Lumbar`), so a
terminology server expands it from the CodeSystem's properties rather than from a copied list.

ConceptMaps (from the graph's skos:exactMatch statements): codes -> BioPortal's CPT IRIs (system
http://purl.bioontology.org/ontology/CPT, code = the code number, so system + "/" + code is the
IRI) and -> the AMA CPT system HL7 names (http://www.ama-assn.org/go/cpt); regions -> UBERON
(code = the CURIE, UBERON:0006072). Targets carry no display: BioPortal's label of a CPT code is the
AMA descriptor.
"""
from __future__ import annotations

from spinekg.exports.fhir import (BASE, CODE_SYSTEM_URL, COPYRIGHT, ONTOLOGY_SYSTEM, facet_coding, narrative,
                                  resource_name, slug)
from spinekg.exports.registry import ExportSource

BIOPORTAL_CPT = "http://purl.bioontology.org/ontology/CPT"
AMA_CPT = "http://www.ama-assn.org/go/cpt"
UBERON = "http://purl.obolibrary.org/obo/uberon.owl"
UBERON_IRI = "http://purl.obolibrary.org/obo/UBERON_"
CPT_IRI = "https://w3id.org/spinekg/cpt/"
SK = "https://w3id.org/spinekg/ontology#"
# ValueSets: one per value of these facets (record key, property code)
VALUE_SET_FACETS = (("regions", "region"), ("approaches", "approach"), ("procedures", "procedure"))


def exact_matches() -> dict[str, list[str]]:
    """{subject IRI: sorted skos:exactMatch IRIs} from the graph (Oxigraph: no rdflib import)."""
    from spinekg.graph.sparql import load_store

    out: dict[str, list[str]] = {}
    for row in load_store().query(
            "SELECT ?s ?o WHERE { ?s <http://www.w3.org/2004/02/skos/core#exactMatch> ?o }"):
        out.setdefault(row["s"].value, []).append(row["o"].value)
    return {k: sorted(v) for k, v in out.items()}


def _value_set(vs_id: str, title: str, description: str, include: dict, version: str) -> dict:
    return {
        "resourceType": "ValueSet", "id": vs_id,
        "text": narrative(title, [description]),
        "url": f"{BASE}/ValueSet/{vs_id}", "version": version, "name": resource_name(*vs_id.split("-")[1:]),
        "title": title, "status": "active", "experimental": False, "publisher": "spinekg",
        "description": description, "copyright": COPYRIGHT, "compose": {"include": [include]},
    }


def value_sets(source: ExportSource) -> list[dict]:
    records = source.records()
    base = {"system": CODE_SYSTEM_URL, "version": source.version}
    out = [_value_set("spinekg-all", "spinekg: every code and range group",
                      "All concepts of the spinekg code system.", dict(base), source.version)]
    out[0]["name"] = "SpinekgAll"
    for key, prop in VALUE_SET_FACETS:
        for value in sorted({v for r in records for v in getattr(r, key)}):
            coding = facet_coding(source.catalog, key, value)
            include = {**base, "filter": [{"property": prop, "op": "=", "value": coding["code"]}]}
            out.append(_value_set(f"spinekg-{prop}-{slug(value)}", f"spinekg codes with {prop} {value}",
                                  f"Every spinekg code whose {prop} includes {value} ({prop} = {coding['code']}).",
                                  include, source.version))
    return out


def _concept_map(cm_id: str, title: str, description: str, source_uri: str | None, groups: list[dict],
                 version: str) -> dict:
    cm = {
        "resourceType": "ConceptMap", "id": cm_id,
        "text": narrative(title, [description, f"{sum(len(g['element']) for g in groups)} source concepts mapped."]),
        "url": f"{BASE}/ConceptMap/{cm_id}", "version": version, "name": resource_name(*cm_id.split("-")[1:]),
        "title": title, "status": "active", "experimental": False, "publisher": "spinekg",
        "description": description, "copyright": COPYRIGHT,
    }
    if source_uri:  # the source value set (R4 ConceptMap.source[x])
        cm["sourceUri"] = source_uri
    cm["group"] = [g for g in groups if g["element"]]
    return cm


def concept_maps(source: ExportSource, mappings: dict[str, list[str]]) -> list[dict]:
    records = source.records()
    bioportal, ama = [], []
    for rec in records:
        targets = [t for t in mappings.get(CPT_IRI + rec.code, []) if t.startswith(BIOPORTAL_CPT + "/")]
        for t in targets:
            code = t[len(BIOPORTAL_CPT) + 1:]
            bioportal.append({"code": rec.code, "display": rec.label,
                              "target": [{"code": code, "equivalence": "equivalent"}]})
        if targets:  # the same CPT code number in the system HL7 names for CPT
            ama.append({"code": rec.code, "display": rec.label,
                        "target": [{"code": rec.code, "equivalence": "equivalent"}]})
    regions = []
    for short in sorted({v for r in records for v in r.regions}):
        coding = facet_coding(source.catalog, "regions", short)
        targets = [t for t in mappings.get(SK + coding["code"], []) if t.startswith(UBERON_IRI)]
        if targets:
            regions.append({"code": coding["code"], "display": short, "target": [
                {"code": "UBERON:" + t[len(UBERON_IRI):], "equivalence": "equivalent"} for t in targets]})
    v = source.version
    return [
        _concept_map("spinekg-cpt", "spinekg codes to CPT (BioPortal IRIs and the AMA CPT system)",
                     "Each spinekg code maps to the same CPT code number: BioPortal's CPT IRI "
                     f"({BIOPORTAL_CPT}/CODE) and the AMA CPT system ({AMA_CPT}).", f"{BASE}/ValueSet/spinekg-all",
                     [{"source": CODE_SYSTEM_URL, "sourceVersion": v, "target": BIOPORTAL_CPT, "element": bioportal},
                      {"source": CODE_SYSTEM_URL, "sourceVersion": v, "target": AMA_CPT, "element": ama}], v),
        _concept_map("spinekg-region-uberon", "spinekg spinal regions to UBERON",
                     "Each spinal region of the spinekg ontology maps to its UBERON term (code = the UBERON CURIE).",
                     None, [{"source": ONTOLOGY_SYSTEM, "sourceVersion": v, "target": UBERON,
                                        "element": regions}], v),
    ]
