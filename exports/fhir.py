"""FHIR R4: a CodeSystem of the codes and range groups, and a ValueSet per region, approach and
procedure type, together in one `collection` Bundle (JSON).

The CodeSystem declares a property for every facet (values as Codings in the spinekg ontology
namespace), for the add-on relation (`addOnTo`, `hasAddOn`, as codes of this system), for units,
for the code kind, and the standard `parent`, `notSelectable` (range groups) and `status`.
Each concept carries its properties and its parent; hierarchyMeaning is `is-a` (a code is a kind
of the operation its range heading names). Displays are the composed labels; a user's own licensed
descriptor, when loaded, becomes an English designation. No date or timestamp is written, so two
runs give identical bytes.
"""
from __future__ import annotations

import json
import re

from spinekg.exports.registry import ExportSource, Output, unit_local

BASE = "https://w3id.org/spinekg/fhir"
CODE_SYSTEM_URL = f"{BASE}/CodeSystem/spinekg"
ONTOLOGY_SYSTEM = "https://w3id.org/spinekg/ontology"
HL7_PROPS = "http://hl7.org/fhir/concept-properties#"
SK = "https://w3id.org/spinekg/ontology#"
COPYRIGHT = ("CPT is a registered trademark of the American Medical Association (AMA); CPT descriptors "
             "are copyright AMA and are not part of this code system. Displays are labels composed by "
             "spinekg from the facts of each code.")

# record key -> (FHIR property code, sk property local name, description)
FACET_PROPERTIES = (
    ("regions", "region", "region", "Spinal region the code applies to (several values: any of them)"),
    ("approaches", "approach", "approach", "Surgical approach the code covers"),
    ("procedures", "procedure", "procedure", "Kind of surgical action the code includes"),
    ("lesion_compartments", "lesionCompartment", "lesionCompartment", "Compartment of the lesion the code names"),
    ("lesion_natures", "lesionNature", "lesionNature", "Kind of lesion the code names"),
    ("variants", "variant", "variant", "Further distinction of the code from its near-twins"),
    ("indications", "indication", "indication", "Condition the code is specifically for"),
)
# ValueSets: one per value of these facets
VALUE_SET_FACETS = (("regions", "region"), ("approaches", "approach"), ("procedures", "procedure"))


def _properties() -> list[dict]:
    props = [
        {"code": "parent", "uri": HL7_PROPS + "parent", "description": "The range group the concept sits under",
         "type": "code"},
        {"code": "notSelectable", "uri": HL7_PROPS + "notSelectable",
         "description": "True for range groups, which are headings and not reported", "type": "boolean"},
        {"code": "status", "uri": HL7_PROPS + "status", "description": "active, or retired for deleted codes",
         "type": "code"},
        {"code": "kind", "uri": SK + "ProcedureCode", "description": "primary, add-on or group", "type": "code"},
    ]
    for _, code, local, desc in FACET_PROPERTIES:
        props.append({"code": code, "uri": SK + local, "description": desc, "type": "Coding"})
    props += [
        {"code": "unit", "uri": SK + "unit", "description": "The unit the code counts", "type": "Coding"},
        {"code": "minUnits", "uri": SK + "minUnits", "description": "Fewest units one report covers",
         "type": "integer"},
        {"code": "maxUnits", "uri": SK + "maxUnits",
         "description": "Most units one report covers (absent: no upper bound)", "type": "integer"},
        {"code": "eachAdditionalUnit", "uri": SK + "eachAdditionalUnit",
         "description": "True when the add-on is reported once per additional unit", "type": "boolean"},
        {"code": "addOnTo", "uri": SK + "addOnTo", "description": "A primary code this add-on is reported with",
         "type": "code"},
        {"code": "hasAddOn", "uri": SK + "hasAddOn", "description": "An add-on code reported with this code",
         "type": "code"},
    ]
    return props


def _coding(catalog, key: str, short: str) -> dict:
    local = catalog.facet_values[key][short]
    return {"system": ONTOLOGY_SYSTEM, "code": local, "display": short}


def _unit_coding(short: str) -> dict:
    return {"system": ONTOLOGY_SYSTEM, "code": unit_local(short), "display": short}


def _code_concept(rec, catalog) -> dict:
    props: list[dict] = []
    if rec.group:
        props.append({"code": "parent", "valueCode": rec.group})
    props.append({"code": "status", "valueCode": "retired" if rec.status == "deleted" else "active"})
    props.append({"code": "kind", "valueCode": rec.kind})
    for key, code, _, _ in FACET_PROPERTIES:
        for short in getattr(rec, key):
            props.append({"code": code, "valueCoding": _coding(catalog, key, short)})
    if rec.unit:
        props.append({"code": "unit", "valueCoding": _unit_coding(rec.unit)})
    if rec.min_units is not None:
        props.append({"code": "minUnits", "valueInteger": rec.min_units})
    if rec.max_units is not None:
        props.append({"code": "maxUnits", "valueInteger": rec.max_units})
    if rec.each_additional_unit:
        props.append({"code": "eachAdditionalUnit", "valueBoolean": True})
    props += [{"code": "addOnTo", "valueCode": c} for c in rec.add_on_to if c in catalog.codes]
    props += [{"code": "hasAddOn", "valueCode": c} for c in rec.add_ons if c in catalog.codes]
    concept = {"code": rec.code, "display": rec.label}
    if rec.descriptor:
        concept["designation"] = [{
            "language": "en",
            "use": {"system": "http://terminology.hl7.org/CodeSystem/designation-usage", "code": "display"},
            "value": rec.descriptor,
        }]
    concept["property"] = props
    return concept


