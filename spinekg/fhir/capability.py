"""GET /fhir/metadata: the CapabilityStatement, or with `?mode=terminology` the
TerminologyCapabilities (code systems, versions, filters, properties, expansion paging)."""
from __future__ import annotations

import datetime as dt

from spinekg.exports.fhir import BASE, narrative

OPS = {"CodeSystem": ("lookup", "validate-code", "subsumes"), "ValueSet": ("expand", "validate-code"),
       "ConceptMap": ("translate",)}
SEARCH = (("url", "uri"), ("name", "string"), ("title", "string"), ("version", "token"), ("status", "token"),
          ("_id", "token"))


def _today() -> str:
    return dt.date.today().isoformat()


def _software(version: str) -> dict:
    return {"name": "spinekg", "version": version}


def capability_statement(term, base_url: str) -> dict:
    resources = []
    for kind, ops in OPS.items():
        resources.append({
            "type": kind,
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": [{"name": n, "definition": f"http://hl7.org/fhir/SearchParameter/{kind}-{n}"
                             if not n.startswith("_") else "http://hl7.org/fhir/SearchParameter/Resource-id",
                             "type": t} for n, t in SEARCH],
            "operation": [{"name": op, "definition": f"http://hl7.org/fhir/OperationDefinition/{kind}-{op}"}
                          for op in ops],
        })
    return {
        "resourceType": "CapabilityStatement",
        "id": "spinekg",
        "text": narrative("spinekg FHIR terminology service", [
            "Read-only: CodeSystem, ValueSet and ConceptMap read and search; $lookup, $validate-code, $subsumes, "
            "$expand and $translate. JSON and XML."]),
        "url": f"{BASE}/CapabilityStatement/spinekg",
        "version": term.version,
        "name": "SpinekgTerminologyService",
        "title": "spinekg FHIR terminology service",
        "status": "active",
        "experimental": False,
        "date": _today(),
        "publisher": "spinekg",
        "description": "A read-only FHIR R4 terminology service over the spinekg spine procedure code system.",
        "kind": "instance",
        "instantiates": ["http://hl7.org/fhir/CapabilityStatement/terminology-server"],
        "software": _software(term.version),
        "implementation": {"description": "spinekg serve", "url": base_url},
        "fhirVersion": "4.0.1",
        "format": ["json", "xml"],
        "rest": [{"mode": "server", "resource": resources}],
    }


def terminology_capabilities(term) -> dict:
    systems = []
    for cs in term.code_systems.values():
        res = cs.resource
        version = {"code": cs.version, "isDefault": True, "compositional": False, "language": ["en"]}
        if res.get("filter"):  # FHIR JSON has no empty arrays
            version["filter"] = [{"code": f["code"], "op": f["operator"]} for f in res["filter"]]
        version["property"] = [p["code"] for p in res.get("property", [])]
        systems.append({"uri": cs.url, "version": [version], "subsumption": True})
    return {
        "resourceType": "TerminologyCapabilities",
        "id": "spinekg",
        "text": narrative("spinekg terminology capabilities", [f"{len(systems)} code systems."]),
        "url": f"{BASE}/TerminologyCapabilities/spinekg",
        "version": term.version,
        "name": "SpinekgTerminologyCapabilities",
        "status": "active",
        "experimental": False,
        "date": _today(),
        "publisher": "spinekg",
        "kind": "instance",
        "software": _software(term.version),
        "codeSystem": systems,
        "expansion": {"hierarchical": False, "paging": True, "incomplete": False,
                      "parameter": [{"name": n} for n in ("filter", "offset", "count", "activeOnly",
                                                          "includeDesignations")],
                      "textFilter": "Every word of the filter must occur in the code, its display or a designation "
                                    "(case ignored)."},
        "validateCode": {"translations": False},
        "translation": {"needsMap": False},
    }
