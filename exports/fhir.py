"""FHIR R4: the spinekg code system, the facet code system its codings name, a ValueSet per
region, approach and procedure type (intensional: a compose filter on the facet), and the
ConceptMaps to BioPortal CPT and UBERON, together in one `collection` Bundle (JSON).

The code CodeSystem declares a property for every facet, the spine section's imaging, agent,
delivery, device and device action included (values as Codings of the facet CodeSystem,
https://w3id.org/spinekg/ontology, which the Bundle carries, each with its display), for the add-on
relation (`addOnTo`, `hasAddOn`), for units and their counting (ordinal add-ons'
`firstCoveredUnit` / `lastCoveredUnit`, per-unit primaries' `reportedPerUnit`), for the code kind, the evidence level and
the history (`status`, `inactive`, `addedIn`, `deletedIn`, `replacedBy`), and the standard
`parent` / `notSelectable`. hierarchyMeaning is `is-a` (a code is a kind of the operation its
range heading names; add-ons are not kinds of their primaries, so `addOnTo` is no hierarchy).
Displays are the composed labels; a user's own licensed descriptor becomes an English designation
with use SNOMED CT 900000000000013009 "Synonym" (in R4's designation-use value set). Every resource
has a generated narrative. No timestamp is written, so two runs give identical bytes.
"""
from __future__ import annotations

import json
import re
from html import escape

from spinekg.exports.codeset import code_set_year
from spinekg.exports.registry import ExportSource, Output
from spinekg.exports.units import unit_local_name

BASE = "https://w3id.org/spinekg/fhir"
CODE_SYSTEM_URL = f"{BASE}/CodeSystem/spinekg"
ONTOLOGY_SYSTEM = "https://w3id.org/spinekg/ontology"
HL7_PROPS = "http://hl7.org/fhir/concept-properties#"
SK = "https://w3id.org/spinekg/ontology#"
SNOMED = "http://snomed.info/sct"
SYNONYM = {"system": SNOMED, "code": "900000000000013009", "display": "Synonym"}
COPYRIGHT = ("CPT is a registered trademark of the American Medical Association (AMA); CPT descriptors "
             "are copyright AMA and are not part of this code system. Displays are labels composed by "
             "spinekg from the facts of each code.")

# record key -> (FHIR property code, facet class local name, description)
FACET_PROPERTIES = (
    ("regions", "region", "SpinalRegion", "Spinal region the code applies to (several values: any of them)"),
    ("approaches", "approach", "SurgicalApproach", "Surgical approach the code covers"),
    ("access", "access", "Access", "Open, percutaneous or endoscopic access"),
    ("procedures", "procedure", "ProcedureType", "Kind of surgical action the code includes"),
    ("lesion_compartments", "lesionCompartment", "LesionCompartment", "Compartment of the lesion the code names"),
    ("lesion_natures", "lesionNature", "LesionNature", "Kind of lesion the code names"),
    ("variants", "variant", "TechniqueVariant", "Further distinction of the code from its near-twins"),
    ("indications", "indication", "Indication", "Condition the code is specifically for"),
    # spine-section facets (ontology/spine-section.ttl)
    ("imaging", "imaging", "ImagingGuidance", "Imaging guidance the code includes, or that imaging is reported apart"),
    ("agents", "agent", "Agent", "Kind of substance or energy the code delivers"),
    ("delivery", "delivery", "Delivery", "How the code delivers its agent: one injection, a catheter, long-term"),
    ("devices", "device", "Device", "Implanted or placed device the code acts on (several values: any of them)"),
    ("device_actions", "deviceAction", "DeviceAction", "What the code does to its device (several values: each)"),
)
UNIT_CLASS = "CountedUnit"
EVIDENCE = ("confirmed", "inferred", "unconfirmed")


