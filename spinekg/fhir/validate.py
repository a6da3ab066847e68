"""$validate-code on CodeSystem and ValueSet: is this code (Coding, CodeableConcept) valid, and is
the display right?

Outcomes, as Parameters `result`, `message`, `display`: an unknown code system (result false,
"a definition for CodeSystem ... could not be found"), an unknown code in a known system (result
false, "unknown code ..."), a code outside the value set, a wrong display (result false, with the
right `display`), an abstract range group when `abstract=false`. An unknown ValueSet is a 404.
"""
from __future__ import annotations

from spinekg.fhir.expand import members_of, value_set_from
from spinekg.fhir.outcome import invalid, required


def _candidates(inputs, default_system: str | None) -> list[tuple[str | None, str, str | None]]:
    out = []
    code = inputs.text("code")
    if code:
        system = inputs.text("system") or default_system
        out.append((system, code, inputs.text("display")))
    coding = inputs.coding("coding")
    if coding is not None:
        out.append((coding.get("system"), coding.get("code"), coding.get("display") or inputs.text("display")))
    cc = inputs.one("codeableConcept")
    if cc is not None:
        if not isinstance(cc, dict):
            raise invalid("parameter 'codeableConcept' must be a CodeableConcept")
        for c in cc.get("coding") or []:
            out.append((c.get("system"), c.get("code"), c.get("display")))
    if not out:
        raise required("code", " (or 'coding' or 'codeableConcept')")
    return out


def _check(term, system, code, display, members, allow_abstract: bool, vs_url: str | None):
    """(valid, message, right display)."""
    if not system:
        return False, f"code '{code}' has no system, so it cannot be validated", None
    cs = term.code_system(system)
    if cs is None:
        return False, f"a definition for CodeSystem '{system}' could not be found, so the code cannot be validated", None
    concept = cs.concepts.get(code)
    if concept is None:
        return False, f"unknown code '{code}' in the CodeSystem '{cs.url}'", None
    right = concept.get("display", "")
    if members is not None and (cs.url, code) not in members:
        return False, f"the code '{cs.url}#{code}' is valid but is not in the value set '{vs_url}'", right
    if not allow_abstract and cs.abstract(code):
        return False, f"the code '{code}' is abstract (a range group heading) and not selectable here", right
    if display:
        valid = {right.lower(), *(d["value"].lower() for d in concept.get("designation", []))}
        if display.strip().lower() not in valid:
            return False, f"wrong display '{display}' for {cs.url}#{code}; the valid display is '{right}'", right
    return True, None, right


def _result(checks) -> dict:
    ok = next((c for c in checks if c[0]), None)
    chosen = ok or checks[0]
    params = [{"name": "result", "valueBoolean": ok is not None}]
    if ok is None:
        params.append({"name": "message", "valueString": "; ".join(c[1] for c in checks if c[1])})
    if chosen[2]:
        params.append({"name": "display", "valueString": chosen[2]})
    return {"resourceType": "Parameters", "parameter": params}


def validate_code_system(term, inputs, instance=None) -> dict:
    if inputs.one("codeSystem") is not None:
        from spinekg.fhir.outcome import FhirError

        raise FhirError(400, "not-supported", "validating against a posted CodeSystem is not supported; use 'url'")
    default = instance.url if instance is not None else inputs.text("url")
    if instance is None and not default and not inputs.text("system") and inputs.coding("coding") is None \
            and inputs.one("codeableConcept") is None:
        raise required("url", " (the code system)")
    allow = inputs.boolean("abstract", True)
    checks = [_check(term, system or default, code, display, None, allow, None)
              for system, code, display in _candidates(inputs, default)]
    return _result(checks)


def validate_value_set(term, inputs, instance=None) -> dict:
    vs = value_set_from(term, inputs, instance)
    members = set(members_of(term, vs))
    allow = inputs.boolean("abstract", True)
    checks = [_check(term, system, code, display, members, allow, vs.get("url", "(posted)"))
              for system, code, display in _candidates(inputs, None)]
    return _result(checks)
