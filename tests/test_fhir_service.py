"""The FHIR terminology service (spinekg.fhir.service.handle), called directly: every operation's
answer, its errors, and that each response is a valid R4 resource (fhir.resources) whose XML is
the XML fhir.resources itself writes."""
from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest

from spinekg.fhir.service import handle

CS = "https://w3id.org/spinekg/fhir/CodeSystem/spinekg"
FACETS = "https://w3id.org/spinekg/ontology"
VS = "https://w3id.org/spinekg/fhir/ValueSet/"
BIOPORTAL = "http://purl.bioontology.org/ontology/CPT"
UBERON = "http://purl.obolibrary.org/obo/uberon.owl"


def call(path, method="GET", headers=None, body=b"", **query):
    q = {k: (v if isinstance(v, list) else [v]) for k, v in query.items()}
    return handle(method, path, q, headers or {}, body)


def get(path, status=200, **query):
    code, headers, body = call(path, **query)
    assert code == status, body[:400]
    assert headers["Content-Type"].startswith("application/fhir+json")
    return json.loads(body)


def params(doc):
    """Parameters -> {name: [value or {part name: value}]}."""
    out = {}
    for p in doc["parameter"]:
        if "part" in p:
            value = {q["name"]: next(v for k, v in q.items() if k != "name") for q in p["part"]}
        else:
            value = next(v for k, v in p.items() if k != "name")
        out.setdefault(p["name"], []).append(value)
    return out


def props(doc):
    return {(p["code"], json.dumps(p["value"], sort_keys=True)) for p in params(doc).get("property", [])}


def empties(value, path="") -> list[str]:
    """FHIR JSON never carries an empty array, object or string."""
    if value in ([], {}, ""):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in empties(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in empties(v, f"{path}[{i}]")]
    return []


def model_class(doc):
    """The fhir.resources R4B model of a resource (the reference library every answer is read by)."""
    from fhir.resources.R4B import get_fhir_model_class

    return get_fhir_model_class(doc["resourceType"])


def r4b(doc):
    assert empties(doc) == []
    return model_class(doc).model_validate(doc)


# ---------------------------------------------------------------- $lookup

def test_lookup_63304_display_facets_parent(catalog):
    doc = get("/fhir/CodeSystem/$lookup", system=CS, code="63304")
    r4b(doc)
    p = params(doc)
    rec = catalog.codes["63304"]
    assert p["display"] == [rec.label] and p["version"] and p["name"]
    got = props(doc)
    assert ("parent", json.dumps(rec.group)) in got
    assert ("region", json.dumps({"code": "Cervical", "display": "cervical", "system": FACETS}, sort_keys=True)) in got
    assert {c for c, _ in got} >= {"parent", "status", "kind", "region", "approach", "procedure",
                                   "lesionCompartment", "unit", "minUnits", "maxUnits", "hasAddOn"}
    assert sorted(json.loads(v) for c, v in got if c == "hasAddOn") == sorted(rec.add_ons)


def test_lookup_every_facet_of_every_code(catalog):
    """Each record's facets come back as the Codings' displays, for every code."""
    from spinekg.exports.fhir import FACET_PROPERTIES
    from spinekg.graph.model import FACETS as RECORD_FACETS

    keys = {key: prop for key, prop, _, _ in FACET_PROPERTIES}
    assert set(keys) == set(RECORD_FACETS)  # every facet of the records, the spine section's included
    assert {"imaging": "imaging", "agents": "agent", "delivery": "delivery", "devices": "device",
            "device_actions": "deviceAction"}.items() <= keys.items()
    for code, rec in catalog.codes.items():
        got = params(get("/fhir/CodeSystem/$lookup", system=CS, code=code))["property"]
        for key, prop in keys.items():
            shown = sorted(p["value"]["display"] for p in got if p["code"] == prop)
            assert shown == sorted(getattr(rec, key)), (code, prop)
        assert [p["value"] for p in got if p["code"] == "parent"] == [rec.group], code


