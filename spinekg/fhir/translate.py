"""ConceptMap/$translate: spinekg codes -> BioPortal CPT IRIs and the AMA CPT system, spinekg regions
-> UBERON, and back with `reverse=true`.

Without `url` every ConceptMap whose group maps from the given system is used (`targetsystem`
narrows the targets). Matches are Parameters `match` parts: equivalence, concept, source.
"""
from __future__ import annotations

from spinekg.fhir.outcome import not_found, required


def translate(term, inputs, instance=None) -> dict:
    coding = inputs.coding("coding")
    code, system = inputs.text("code"), inputs.text("system")
    if coding is not None:
        code, system = coding.get("code"), coding.get("system")
    cc = inputs.one("codeableConcept")
    pairs = [(system, code)] if code else []
    if isinstance(cc, dict):
        pairs += [(c.get("system"), c.get("code")) for c in cc.get("coding") or []]
    if not pairs:
        raise required("code", " (or 'coding' or 'codeableConcept')")
    if any(not s for s, _ in pairs):
        raise required("system")
    reverse = inputs.boolean("reverse")
    target_system = inputs.text("targetsystem")
    if instance is not None:
        maps = [instance]
    elif inputs.text("url"):
        found = term.find("ConceptMap", inputs.text("url"))
        if found is None:
            raise not_found(f"a definition for ConceptMap '{inputs.text('url')}' could not be found")
        maps = [found]
    else:
        maps = term.of_type("ConceptMap")
    matches = []
    for cm in maps:
        for group in cm.get("group", []):
            src, tgt = (group["target"], group["source"]) if reverse else (group["source"], group["target"])
            if target_system and tgt != target_system:
                continue
            for system_in, code_in in pairs:
                if system_in != src:
                    continue
                for el in group["element"]:
                    for t in el.get("target", []):
                        if (t["code"] if reverse else el["code"]) != code_in:
                            continue
                        concept = {"system": tgt, "code": el["code"] if reverse else t["code"]}
                        display = el.get("display") if reverse else t.get("display")
                        if display:
                            concept["display"] = display
                        matches.append({"name": "match", "part": [
                            {"name": "equivalence", "valueCode": t["equivalence"]},
                            {"name": "concept", "valueCoding": concept},
                            {"name": "source", "valueUri": cm["url"]}]})
    params = [{"name": "result", "valueBoolean": bool(matches)}]
    if not matches:
        what = ", ".join(f"{s}#{c}" for s, c in pairs)
        params.append({"name": "message", "valueString": f"no mapping found for {what}"
                       + (f" to {target_system}" if target_system else "")})
    return {"resourceType": "Parameters", "parameter": params + matches}