def _groups_for(records, catalog) -> list[str]:
    keep: set[str] = set()
    for rec in records:
        g = rec.group
        while g and g not in keep:
            keep.add(g)
            g = catalog.groups.get(g, {}).get("parent")
    return sorted(keep)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _name(*parts: str) -> str:
    return "Spinekg" + "".join(w.capitalize() for p in parts for w in re.split(r"[^A-Za-z0-9]+", p) if w)


def code_system(source: ExportSource) -> dict:
    catalog = source.catalog
    records = source.records()
    in_export = {r.code for r in records}
    concepts = []
    for grp in _groups_for(records, catalog):
        info = catalog.groups[grp]
        props = []
        if info.get("parent"):
            props.append({"code": "parent", "valueCode": info["parent"]})
        props += [{"code": "notSelectable", "valueBoolean": True}, {"code": "status", "valueCode": "active"},
                  {"code": "kind", "valueCode": "group"}]
        concepts.append({"code": grp, "display": info["label"], "property": props})
    for rec in records:
        c = _code_concept(rec, catalog)
        c["property"] = [p for p in c["property"]
                         if p["code"] not in ("addOnTo", "hasAddOn") or p["valueCode"] in in_export]
        concepts.append(c)
    subset = source.codes is not None
    return {
        "resourceType": "CodeSystem",
        "id": "spinekg",
        "url": CODE_SYSTEM_URL,
        "version": source.version,
        "name": "SpinekgSpineProcedureCodes",
        "title": "spinekg spine procedure codes",
        "status": "active",
        "experimental": False,
        "publisher": "spinekg",
        "description": ("Spine procedure codes (CPT 63001-63308 and related codes) and their range groups, "
                        "with region, approach, procedure type, lesion, unit and add-on relations as properties."
                        + (" A filtered subset of the codes." if subset else "")),
        "copyright": COPYRIGHT,
        "caseSensitive": True,
        "valueSet": f"{BASE}/ValueSet/spinekg-all",
        "hierarchyMeaning": "is-a",
        "compositional": False,
        "versionNeeded": False,
        "content": "fragment" if subset else "complete",
        "count": len(concepts),
        "property": _properties(),
        "concept": concepts,
    }


def value_sets(source: ExportSource) -> list[dict]:
    records = source.records()
    include_base = {"system": CODE_SYSTEM_URL, "version": source.version}
    out = [{
        "resourceType": "ValueSet", "id": "spinekg-all", "url": f"{BASE}/ValueSet/spinekg-all",
        "version": source.version, "name": "SpinekgAll", "title": "spinekg: every code and range group",
        "status": "active", "experimental": False, "publisher": "spinekg",
        "description": "All concepts of the spinekg code system.", "copyright": COPYRIGHT,
        "compose": {"include": [dict(include_base)]},
    }]
    for key, facet in VALUE_SET_FACETS:
        values = sorted({v for r in records for v in getattr(r, key)})
        for value in values:
            members = [r for r in records if value in getattr(r, key)]
            vs_id = f"spinekg-{facet}-{_slug(value)}"
            out.append({
                "resourceType": "ValueSet",
                "id": vs_id,
                "url": f"{BASE}/ValueSet/{vs_id}",
                "version": source.version,
                "name": _name(facet, value),
                "title": f"spinekg codes with {facet} {value}",
                "status": "active",
                "experimental": False,
                "publisher": "spinekg",
                "description": f"Every spinekg code whose {facet} includes {value}.",
                "copyright": COPYRIGHT,
                "compose": {"include": [{**include_base,
                                         "concept": [{"code": r.code, "display": r.label} for r in members]}]},
            })
    return out


def bundle(source: ExportSource) -> dict:
    resources = [code_system(source), *value_sets(source)]
    return {
        "resourceType": "Bundle",
        "id": "spinekg",
        "type": "collection",
        "entry": [{"fullUrl": r["url"], "resource": r} for r in resources],
    }


def write_fhir(source: ExportSource) -> Output:
    doc = bundle(source)
    cs = doc["entry"][0]["resource"]
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return Output(data=text.encode("utf-8"), counts={
        "resources": len(doc["entry"]), "concepts": len(cs["concept"]), "value_sets": len(doc["entry"]) - 1})