def test_lookup_spine_section_facets_and_ordinal_counting(catalog):
    """64494 (second lumbar facet level): imaging and agent as Codings with displays; its ordinal
    counting as integers; a discography code's per-unit reporting; each property declared."""
    cs = get("/fhir/CodeSystem/spinekg")
    declared = {p["code"]: p["type"] for p in cs["property"]}
    for name in ("imaging", "agent", "delivery", "device", "deviceAction"):
        assert declared[name] == "Coding", name
    assert declared["firstCoveredUnit"] == declared["lastCoveredUnit"] == "integer"
    assert declared["reportedPerUnit"] == "boolean"
    got = props(get("/fhir/CodeSystem/$lookup", system=CS, code="64494"))
    rec = catalog.codes["64494"]
    for value in rec.imaging:
        local = catalog.facet_values["imaging"][value]
        assert ("imaging", json.dumps({"code": local, "display": value, "system": FACETS}, sort_keys=True)) in got
    assert {("firstCoveredUnit", "2"), ("lastCoveredUnit", "2")} <= got and ("addOnTo", '"64493"') in got
    assert ("firstCoveredUnit", "3") in props(get("/fhir/CodeSystem/$lookup", system=CS, code="64495"))
    assert ("reportedPerUnit", "true") in props(get("/fhir/CodeSystem/$lookup", system=CS, code="62290"))
    pump = next(c for c, r in catalog.codes.items() if r.devices and r.device_actions)
    p = params(get("/fhir/CodeSystem/$lookup", system=CS, code=pump))["property"]
    assert sorted(q["value"]["display"] for q in p if q["code"] == "device") == sorted(catalog.codes[pump].devices)
    assert all(q["description"] == q["value"]["display"] for q in p if q["code"] == "deviceAction")


def test_expand_filters_on_spine_section_facets(catalog):
    """Compose filters on the new facets, by code or display, intersect like the others."""
    vs = {"resourceType": "ValueSet", "status": "active", "compose": {"include": [{"system": CS, "filter": [
        {"property": "imaging", "op": "=", "value": "fluoroscopy or CT"},
        {"property": "procedure", "op": "=", "value": "FacetJointInjection"},
        {"property": "region", "op": "=", "value": "Lumbar"}]}]}}
    status, _, data = call("/fhir/ValueSet/$expand", method="POST", headers={"Content-Type": "application/fhir+json"},
                           body=json.dumps(vs).encode())
    assert status == 200, data
    got = [c["code"] for c in json.loads(data)["expansion"]["contains"]]
    assert got == ["64493", "64494", "64495"]
    local = catalog.facet_values["device_actions"]["removal"]
    for value in (local, "removal"):
        vs["compose"]["include"][0]["filter"] = [{"property": "deviceAction", "op": "in", "value": value}]
        status, _, data = call("/fhir/ValueSet/$expand", method="POST", headers={"Content-Type": "application/fhir+json"},
                               body=json.dumps(vs).encode())
        got = {c["code"] for c in json.loads(data)["expansion"]["contains"]}
        assert got == {c for c, r in catalog.codes.items() if "removal" in r.device_actions} and got


def test_lookup_group_has_children_and_property_filter(catalog):
    doc = get("/fhir/CodeSystem/$lookup", system=CS, code="63300-63308", property=["child", "notSelectable"])
    p = params(doc)
    assert {q["code"] for q in p["property"]} == {"child", "notSelectable"}
    assert sorted(q["value"] for q in p["property"] if q["code"] == "child") == catalog.groups["63300-63308"]["members"]
    star = params(get("/fhir/CodeSystem/$lookup", system=CS, code="63300-63308", property="*"))
    assert {q["code"] for q in star["property"]} >= {"child", "notSelectable", "kind", "status"}


def test_lookup_facet_system_and_instance_level():
    p = params(get("/fhir/CodeSystem/$lookup", system=FACETS, code="Lumbar"))
    assert p["display"] == ["lumbar"] and {"code": "parent", "value": "SpinalRegion"} in [
        {k: v for k, v in q.items() if k != "description"} for q in p["property"]]
    inst = params(get("/fhir/CodeSystem/spinekg/$lookup", code="63304"))
    assert inst["display"] == params(get("/fhir/CodeSystem/$lookup", system=CS, code="63304"))["display"]