def narrative(title: str, lines: list[str]) -> dict:
    """A generated XHTML narrative (dom-6): a heading and a few plain lines, all escaped."""
    body = "".join(f"<p>{escape(line, quote=False)}</p>" for line in lines)
    return {"status": "generated",
            "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><h2>{escape(title, quote=False)}</h2>{body}</div>'}


def year_of(value) -> int | None:
    """A year from a record field (an int, or a string of digits before the evidence branch)."""
    text = str(value) if value is not None else ""
    return int(text) if text.isdigit() else None


def _properties() -> list[dict]:
    props = [
        {"code": "parent", "uri": HL7_PROPS + "parent", "description": "The range group the concept sits under",
         "type": "code"},
        {"code": "child", "uri": HL7_PROPS + "child", "description": "A concept under this range group",
         "type": "code"},
        {"code": "notSelectable", "uri": HL7_PROPS + "notSelectable",
         "description": "True for range groups, which are headings and not reported", "type": "boolean"},
        {"code": "status", "uri": HL7_PROPS + "status", "description": "active, or retired for deleted codes",
         "type": "code"},
        {"code": "inactive", "uri": HL7_PROPS + "inactive", "description": "True for deleted codes",
         "type": "boolean"},
        {"code": "kind", "uri": SK + "ProcedureCode", "description": "primary, add-on or group", "type": "code"},
        {"code": "evidence", "uri": SK + "evidence",
         "description": "How the code's facts are known: confirmed, inferred or unconfirmed", "type": "code"},
    ]
    for _, code, _, desc in FACET_PROPERTIES:
        props.append({"code": code, "uri": SK + code, "description": desc, "type": "Coding"})
    props += [
        {"code": "unit", "uri": SK + "unit", "description": "The unit the code counts", "type": "Coding"},
        {"code": "minUnits", "uri": SK + "minUnits", "description": "Fewest units one report covers",
         "type": "integer"},
        {"code": "maxUnits", "uri": SK + "maxUnits",
         "description": "Most units one report covers (absent: no upper bound)", "type": "integer"},
        {"code": "eachAdditionalUnit", "uri": SK + "eachAdditionalUnit",
         "description": "True when the add-on is reported once per unit beyond the first", "type": "boolean"},
        {"code": "eachUnit", "uri": SK + "eachUnit",
         "description": "True when the add-on is reported once per unit from the first", "type": "boolean"},
        {"code": "firstCoveredUnit", "uri": SK + "firstCoveredUnit",
         "description": "An ordinal add-on: the first unit it covers, counting the primary's unit as the first",
         "type": "integer"},
        {"code": "lastCoveredUnit", "uri": SK + "lastCoveredUnit",
         "description": "An ordinal add-on: the last unit it covers (absent: every unit beyond the first covered)",
         "type": "integer"},
        {"code": "reportedPerUnit", "uri": SK + "reportedPerUnit",
         "description": "True when the primary is reported once for each unit", "type": "boolean"},
        {"code": "addOnTo", "uri": SK + "addOnTo", "description": "A primary code this add-on is reported with",
         "type": "code"},
        {"code": "hasAddOn", "uri": SK + "hasAddOn", "description": "An add-on code reported with this code",
         "type": "code"},
        {"code": "addedIn", "uri": SK + "addedIn", "description": "Code-set year the code first appeared in",
         "type": "integer"},
        {"code": "deletedIn", "uri": SK + "deletedIn", "description": "Code-set year from which the code is gone",
         "type": "integer"},
        {"code": "replacedBy", "uri": "http://purl.org/dc/terms/isReplacedBy",
         "description": "The code that replaced this deleted code", "type": "code"},
    ]
    return props


def _filters() -> list[dict]:
    out = [{"code": "concept", "description": "Codes under a range group (is-a: the group too)",
            "operator": ["is-a", "descendent-of"], "value": "a range group or code of this system"}]
    for _, code, cls, _ in FACET_PROPERTIES:
        out.append({"code": code, "description": f"Codes with this {code} (one of its values)",
                    "operator": ["=", "in"], "value": f"a code of {ONTOLOGY_SYSTEM} ({cls}), or its display"})
    out += [{"code": "kind", "description": "primary, add-on or group", "operator": ["="], "value": "a kind"},
            {"code": "status", "description": "active or retired", "operator": ["="], "value": "a status"},
            {"code": "evidence", "description": "confirmed, inferred or unconfirmed", "operator": ["="],
             "value": "an evidence level"}]
    return out


def facet_coding(catalog, key: str, short: str) -> dict:
    local = unit_local_name(short) if key == "unit" else catalog.facet_values[key][short]
    return {"system": ONTOLOGY_SYSTEM, "code": local, "display": short}


def _code_concept(rec, catalog, in_export: set[str]) -> dict:
    deleted = rec.status == "deleted"
    props: list[dict] = []
    if rec.group:
        props.append({"code": "parent", "valueCode": rec.group})
    props.append({"code": "status", "valueCode": "retired" if deleted else "active"})
    if deleted:
        props.append({"code": "inactive", "valueBoolean": True})
    props.append({"code": "kind", "valueCode": rec.kind})
    evidence = getattr(rec, "evidence", None)
    if evidence in EVIDENCE:
        props.append({"code": "evidence", "valueCode": evidence})
    for key, code, _, _ in FACET_PROPERTIES:
        for short in getattr(rec, key):
            props.append({"code": code, "valueCoding": facet_coding(catalog, key, short)})
    if rec.unit:
        props.append({"code": "unit", "valueCoding": facet_coding(catalog, "unit", rec.unit)})
    if rec.min_units is not None:
        props.append({"code": "minUnits", "valueInteger": rec.min_units})
    if rec.max_units is not None:
        props.append({"code": "maxUnits", "valueInteger": rec.max_units})
    counting = getattr(rec, "counting", None)
    if counting == "per-unit":
        props.append({"code": "eachUnit", "valueBoolean": True})
    elif rec.each_additional_unit or counting == "per-additional":
        props.append({"code": "eachAdditionalUnit", "valueBoolean": True})
    first, last = getattr(rec, "first_covered_unit", None), getattr(rec, "last_covered_unit", None)
    if first is not None:
        props.append({"code": "firstCoveredUnit", "valueInteger": first})
    if last is not None:
        props.append({"code": "lastCoveredUnit", "valueInteger": last})
    if getattr(rec, "reported_per_unit", False):
        props.append({"code": "reportedPerUnit", "valueBoolean": True})
    props += [{"code": "addOnTo", "valueCode": c} for c in rec.add_on_to if c in in_export]
    props += [{"code": "hasAddOn", "valueCode": c} for c in rec.add_ons if c in in_export]
    for name, field in (("addedIn", "added_in"), ("deletedIn", "deleted_in")):
        year = year_of(getattr(rec, field, None))
        if year is not None:
            props.append({"code": name, "valueInteger": year})
    props += [{"code": "replacedBy", "valueCode": c} for c in getattr(rec, "replaced_by", ()) or ()
              if c in in_export]
    concept = {"code": rec.code, "display": rec.label}
    if rec.descriptor:
        concept["designation"] = [{"language": "en", "use": dict(SYNONYM), "value": rec.descriptor}]
    concept["property"] = props
    return concept


def groups_for(records, catalog) -> list[str]:
    keep: set[str] = set()
    for rec in records:
        g = rec.group
        while g and g not in keep:
            keep.add(g)
            g = catalog.groups.get(g, {}).get("parent")
    return sorted(keep)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def resource_name(*parts: str) -> str:
    return "Spinekg" + "".join(w.capitalize() for p in parts for w in re.split(r"[^A-Za-z0-9]+", p) if w)


def code_system(source: ExportSource) -> dict:
    catalog = source.catalog
    records = source.records()
    in_export = {r.code for r in records}
    groups = groups_for(records, catalog)
    concepts = []
    for grp in groups:
        info = catalog.groups[grp]
        props = []
        if info.get("parent"):
            props.append({"code": "parent", "valueCode": info["parent"]})
        props += [{"code": "child", "valueCode": m} for m in sorted(
            [m for m in info.get("members", ()) if m in in_export or m in groups])]
        props += [{"code": "notSelectable", "valueBoolean": True}, {"code": "status", "valueCode": "active"},
                  {"code": "kind", "valueCode": "group"}]
        concepts.append({"code": grp, "display": info["label"], "property": props})
    concepts += [_code_concept(rec, catalog, in_export) for rec in records]
    subset = source.codes is not None
    year = code_set_year(catalog)
    deleted = sum(1 for r in records if r.status == "deleted")
    return {
        "resourceType": "CodeSystem",
        "id": "spinekg",
        "text": narrative("spinekg spine procedure codes", [
            f"{len(records)} codes ({deleted} deleted, kept as retired) and {len(groups)} range groups, "
            f"as of the {year} CPT code set.", "Displays are labels spinekg composes from each code's facts.",
            COPYRIGHT]),
        "url": CODE_SYSTEM_URL,
        "version": source.version,
        "name": "SpinekgSpineProcedureCodes",
        "title": f"spinekg spine procedure codes ({year} code set)",
        "status": "active",
        "experimental": False,
        "publisher": "spinekg",
        "description": (f"Spine procedure codes (CPT's spine section and related codes) of the {year} CPT code set "
                        "(codes deleted earlier are kept, retired) and their range groups, with region, approach, "
                        "procedure type, lesion, imaging, agent, delivery, device, unit and add-on relations as "
                        "properties. The hierarchy (parent, "
                        "child, $subsumes) is the range-group hierarchy only; add-on relations are properties."
                        + (" A filtered subset of the codes." if subset else "")),
        "copyright": COPYRIGHT,
        "caseSensitive": True,
        "valueSet": f"{BASE}/ValueSet/spinekg-all",
        "hierarchyMeaning": "is-a",
        "compositional": False,
        "versionNeeded": False,
        "content": "fragment" if subset else "complete",
        "count": len(concepts),
        "filter": _filters(),
        "property": _properties(),
        "concept": concepts,
    }


def _class_display(cls: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", " ", cls).lower()


def facet_code_system(source: ExportSource) -> dict:
    """The facet values the codings name (system https://w3id.org/spinekg/ontology), each under
    its facet class, which is a not-selectable heading."""
    catalog = source.catalog
    records = source.records()
    concepts = []
    for key, _, cls, desc in (*FACET_PROPERTIES, ("unit", "unit", UNIT_CLASS, "The unit a code counts")):
        used = sorted({v for r in records for v in (((r.unit,) if r.unit else ()) if key == "unit"
                                                    else getattr(r, key))})
        if not used:
            continue
        values = sorted((facet_coding(catalog, key, short) for short in used), key=lambda c: c["code"])
        concepts.append({"code": cls, "display": _class_display(cls), "definition": desc,
                         "property": [*({"code": "child", "valueCode": v["code"]} for v in values),
                                      {"code": "notSelectable", "valueBoolean": True}]})
        concepts += [{"code": v["code"], "display": v["display"],
                      "property": [{"code": "parent", "valueCode": cls}]} for v in values]
    return {
        "resourceType": "CodeSystem",
        "id": "spinekg-facets",
        "text": narrative("spinekg facet values", [
            f"{len(concepts)} concepts: the facet classes of the spinekg ontology and the values spinekg codes use."]),
        "url": ONTOLOGY_SYSTEM,
        "version": source.version,
        "name": "SpinekgFacetValues",
        "title": "spinekg facet values (regions, approaches, procedure types, lesions, units, ...)",
        "status": "active",
        "experimental": False,
        "publisher": "spinekg",
        "description": "The facet values of the spinekg ontology that the spinekg code system's properties name, "
                       "each under its facet class. Codes are the ontology's local names.",
        "caseSensitive": True,
        "hierarchyMeaning": "is-a",
        "compositional": False,
        "versionNeeded": False,
        "content": "fragment" if source.codes is not None else "complete",
        "count": len(concepts),
        "property": [
            {"code": "parent", "uri": HL7_PROPS + "parent", "description": "The facet class", "type": "code"},
            {"code": "child", "uri": HL7_PROPS + "child", "description": "A value of the facet class",
             "type": "code"},
            {"code": "notSelectable", "uri": HL7_PROPS + "notSelectable",
             "description": "True for facet classes", "type": "boolean"},
        ],
        "concept": concepts,
    }


def resources(source: ExportSource, mappings: dict[str, list[str]] | None = None) -> list[dict]:
    """Every resource of the Bundle; `mappings` is {subject IRI: [skos:exactMatch IRIs]} (read from
    the graph when not given)."""
    from spinekg.exports.fhir_sets import concept_maps, exact_matches, value_sets

    if mappings is None:
        mappings = exact_matches()
    return [code_system(source), facet_code_system(source), *value_sets(source),
            *concept_maps(source, mappings)]


def bundle(source: ExportSource) -> dict:
    return {
        "resourceType": "Bundle",
        "id": "spinekg",
        "type": "collection",
        "entry": [{"fullUrl": r["url"], "resource": r} for r in resources(source)],
    }


def write_fhir(source: ExportSource) -> Output:
    doc = bundle(source)
    cs = doc["entry"][0]["resource"]
    kinds = [e["resource"]["resourceType"] for e in doc["entry"]]
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return Output(data=text.encode("utf-8"), counts={
        "resources": len(doc["entry"]), "concepts": len(cs["concept"]), "value_sets": kinds.count("ValueSet"),
        "concept_maps": kinds.count("ConceptMap")})
