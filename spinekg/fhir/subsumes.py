"""CodeSystem/$subsumes over the code system's is-a hierarchy.

For the spinekg code system that hierarchy is the range groups (skos:broader: a code is a kind of
the operation its range heading names, and groups nest); for the facet code system, a facet class
subsumes its values. `sk:addOnTo` does not count: an add-on is reported with its primary, it is not
a kind of it (use $lookup's addOnTo / hasAddOn properties for that relation).
"""
from __future__ import annotations

from spinekg.fhir.lookup import resolve_code_system
from spinekg.fhir.outcome import invalid, not_found, required


def _side(inputs, letter: str):
    coding = inputs.coding(f"coding{letter}")
    code = inputs.text(f"code{letter}")
    if coding is not None:
        return coding.get("code"), coding.get("system")
    if not code:
        raise required(f"code{letter}", f" (or 'coding{letter}')")
    return code, None


def subsumes(term, inputs, instance=None) -> dict:
    (a, sys_a), (b, sys_b) = _side(inputs, "A"), _side(inputs, "B")
    system = inputs.text("system") or sys_a or sys_b
    if instance is not None:
        system = system or instance.url
    if not system:
        raise required("system")
    for s in (sys_a, sys_b):
        if s and s != system:
            raise invalid(f"codes of different systems ('{s}' and '{system}') cannot subsume each other")
    cs = resolve_code_system(term, system, inputs.text("version"))
    if instance is not None and cs is not instance:
        raise invalid(f"system '{system}' is not the code system {instance.url}")
    for code in (a, b):
        if code not in cs.concepts:
            raise not_found(f"unknown code '{code}' in the CodeSystem '{cs.url}'")
    if a == b:
        outcome = "equivalent"
    elif a in cs.ancestors(b):
        outcome = "subsumes"
    elif b in cs.ancestors(a):
        outcome = "subsumed-by"
    else:
        outcome = "not-subsumed"
    return {"resourceType": "Parameters", "parameter": [{"name": "outcome", "valueCode": outcome}]}