def test_lookup_imported_descriptor_is_a_valid_designation(catalog):
    import dataclasses

    from spinekg.fhir.terminology import build

    codes = dict(catalog.codes)
    codes["63304"] = dataclasses.replace(codes["63304"], descriptor="Licensed test descriptor")
    from spinekg.graph.model import Catalog

    term = build(Catalog(codes, catalog.facet_values, catalog.groups), mappings={})
    from spinekg.fhir.lookup import lookup
    from spinekg.fhir.params import Inputs

    doc = lookup(term, Inputs({"system": [CS], "code": ["63304"]}))
    r4b(doc)
    (d,) = params(doc)["designation"]
    assert d["value"] == "Licensed test descriptor" and d["language"] == "en"
    # R4's designation-use value set: SNOMED CT 900000000000003001 or 900000000000013009
    assert d["use"]["system"] == "http://snomed.info/sct"
    assert d["use"]["code"] in ("900000000000003001", "900000000000013009")
    from spinekg.fhir.validate import validate_code_system

    ok = validate_code_system(term, Inputs({"url": [CS], "code": ["63304"], "display": ["licensed TEST descriptor"]}))
    assert params(ok)["result"] == [True]


@pytest.mark.parametrize("query,status,issue", [
    ({"system": CS, "code": "63999"}, 404, "not-found"),
    ({"system": "http://example.org/none", "code": "63304"}, 404, "not-found"),
    ({"system": CS}, 400, "required"),
    ({"code": "63304"}, 400, "required"),
    ({"system": CS, "code": "63304", "version": "9.9"}, 404, "not-found"),
])
def test_lookup_errors_are_operation_outcomes(query, status, issue):
    doc = get("/fhir/CodeSystem/$lookup", status=status, **query)
    r4b(doc)
    assert doc["resourceType"] == "OperationOutcome" and doc["issue"][0]["code"] == issue


# ---------------------------------------------------------------- $validate-code

def test_validate_code_on_code_system(catalog):
    label = catalog.codes["63304"].label
    ok = params(get("/fhir/CodeSystem/$validate-code", url=CS, code="63304", display=label))
    assert ok["result"] == [True] and ok["display"] == [label] and "message" not in ok
    wrong = params(get("/fhir/CodeSystem/$validate-code", url=CS, code="63304", display="Not the label"))
    assert wrong["result"] == [False] and wrong["display"] == [label]
    assert wrong["message"] == [f"Wrong Display Name 'Not the label' for {CS}#63304. Valid display is '{label}' (en)"]
    unknown_code = params(get("/fhir/CodeSystem/$validate-code", url=CS, code="63999"))
    assert unknown_code["result"] == [False]
    assert unknown_code["message"][0].startswith(f"Unknown code '63999' in the CodeSystem '{CS}' version '")
    assert unknown_code["issues"][0]["issue"][0]["code"] == "code-invalid"
    unknown_system = params(get("/fhir/CodeSystem/$validate-code", url="http://example.org/cs", code="63304"))
    assert unknown_system["result"] == [False] and unknown_system["message"] == [
        "A definition for CodeSystem 'http://example.org/cs' could not be found, so the code cannot be validated"]
    assert unknown_system["issues"][0]["issue"][0]["code"] == "not-found"
    assert unknown_system["x-caused-by-unknown-system"] == ["http://example.org/cs"]
    group = params(get("/fhir/CodeSystem/$validate-code", url=CS, code="63300-63308", abstract="false"))
    assert group["result"] == [False] and "abstract" in group["message"][0]


def test_validate_code_on_value_set():
    lumbar = VS + "spinekg-region-lumbar"
    assert params(get("/fhir/ValueSet/$validate-code", url=lumbar, system=CS, code="63307"))["result"] == [True]
    out = params(get("/fhir/ValueSet/$validate-code", url=lumbar, system=CS, code="63304"))
    assert out["result"] == [False]
    assert out["message"][0].startswith(f"The provided code '{CS}#63304' was not found in the value set '{lumbar}|")
    assert params(get("/fhir/ValueSet/spinekg-region-lumbar/$validate-code", coding=f"{CS}|63307"))["result"] == [True]
    doc = get("/fhir/ValueSet/$validate-code", status=404, url=VS + "nope", system=CS, code="63307")
    assert doc["issue"][0]["code"] == "not-found"


