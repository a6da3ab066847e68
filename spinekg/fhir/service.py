"""The FHIR R4 terminology service behind `spinekg serve` at /fhir.

Mount contract: `handle(method, path, query, headers, body) -> (status, headers, body)`; `path`
starts with "/fhir", `query` maps each name to its values; synchronous; never raises. Errors are
OperationOutcomes with an issue code and the HTTP status FHIR gives (400 invalid / required, 404
not-found, 405 read-only, 406 / 415 not-supported, 500 exception). Read-only: nothing a request
sends changes anything, and nothing is fetched from elsewhere.

Routes: GET metadata[?mode=terminology]; GET {CodeSystem|ValueSet|ConceptMap}[/{id}] (read,
search; POST {type}/_search with a form body); GET or POST {type}[/{id}]/$op for $lookup,
$validate-code, $subsumes (CodeSystem), $expand, $validate-code (ValueSet), $translate (ConceptMap).
JSON by default; XML with `_format=xml` or an Accept of application/fhir+xml.
"""
from __future__ import annotations

import json

from spinekg.fhir.outcome import FhirError, operation_outcome

JSON_TYPES = ("application/fhir+json", "application/json", "application/json+fhir", "json", "text/json")
XML_TYPES = ("application/fhir+xml", "application/xml", "application/xml+fhir", "xml", "text/xml")
KINDS = ("CodeSystem", "ValueSet", "ConceptMap")
WRITE_METHODS = ("PUT", "DELETE", "PATCH")


def _operations():
    from spinekg.fhir.expand import expand
    from spinekg.fhir.lookup import lookup
    from spinekg.fhir.subsumes import subsumes
    from spinekg.fhir.translate import translate
    from spinekg.fhir.validate import validate_code_system, validate_value_set

    return {("CodeSystem", "lookup"): lookup, ("CodeSystem", "validate-code"): validate_code_system,
            ("CodeSystem", "subsumes"): subsumes, ("ValueSet", "expand"): expand,
            ("ValueSet", "validate-code"): validate_value_set, ("ConceptMap", "translate"): translate}


def negotiate(query: dict[str, list[str]], headers: dict[str, str]) -> str | None:
    """'json', 'xml', or None when neither `_format` nor Accept allows one of them."""
    fmt = (query.get("_format") or [""])[0].strip().lower()
    if fmt:
        media = fmt.split(";")[0].strip()
        return "json" if media in JSON_TYPES else "xml" if media in XML_TYPES else None
    accept = headers.get("accept", "").strip()
    if not accept:
        return "json"
    from spinekg.http.accept import accept_ranges

    best = None
    for q, i, media in accept_ranges(accept):
        kind = ("json" if media in JSON_TYPES or media in ("*/*", "application/*") else
                "xml" if media in XML_TYPES else None)
        if kind and (best is None or (-q, i) < best[0]):
            best = ((-q, i), kind)
    return best[1] if best else None


def _encode(doc: dict, fmt: str, status: int) -> tuple[int, dict[str, str], bytes]:
    if fmt == "xml":
        from spinekg.fhir.xmlio import to_xml

        return status, {"Content-Type": "application/fhir+xml; charset=utf-8"}, to_xml(doc)
    data = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return status, {"Content-Type": "application/fhir+json; charset=utf-8"}, data


def _base_url(headers: dict[str, str]) -> str:
    host = headers.get("host", "").strip() or "127.0.0.1"
    if any(ch in host for ch in "/\\ \"<>"):  # only ever echoed into links; keep them well-formed
        host = "127.0.0.1"
    return f"http://{host}/fhir"


def _route(method: str, parts: list[str], query, headers, body) -> tuple[int, dict]:
    from spinekg.fhir.params import gather
    from spinekg.fhir.terminology import get_terminology

    if method in WRITE_METHODS:
        raise FhirError(405, "not-supported", f"{method} is not allowed: this terminology service is read-only")
    if method not in ("GET", "HEAD", "POST"):
        raise FhirError(405, "not-supported", f"method {method} is not supported")
    if not parts:
        raise FhirError(404, "not-supported", "no resource type given; see /fhir/metadata")
    term = get_terminology()
    content_type = headers.get("content-type", "")
    if parts == ["metadata"]:
        mode = (query.get("mode") or ["full"])[0]
        from spinekg.fhir import capability

        if mode == "terminology":
            return 200, capability.terminology_capabilities(term)
        if mode not in ("full", "normative"):
            raise FhirError(400, "invalid", f"unknown metadata mode {mode!r}; use full, normative or terminology")
        return 200, capability.capability_statement(term, _base_url(headers))
    kind = parts[0]
    if kind not in KINDS:
        raise FhirError(404, "not-supported", f"resource type '{kind}' is not supported here; "
                                              f"this service holds {', '.join(KINDS)}")
    rest = parts[1:]
    instance = None
    if rest and not rest[0].startswith("$") and rest[0] != "_search":
        from spinekg.fhir.search import read

        instance = read(term, kind, rest[0])
        rest = rest[1:]
        if not rest:
            if method == "POST":
                raise FhirError(405, "not-supported", "this terminology service is read-only")
            return 200, instance
    if not rest or rest == ["_search"]:
        if instance is not None or (method == "POST" and rest != ["_search"]):
            raise FhirError(405, "not-supported", "this terminology service is read-only")
        from spinekg.fhir.search import search

        merged = dict(query)
        if method == "POST":
            from urllib.parse import parse_qs

            for k, v in parse_qs(body.decode("utf-8", "replace")).items():
                merged.setdefault(k, []).extend(v)
        return 200, search(term, kind, merged, _base_url(headers))
    if len(rest) != 1 or not rest[0].startswith("$"):
        raise FhirError(404, "not-found", f"no such path: /fhir/{'/'.join(parts)}")
    op = _operations().get((kind, rest[0][1:]))
    if op is None:
        raise FhirError(404, "not-supported", f"operation {rest[0]} is not defined on {kind}")
    if instance is not None and kind == "CodeSystem":
        instance = term.code_system(instance["url"])
    inputs = gather(query, method, body, content_type, "valueSet" if kind == "ValueSet" else None)
    return 200, op(term, inputs, instance)


def handle(method: str, path: str, query: dict[str, list[str]], headers: dict[str, str],
           body: bytes) -> tuple[int, dict[str, str], bytes]:
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    query = query or {}
    method = method.upper()
    fmt = negotiate(query, headers)
    if fmt is None:
        return _encode(operation_outcome("not-supported", "only FHIR JSON and XML are offered "
                                         "(_format=json|xml, or Accept: application/fhir+json|application/fhir+xml)"),
                       "json", 406)
    try:
        if path != "/fhir" and not path.startswith("/fhir/"):
            raise FhirError(404, "not-found", f"{path} is not under /fhir")
        parts = [p for p in path[len("/fhir"):].split("/") if p]
        status, doc = _route(method, parts, query, headers, body or b"")
    except FhirError as err:
        status, doc = err.status, operation_outcome(err.code, err.message, err.severity)
    except Exception as exc:  # never a traceback to the client; the message names the fault
        status, doc = 500, operation_outcome("exception", f"internal error: {type(exc).__name__}: {exc}")
    out = _encode(doc, fmt, status)
    return (out[0], out[1], b"") if method == "HEAD" else out
