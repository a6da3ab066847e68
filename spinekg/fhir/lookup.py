"""CodeSystem/$lookup: a code's display, designations (a user's imported descriptor included) and
properties: every facet, units and counting, kind, evidence, history, parent and child (each
property's `description` part is the display of the concept its value names, as the HL7
terminology test cases expect).

`property` limits what is returned (repeatable; `*` or none means every property); the names
`display`, `designation` and `definition` may be asked for too.
"""
from __future__ import annotations

from spinekg.fhir.outcome import invalid, not_found, required

VALUE_KEYS = ("valueCode", "valueCoding", "valueString", "valueInteger", "valueBoolean", "valueDateTime",
              "valueDecimal")


def code_and_system(inputs, cs_from_instance=None, *, code_name="code", coding_name="coding"):
    """(system url, code, version) from code+system or a Coding."""
    coding = inputs.coding(coding_name)
    code = inputs.text(code_name)
    system = inputs.text("system") or inputs.text("url")
    version = inputs.text("version")
    if coding is not None:
        if code and code != coding.get("code"):
            raise invalid(f"'{code_name}' and '{coding_name}' name different codes")
        code, system = coding.get("code"), coding.get("system") or system
        version = coding.get("version") or version
    if cs_from_instance is not None:
        if system and system.partition("|")[0] != cs_from_instance.url:
            raise invalid(f"system '{system}' is not the code system {cs_from_instance.url}")
        system = cs_from_instance.url
    if not code:
        raise required(code_name, f" (or '{coding_name}')")
    if not system:
        raise required("system")
    return system, code, version


def resolve_code_system(term, system: str, version: str | None):
    cs = term.code_system(system)
    if cs is None:
        raise not_found(f"a definition for CodeSystem '{system}' could not be found")
    if version and cs.version and version != cs.version:
        raise not_found(f"CodeSystem '{cs.url}' version '{version}' is not known (this server has {cs.version})")
    return cs


def lookup(term, inputs, instance=None) -> dict:
    system, code, version = code_and_system(inputs, instance)
    cs = resolve_code_system(term, system, version)
    concept = cs.concepts.get(code)
    if concept is None:
        raise not_found(f"unknown code '{code}' in the CodeSystem '{cs.url}'")
    asked = [p for v in inputs.all("property") for p in str(v).split(",") if p.strip()]
    every = not asked or "*" in asked

    def wanted(name: str) -> bool:
        return every or name in asked

    params = [{"name": "name", "valueString": cs.resource.get("name") or cs.name}]
    if cs.version:
        params.append({"name": "version", "valueString": cs.version})
    params.append({"name": "display", "valueString": concept.get("display", "")})
    params.append({"name": "abstract", "valueBoolean": cs.abstract(code)})
    if concept.get("definition") and wanted("definition"):
        params.append({"name": "definition", "valueString": concept["definition"]})
    if wanted("designation"):
        for d in concept.get("designation", []):
            part = []
            if d.get("language"):
                part.append({"name": "language", "valueCode": d["language"]})
            if d.get("use"):
                part.append({"name": "use", "valueCoding": d["use"]})
            part.append({"name": "value", "valueString": d["value"]})
            params.append({"name": "designation", "part": part})
    props = list(concept.get("property", []))
    if not any(p["code"] == "child" for p in props):  # children from the parent links
        props += [{"code": "child", "valueCode": c} for c in cs.children.get(code, [])]
    for p in props:
        if not wanted(p["code"]):
            continue
        part = [{"name": "code", "valueCode": p["code"]}]
        part += [{"name": "value", k: p[k]} for k in VALUE_KEYS if k in p]
        # the value for people: the display of the concept a code or Coding names
        target = cs.concepts.get(p["valueCode"]) if "valueCode" in p else None
        desc = target.get("display") if target else p.get("valueCoding", {}).get("display")
        if desc:
            part.append({"name": "description", "valueString": desc})
        params.append({"name": "property", "part": part})
    return {"resourceType": "Parameters", "parameter": params}