def test_validate_codeable_concept_by_post():
    body = {"resourceType": "Parameters", "parameter": [
        {"name": "url", "valueUri": VS + "spinekg-region-lumbar"},
        {"name": "codeableConcept", "valueCodeableConcept": {"coding": [
            {"system": CS, "code": "63304"}, {"system": CS, "code": "63307"}]}}]}
    status, _, data = call("/fhir/ValueSet/$validate-code", method="POST",
                           headers={"Content-Type": "application/fhir+json"}, body=json.dumps(body).encode())
    assert status == 200 and params(json.loads(data))["result"] == [True]


# ---------------------------------------------------------------- $subsumes

@pytest.mark.parametrize("a,b,outcome", [
    ("63300-63308", "63304", "subsumes"),
    ("63304", "63300-63308", "subsumed-by"),
    ("63304", "63304", "equivalent"),
    ("63304", "63081", "not-subsumed"),
    ("63001-63308", "63304", "subsumes"),  # groups nest: the section heading subsumes too
    ("63102", "63103", "not-subsumed"),  # add-on to a primary is no is-a
])
def test_subsumes_over_the_group_hierarchy(a, b, outcome, catalog):
    if a not in catalog.groups and a not in catalog.codes:
        pytest.skip(f"{a} not in this graph")
    doc = get("/fhir/CodeSystem/$subsumes", system=CS, codeA=a, codeB=b)
    r4b(doc)
    assert params(doc)["outcome"] == [outcome]


def test_subsumes_facet_classes_and_errors():
    assert params(get("/fhir/CodeSystem/$subsumes", system=FACETS, codeA="SpinalRegion",
                      codeB="Lumbar"))["outcome"] == ["subsumes"]
    assert get("/fhir/CodeSystem/$subsumes", status=404, system=CS, codeA="63304",
               codeB="99999")["issue"][0]["code"] == "not-found"
    assert get("/fhir/CodeSystem/$subsumes", status=400, system=CS, codeA="63304")["issue"][0]["code"] == "required"


# ---------------------------------------------------------------- $expand

def test_expand_filter_then_page_total_right(catalog):
    every = get("/fhir/ValueSet/$expand", url=VS + "spinekg-all", filter="corpectomy")
    r4b(every)
    matches = [c["code"] for c in every["expansion"]["contains"]]
    expected = [c for c in [*sorted(catalog.groups), *catalog.codes]
                if "corpectomy" in f"{c} {(catalog.codes[c].label if c in catalog.codes else catalog.groups[c]['label'])}".lower()]
    assert sorted(matches) == sorted(expected) and every["expansion"]["total"] == len(expected)
    page = get("/fhir/ValueSet/$expand", url=VS + "spinekg-all", filter="corpectomy", count="5", offset="3")
    assert page["expansion"]["total"] == len(expected) and page["expansion"]["offset"] == 3
    assert [c["code"] for c in page["expansion"]["contains"]] == matches[3:8]
    words = get("/fhir/ValueSet/$expand", url=VS + "spinekg-all", filter="LUMBAR corpectomy")
    assert all({"lumbar", "corpectomy"} <= set(c["display"].lower().replace(",", "").split())
               or "lumbar" in c["display"].lower() for c in words["expansion"]["contains"])
    assert words["expansion"]["total"] < len(expected)


def test_expand_implicit_facet_value_set(catalog):
    doc = get("/fhir/ValueSet/spinekg-region-lumbar/$expand")
    assert doc["compose"]["include"][0]["filter"] == [{"property": "region", "op": "=", "value": "Lumbar"}]
    got = {c["code"] for c in doc["expansion"]["contains"]}
    assert got == {c for c, r in catalog.codes.items() if "lumbar" in r.regions}
    assert doc["expansion"]["total"] == len(got)


def test_expand_posted_value_set_with_compose_filters(catalog):
    vs = {"resourceType": "ValueSet", "status": "active", "compose": {"include": [{"system": CS, "filter": [
        {"property": "region", "op": "=", "value": "lumbar"},
        {"property": "procedure", "op": "=", "value": "Corpectomy"},
        {"property": "concept", "op": "is-a", "value": "63300-63308"}]}]}}
    status, _, data = call("/fhir/ValueSet/$expand", method="POST", headers={"Content-Type": "application/fhir+json"},
                           body=json.dumps(vs).encode())
    assert status == 200, data
    got = {c["code"] for c in json.loads(data)["expansion"]["contains"]}
    want = {c for c, r in catalog.codes.items() if "lumbar" in r.regions and "corpectomy" in r.procedures
            and r.group == "63300-63308"}
    assert got == want and got


