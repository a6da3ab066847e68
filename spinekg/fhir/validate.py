"""$validate-code on CodeSystem and ValueSet: is this code (Coding, CodeableConcept) valid, and is
the display right?

Answers follow the shapes and wording of the HL7 terminology ecosystem test cases: `result`,
`message`, `display`, the `code` / `system` / `version` validated, `inactive` for deleted codes, and
`issues` (an OperationOutcome: `not-found` for an unknown code system, `code-invalid` for an unknown
code or one outside the value set, `invalid` for a wrong display, a warning for an inactive or
abstract code). An unknown code system and an unknown code get different messages. An unknown
ValueSet is a 404.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from spinekg.fhir.expand import members_of, value_set_from
from spinekg.fhir.outcome import FhirError, invalid, required

TX_ISSUE = "http://hl7.org/fhir/tools/CodeSystem/tx-issue-type"


@dataclass
class Check:
    system: str | None
    code: str
    version: str | None = None
    display: str | None = None  # the right display, when the code is known
    inactive: bool = False
    issues: list[dict] = field(default_factory=list)
    unknown_system: str | None = None

    @property
    def ok(self) -> bool:
        return not any(i["severity"] == "error" for i in self.issues)

    def issue(self, severity: str, code: str, tx_code: str, text: str, where: str) -> None:
        self.issues.append({"severity": severity, "code": code,
                            "details": {"coding": [{"system": TX_ISSUE, "code": tx_code}], "text": text},
                            "expression": [where]})


def _candidates(inputs, default_system: str | None) -> list[tuple[str | None, str, str | None, str]]:
    """(system, code, display, where) for each code to check."""
    out = []
    code = inputs.text("code")
    if code:
        out.append((inputs.text("system") or default_system, code, inputs.text("display"), "code"))
    coding = inputs.coding("coding")
    if coding is not None:
        out.append((coding.get("system"), coding.get("code"), coding.get("display") or inputs.text("display"),
                    "Coding.code"))
    cc = inputs.one("codeableConcept")
    if cc is not None:
        if not isinstance(cc, dict):
            raise invalid("parameter 'codeableConcept' must be a CodeableConcept")
        for i, c in enumerate(cc.get("coding") or []):
            out.append((c.get("system"), c.get("code"), c.get("display"), f"CodeableConcept.coding[{i}].code"))
    if not out:
        raise required("code", " (or 'coding' or 'codeableConcept')")
    return out


def _check(term, system, code, display, where, members, allow_abstract: bool, vs) -> Check:
    c = Check(system, code)
    if not system:
        c.issue("error", "invalid", "invalid-data", f"The System URI could not be determined for the code '{code}'",
                where)
        return c
    cs = term.code_system(system)
    if cs is None:
        c.unknown_system = system
        c.issue("error", "not-found", "not-found",
                f"A definition for CodeSystem '{system}' could not be found, so the code cannot be validated",
                where.replace("code", "system") if where == "code" else where)
        return c
    c.system, c.version = cs.url, cs.version
    concept = cs.concepts.get(code)
    if concept is None:
        c.issue("error", "code-invalid", "invalid-code",
                f"Unknown code '{code}' in the CodeSystem '{cs.url}' version '{cs.version}'", where)
        return c
    c.display = concept.get("display", "")
    if members is not None and (cs.url, code) not in members:
        vs_ref = vs.get("url", "(posted)") + (f"|{vs['version']}" if vs.get("version") else "")
        c.issue("error", "code-invalid", "not-in-vs",
                f"The provided code '{cs.url}#{code}' was not found in the value set '{vs_ref}'", where)
    if not allow_abstract and cs.abstract(code):
        c.issue("error", "business-rule", "code-rule",
                f"The concept '{code}' is abstract (a range group heading) and is not selectable here", where)
    if cs.inactive(code):
        c.inactive = True
        c.issue("warning", "business-rule", "code-comment",
                f"The concept '{code}' has a status of retired and inactive and its use should be reviewed", where)
    if display:
        valid = {c.display.lower(), *(d["value"].lower() for d in concept.get("designation", []))}
        if " ".join(display.split()).lower() not in valid:
            c.issue("error", "invalid", "invalid-display", f"Wrong Display Name '{display}' for {cs.url}#{code}. "
                    f"Valid display is '{c.display}' (en)", where.replace("code", "display"))
    return c


def _result(checks: list[Check]) -> dict:
    good = next((c for c in checks if c.ok), None)
    chosen = good or checks[0]
    params = [{"name": "result", "valueBoolean": good is not None}]
    errors = [i["details"]["text"] for c in checks for i in c.issues if i["severity"] == "error"]
    if good is None and errors:
        params.append({"name": "message", "valueString": "; ".join(errors)})
    if chosen.display:
        params.append({"name": "display", "valueString": chosen.display})
    params.append({"name": "code", "valueCode": chosen.code})
    if chosen.system:
        params.append({"name": "system", "valueUri": chosen.system})
    if chosen.version:
        params.append({"name": "version", "valueString": chosen.version})
    if chosen.inactive:
        params.append({"name": "inactive", "valueBoolean": True})
    issues = [i for c in checks for i in c.issues]
    if issues:
        params.append({"name": "issues", "resource": {"resourceType": "OperationOutcome", "issue": issues}})
    for c in checks:
        if c.unknown_system:
            params.append({"name": "x-caused-by-unknown-system", "valueCanonical": c.unknown_system})
    return {"resourceType": "Parameters", "parameter": params}


def validate_code_system(term, inputs, instance=None) -> dict:
    if inputs.one("codeSystem") is not None:
        raise FhirError(400, "not-supported", "validating against a posted CodeSystem is not supported; use 'url'")
    default = instance.url if instance is not None else inputs.text("url")
    if instance is None and not default and not inputs.text("system") and inputs.coding("coding") is None \
            and inputs.one("codeableConcept") is None:
        raise required("url", " (the code system)")
    allow = inputs.boolean("abstract", True)
    return _result([_check(term, system or default, code, display, where, None, allow, None)
                    for system, code, display, where in _candidates(inputs, default)])


def validate_value_set(term, inputs, instance=None) -> dict:
    vs = value_set_from(term, inputs, instance)
    members = set(members_of(term, vs))
    allow = inputs.boolean("abstract", True)
    return _result([_check(term, system, code, display, where, members, allow, vs)
                    for system, code, display, where in _candidates(inputs, None)])
