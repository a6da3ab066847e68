"""Operation inputs from a GET query or a POSTed Parameters resource (JSON or XML), as one shape.

Every input becomes a list of values under its name: primitives as strings (FHIR's JSON
booleans and numbers too), Codings / CodeableConcepts / resources as dicts. On GET a Coding may
be written `system|code` (as HAPI and most servers accept).
"""
from __future__ import annotations

import json

from spinekg.fhir.outcome import FhirError, invalid, required

MAX_BODY = 1 << 20


class Inputs:
    def __init__(self, values: dict[str, list]):
        self.values = values

    def all(self, name: str) -> list:
        return self.values.get(name, [])

    def one(self, name: str, default=None):
        got = self.values.get(name, [])
        if len(got) > 1:
            raise invalid(f"parameter '{name}' may be given once, got {len(got)} values")
        return got[0] if got else default

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.one(name, default)
        if value is not None and not isinstance(value, str):
            raise invalid(f"parameter '{name}' must be a simple value")
        return value.strip() if isinstance(value, str) else value

    def need(self, name: str) -> str:
        value = self.text(name)
        if not value:
            raise required(name)
        return value

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.text(name)
        if value is None or value == "":
            return default
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise invalid(f"parameter '{name}' must be true or false, got {value!r}")

    def count(self, name: str) -> int | None:
        value = self.text(name)
        if value is None or value == "":
            return None
        if not value.isdigit():
            raise invalid(f"parameter '{name}' must be a whole number >= 0, got {value!r}")
        return int(value)

    def coding(self, name: str) -> dict | None:
        """A Coding parameter: a dict, or on GET `system|code`."""
        value = self.one(name)
        if value is None or isinstance(value, dict):
            return value
        system, sep, code = value.rpartition("|")
        if not sep:
            raise invalid(f"parameter '{name}' must be a Coding (on GET: system|code), got {value!r}")
        return {"system": system, "code": code}

    def resource(self, name: str) -> dict | None:
        value = self.one(name)
        if value is not None and not (isinstance(value, dict) and value.get("resourceType")):
            raise invalid(f"parameter '{name}' must be a resource")
        return value


def _primitive(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def from_parameters(doc: dict) -> dict[str, list]:
    if not isinstance(doc, dict) or doc.get("resourceType") != "Parameters":
        raise invalid("the request body must be a Parameters resource")
    out: dict[str, list] = {}
    for p in doc.get("parameter") or []:
        if not isinstance(p, dict) or not isinstance(p.get("name"), str):
            raise invalid("every parameter needs a name")
        if "resource" in p:
            value = p["resource"]
        else:
            keys = [k for k in p if k.startswith("value")]
            if len(keys) != 1:
                raise invalid(f"parameter '{p['name']}' needs exactly one value[x] or a resource")
            value = p[keys[0]]
            if not isinstance(value, dict):
                value = _primitive(value)
        out.setdefault(p["name"], []).append(value)
    return out


def parse_body(body: bytes, content_type: str) -> dict:
    """A resource from a request body: FHIR JSON or FHIR XML, by Content-Type (JSON if unsaid)."""
    if len(body) > MAX_BODY:
        raise FhirError(413, "too-costly", f"request body over {MAX_BODY} bytes")
    media = content_type.split(";")[0].strip().lower()
    if media in ("application/fhir+xml", "application/xml", "text/xml"):
        from spinekg.fhir.xmlio import from_xml

        return from_xml(body)
    if media and media not in ("application/fhir+json", "application/json", "application/json+fhir"):
        raise FhirError(415, "not-supported", f"unsupported Content-Type {media!r}; send FHIR JSON or XML")
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise invalid(f"the request body is not valid JSON: {exc}") from None


def gather(query: dict[str, list[str]], method: str, body: bytes, content_type: str,
           resource_input: str | None = None) -> Inputs:
    """Inputs of an operation: the query string, plus a POSTed Parameters resource (or, for
    operations that take one, a bare resource such as a ValueSet as `resource_input`)."""
    values: dict[str, list] = {k: list(v) for k, v in query.items() if not k.startswith("_")}
    if method == "POST" and body.strip():
        media = content_type.split(";")[0].strip().lower()
        if media == "application/x-www-form-urlencoded":
            from urllib.parse import parse_qs

            for k, v in parse_qs(body.decode("utf-8", "replace")).items():
                values.setdefault(k, []).extend(v)
            return Inputs(values)
        doc = parse_body(body, content_type)
        if resource_input and isinstance(doc, dict) and doc.get("resourceType") not in (None, "Parameters"):
            values.setdefault(resource_input, []).append(doc)
        else:
            for k, v in from_parameters(doc).items():
                values.setdefault(k, []).extend(v)
    return Inputs(values)