def test_expand_implicit_fhir_vs_urls(catalog):
    isa = get("/fhir/ValueSet/$expand", url=f"{CS}?fhir_vs=isa/63300-63308")
    assert {c["code"] for c in isa["expansion"]["contains"]} == {"63300-63308",
                                                                 *catalog.groups["63300-63308"]["members"]}
    assert get("/fhir/ValueSet/$expand", url=f"{CS}?fhir_vs", count="0")["expansion"]["total"] == \
        len(catalog.codes) + len(catalog.groups)


@pytest.mark.parametrize("query,status,issue", [
    ({"url": VS + "nope"}, 404, "not-found"),
    ({}, 400, "required"),
    ({"url": VS + "spinekg-all", "count": "-1"}, 400, "invalid"),
    ({"url": VS + "spinekg-all", "offset": "x"}, 400, "invalid"),
])
def test_expand_errors(query, status, issue):
    assert get("/fhir/ValueSet/$expand", status=status, **query)["issue"][0]["code"] == issue


# ---------------------------------------------------------------- $translate

def test_translate_code_to_bioportal_and_back():
    doc = get("/fhir/ConceptMap/$translate", system=CS, code="63304", targetsystem=BIOPORTAL)
    r4b(doc)
    p = params(doc)
    assert p["result"] == [True]
    (m,) = p["match"]
    assert m["concept"]["system"] + "/" + m["concept"]["code"] == BIOPORTAL + "/63304"
    assert m["equivalence"] == "equivalent" and m["source"].endswith("/ConceptMap/spinekg-cpt")
    back = params(get("/fhir/ConceptMap/$translate", system=BIOPORTAL, code="63304", reverse="true"))
    assert [x["concept"]["code"] for x in back["match"]] == ["63304"]


def test_translate_region_to_uberon_ids_from_the_graph(graph):
    from rdflib.namespace import SKOS

    from spinekg.ontology.namespaces import SK

    for local in ("Cervical", "Thoracic", "Lumbar", "Sacral"):
        want = {str(o).rsplit("_", 1)[-1] for o in graph.objects(SK[local], SKOS.exactMatch) if "UBERON" in str(o)}
        p = params(get("/fhir/ConceptMap/spinekg-region-uberon/$translate", system=FACETS, code=local))
        assert {m["concept"]["code"].split(":")[1] for m in p["match"]} == want and want, local
        assert all(m["concept"]["system"] == UBERON for m in p["match"])


def test_translate_no_match_and_errors():
    p = params(get("/fhir/ConceptMap/$translate", system=FACETS, code="Anterior"))
    assert p["result"] == [False] and "no mapping" in p["message"][0]
    assert get("/fhir/ConceptMap/$translate", status=400, code="63304")["issue"][0]["code"] == "required"
    assert get("/fhir/ConceptMap/$translate", status=404, url="http://x/cm", system=CS,
               code="63304")["issue"][0]["code"] == "not-found"


# ---------------------------------------------------------------- metadata, read, search

def test_capability_statement_and_terminology_capabilities():
    cap = get("/fhir/metadata")
    r4b(cap)
    assert cap["fhirVersion"] == "4.0.1" and set(cap["format"]) == {"json", "xml"}
    ops = {(r["type"], o["name"]) for r in cap["rest"][0]["resource"] for o in r["operation"]}
    assert ops == {("CodeSystem", "lookup"), ("CodeSystem", "validate-code"), ("CodeSystem", "subsumes"),
                   ("ValueSet", "expand"), ("ValueSet", "validate-code"), ("ConceptMap", "translate")}
    tc = get("/fhir/metadata", mode="terminology")
    r4b(tc)
    assert {s["uri"] for s in tc["codeSystem"]} == {CS, FACETS} and tc["expansion"]["paging"] is True


def test_read_and_search(catalog):
    cs = get("/fhir/CodeSystem/spinekg")
    assert cs["url"] == CS and cs["text"]["div"].startswith("<div")
    found = get("/fhir/CodeSystem", url=CS)
    r4b(found)
    assert found["type"] == "searchset" and found["total"] == 1
    assert found["entry"][0]["resource"]["id"] == "spinekg" and found["entry"][0]["search"]["mode"] == "match"
    regions = {v for r in catalog.codes.values() for v in r.regions}
    assert "sacroiliac joint" in regions
    assert get("/fhir/ValueSet", name="SpinekgRegion")["total"] == len(regions)
    assert get("/fhir/ValueSet", name="spinekgregion", version="0.0.0")["total"] == 0
    assert get("/fhir/ConceptMap", url="https://w3id.org/spinekg/fhir/ConceptMap/spinekg-cpt")["total"] == 1
    assert get("/fhir/CodeSystem/nope", status=404)["issue"][0]["code"] == "not-found"
    assert get("/fhir/Patient/1", status=404)["issue"][0]["code"] == "not-supported"


def test_read_only_and_unknown_paths():
    for method in ("PUT", "DELETE", "PATCH"):
        status, _, data = call("/fhir/CodeSystem/spinekg", method=method, body=b"{}")
        assert status == 405 and json.loads(data)["issue"][0]["code"] == "not-supported"
    status, _, data = call("/fhir/CodeSystem", method="POST", body=b"{}",
                           headers={"Content-Type": "application/fhir+json"})
    assert status == 405
    status, _, data = call("/fhir/CodeSystem/$nope")
    assert status == 404 and json.loads(data)["issue"][0]["code"] == "not-supported"


def test_bad_bodies_are_operation_outcomes():
    for body, ctype, status in ((b"{not json", "application/fhir+json", 400),
                                (b"<Parameters", "application/fhir+xml", 400),
                                (b'<!DOCTYPE x [<!ENTITY a "b">]><Parameters xmlns="http://hl7.org/fhir"/>',
                                 "application/fhir+xml", 400),
                                (b"x", "text/plain", 415),
                                (json.dumps({"resourceType": "Patient"}).encode(), "application/fhir+json", 400)):
        code, _, data = call("/fhir/CodeSystem/$lookup", method="POST", headers={"Content-Type": ctype}, body=body)
        assert code == status, (body, data)
        assert json.loads(data)["resourceType"] == "OperationOutcome"


def test_internal_fault_is_a_500_outcome(monkeypatch):
    import spinekg.fhir.lookup as lookup_module

    def broken(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr(lookup_module, "lookup", broken)
    code, _, data = call("/fhir/CodeSystem/$lookup", system=CS, code="63304")
    assert code == 500 and json.loads(data)["issue"][0]["code"] == "exception"


# ---------------------------------------------------------------- formats

@pytest.mark.parametrize("query,headers,kind", [
    ({}, {}, "json"), ({"_format": "xml"}, {}, "xml"), ({"_format": "application/fhir+xml"}, {}, "xml"),
    ({}, {"Accept": "application/fhir+xml"}, "xml"), ({}, {"Accept": "text/html,*/*;q=0.8"}, "json"),
    ({}, {"Accept": "application/fhir+xml;q=0.5, application/fhir+json"}, "json"),
    ({"_format": "json"}, {"Accept": "application/fhir+xml"}, "json"),
])
def test_format_negotiation(query, headers, kind):
    status, h, _ = call("/fhir/metadata", headers=headers, **query)
    assert status == 200 and h["Content-Type"].startswith(f"application/fhir+{kind}")


def test_nothing_acceptable_is_406():
    status, h, data = call("/fhir/metadata", headers={"Accept": "text/html"})
    assert status == 406 and json.loads(data)["issue"][0]["code"] == "not-supported"
    assert call("/fhir/metadata", _format="turtle")[0] == 406


def _canonical(xml: bytes) -> str:
    return ET.canonicalize(xml.decode("utf-8"), strip_text=True)


@pytest.mark.parametrize("path,query", [
    ("/fhir/metadata", {}), ("/fhir/metadata", {"mode": "terminology"}),
    ("/fhir/CodeSystem/spinekg", {}), ("/fhir/CodeSystem/spinekg-facets", {}),
    ("/fhir/ValueSet/spinekg-region-lumbar", {}), ("/fhir/ConceptMap/spinekg-cpt", {}),
    ("/fhir/CodeSystem/$lookup", {"system": CS, "code": "22853"}),
    ("/fhir/ValueSet/$expand", {"url": VS + "spinekg-all", "filter": "corpectomy", "count": "5"}),
    ("/fhir/ConceptMap/$translate", {"system": CS, "code": "63304"}),
    ("/fhir/CodeSystem", {"url": CS, "_summary": "true"}),
    ("/fhir/CodeSystem/$lookup", {"system": CS, "code": "00000"}),
])
def test_xml_is_what_fhir_resources_writes(path, query):
    """Same content and element order as the reference library's own R4 XML."""
    pytest.importorskip("lxml")
    doc = get(path, status=404 if query.get("code") == "00000" else 200, **query)
    status, h, xml = call(path, _format="xml", **query)
    model = r4b(doc)
    ours, ref = ET.fromstring(xml), ET.fromstring(model.model_dump_xml())
    for tree in (ours, ref):  # an expansion's identifier and timestamp differ between two calls
        for e in tree.iter("{http://hl7.org/fhir}expansion"):
            for child in [c for c in e if c.tag.endswith(("}identifier", "}timestamp"))]:
                e.remove(child)
    assert _canonical(ET.tostring(ours)) == _canonical(ET.tostring(ref))
    again = json.loads(model_class(doc).model_validate_xml(xml).model_dump_json())
    for d in (again, doc):
        for key in ("identifier", "timestamp"):
            d.get("expansion", {}).pop(key, None)
    assert again == doc


def test_xml_parameters_body_is_read():
    body = (f'<Parameters xmlns="http://hl7.org/fhir"><parameter><name value="system"/><valueUri value="{CS}"/>'
            '</parameter><parameter><name value="code"/><valueCode value="63304"/></parameter></Parameters>').encode()
    status, h, data = call("/fhir/CodeSystem/$lookup", method="POST", body=body,
                           headers={"Content-Type": "application/fhir+xml", "Accept": "application/fhir+xml"})
    assert status == 200 and h["Content-Type"].startswith("application/fhir+xml")
    assert ET.fromstring(data).tag == "{http://hl7.org/fhir}Parameters"
    assert b"Corpectomy" in data


# ---------------------------------------------------------------- facts from the HL7 terminology test cases

def test_lookup_shape_of_the_hl7_cases(catalog):
    """`name` is the CodeSystem's computable name, `abstract` is said, and a property's `description`
    is the display of the concept its value names (HL7 tx ecosystem, simple-lookup cases)."""
    p = params(get("/fhir/CodeSystem/$lookup", system=CS, code="63300-63308", property="*"))
    assert p["name"] == ["SpinekgSpineProcedureCodes"] and p["abstract"] == [True]
    child = next(q for q in p["property"] if q["code"] == "child" and q["value"] == "63304")
    assert child["description"] == catalog.codes["63304"].label
    assert params(get("/fhir/CodeSystem/$lookup", system=CS, code="63304"))["abstract"] == [False]


def test_deleted_codes_validate_as_inactive_and_drop_out_with_active_only(catalog):
    deleted = next(c for c, r in catalog.codes.items() if r.status == "deleted")
    p = params(get("/fhir/CodeSystem/$validate-code", url=CS, code=deleted))
    assert p["result"] == [True] and p["inactive"] == [True]
    (issue,) = p["issues"][0]["issue"]
    assert issue["severity"] == "warning" and "status of retired and inactive" in issue["details"]["text"]
    every = get("/fhir/ValueSet/$expand", url=VS + "spinekg-all")["expansion"]
    assert next(c for c in every["contains"] if c["code"] == deleted).get("inactive") is True
    active = get("/fhir/ValueSet/$expand", url=VS + "spinekg-all", activeOnly="true")["expansion"]
    assert deleted not in {c["code"] for c in active["contains"]}
    assert active["total"] == every["total"] - sum(1 for r in catalog.codes.values() if r.status == "deleted")


def test_count_zero_gives_the_total_only():
    doc = get("/fhir/ValueSet/$expand", url=VS + "spinekg-all", count="0")
    assert "contains" not in doc["expansion"] and doc["expansion"]["total"] > 0
