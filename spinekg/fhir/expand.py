"""ValueSet membership and ValueSet/$expand.

A value set's compose is evaluated against the code systems the service holds: `concept` lists,
filters (`concept` is-a / descendent-of / is-not-a / generalizes, a property `=` / `in` /
`exists`, matching a Coding's code or its display), `valueSet` references, and `exclude`.
Implicit value sets follow the FHIR pattern `{code system url}?fhir_vs` (every concept) and
`?fhir_vs=isa/CODE`.

$expand filters first (every word of `filter` must occur in the code, the display or a
designation, ignoring case), then pages with `offset` / `count`; `total` counts every match.
"""
from __future__ import annotations

import datetime as dt
import uuid

from spinekg.fhir.outcome import FhirError, invalid, not_found, required

HIERARCHY_OPS = ("is-a", "descendent-of", "is-not-a", "generalizes")


def _value_matches(p: dict, wanted: str) -> bool:
    wanted = wanted.lower()
    if "valueCoding" in p:
        c = p["valueCoding"]
        return c.get("code", "").lower() == wanted or c.get("display", "").lower() == wanted
    for k, v in p.items():
        if k.startswith("value"):
            if isinstance(v, bool):
                v = "true" if v else "false"
            return str(v).lower() == wanted
    return False


def _filter(cs, f: dict) -> set[str]:
    prop, op, value = f.get("property"), f.get("op"), f.get("value")
    if not prop or not op or value is None:
        raise invalid("a compose filter needs property, op and value")
    value = str(value)
    if prop == "concept" or (prop == "code" and op in HIERARCHY_OPS):
        if op not in HIERARCHY_OPS:
            raise FhirError(400, "not-supported", f"filter operator {op!r} is not supported on 'concept'")
        if value not in cs.concepts:
            raise not_found(f"filter value {value!r} is not a code of {cs.url}")
        if op == "is-a":
            return {value} | cs.descendants(value)
        if op == "descendent-of":
            return cs.descendants(value)
        if op == "generalizes":
            return {value} | cs.ancestors(value)
        return set(cs.concepts) - ({value} | cs.descendants(value))
    if prop not in cs.declared:
        raise FhirError(400, "not-supported", f"{cs.url} has no property {prop!r} to filter on")
    if op == "=":
        wanted = [value]
    elif op == "in":
        wanted = [v.strip() for v in value.split(",") if v.strip()]
    elif op == "exists":
        has = value.lower() == "true"
        return {c for c in cs.concepts if bool(cs.props(c, prop)) == has}
    else:
        raise FhirError(400, "not-supported", f"filter operator {op!r} is not supported on {prop!r}")
    return {c for c in cs.concepts if any(_value_matches(p, w) for p in cs.props(c, prop) for w in wanted)}


def _include(term, inc: dict, depth: int) -> list[tuple[str, str]]:
    """(system, code) pairs of one include/exclude entry, in code-system order."""
    members: set[tuple[str, str]] | None = None
    system = inc.get("system")
    if system:
        cs = term.code_system(system)
        if cs is None:
            raise not_found(f"a definition for CodeSystem '{system}' could not be found")
        if inc.get("concept"):
            codes = []
            for c in inc["concept"]:
                if c.get("code") not in cs.concepts:
                    raise not_found(f"unknown code '{c.get('code')}' in the CodeSystem '{cs.url}'")
                codes.append(c["code"])
            chosen = set(codes)
        else:
            chosen = set(cs.concepts)
        for f in inc.get("filter") or []:
            chosen &= _filter(cs, f)
        members = {(cs.url, c) for c in chosen}
    for ref in inc.get("valueSet") or []:
        inner = set(members_of(term, resolve(term, ref), depth + 1))
        members = inner if members is None else members & inner
    if members is None:
        raise invalid("a compose include needs a system or a valueSet")
    systems = list(term.code_systems)
    return sorted(members, key=lambda m: (systems.index(m[0]), term.code_systems[m[0]].position[m[1]]))


def members_of(term, vs: dict, depth: int = 0) -> list[tuple[str, str]]:
    """(system, code) of every member, in code-system order; cached for the service's own value sets."""
    own = vs.get("url") if term.find("ValueSet", vs.get("url") or "") is vs else None
    if own and own in term.members:
        return term.members[own]
    out = _members(term, vs, depth)
    if own:
        term.members[own] = out
    return out


def _members(term, vs: dict, depth: int) -> list[tuple[str, str]]:
    if depth > 8:
        raise FhirError(400, "too-costly", "value sets nest too deeply")
    compose = vs.get("compose") or {}
    if not compose.get("include"):
        raise FhirError(400, "not-supported", f"the ValueSet '{vs.get('url', '(posted)')}' has no compose to expand")
    out: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for inc in compose["include"]:
        for m in _include(term, inc, depth):
            if m not in seen:
                seen.add(m)
                out.append(m)
    for exc in compose.get("exclude") or []:
        drop = set(_include(term, exc, depth))
        out = [m for m in out if m not in drop]
    return out


def resolve(term, url: str) -> dict:
    """A ValueSet by canonical url (`|version` allowed), or an implicit `?fhir_vs` value set."""
    base, sep, query = url.partition("?")
    if sep:
        cs = term.code_system(base)
        if cs is None or not query.startswith("fhir_vs"):
            raise not_found(f"a definition for ValueSet '{url}' could not be found")
        include = {"system": cs.url}
        if query.startswith("fhir_vs=isa/"):
            include["filter"] = [{"property": "concept", "op": "is-a", "value": query[len("fhir_vs=isa/"):]}]
        elif query != "fhir_vs":
            raise not_found(f"implicit value set '{url}': only ?fhir_vs and ?fhir_vs=isa/CODE are defined")
        return {"resourceType": "ValueSet", "url": url, "status": "active", "compose": {"include": [include]}}
    vs = term.find("ValueSet", url)
    if vs is None:
        raise not_found(f"a definition for ValueSet '{url}' could not be found")
    return vs


def value_set_from(term, inputs, instance: dict | None) -> dict:
    if instance is not None:
        return instance
    posted = inputs.resource("valueSet")
    if posted is not None:
        if posted.get("resourceType") != "ValueSet":
            raise invalid("parameter 'valueSet' must be a ValueSet")
        return posted
    url = inputs.text("url") or inputs.text("context")
    if not url:
        raise required("url", " (or a valueSet resource)")
    return resolve(term, url)


def _entry(term, system: str, code: str, designations: bool) -> dict:
    cs = term.code_systems[system]
    c = cs.concepts[code]
    out: dict = {"system": system}
    if cs.abstract(code):
        out["abstract"] = True
    if cs.inactive(code):
        out["inactive"] = True
    if cs.version:
        out["version"] = cs.version
    out["code"] = code
    out["display"] = c.get("display", "")
    if designations and c.get("designation"):
        out["designation"] = c["designation"]
    return out


def expand(term, inputs, instance: dict | None = None) -> dict:
    vs = value_set_from(term, inputs, instance)
    text = inputs.text("filter") or ""
    offset, count = inputs.count("offset") or 0, inputs.count("count")
    active_only = inputs.boolean("activeOnly")
    designations = inputs.boolean("includeDesignations")
    words = text.lower().split()
    members = [m for m in members_of(term, vs)
               if (not words or term.code_systems[m[0]].text_matches(m[1], words))
               and not (active_only and term.code_systems[m[0]].inactive(m[1]))]
    page = members[offset:] if count is None else members[offset:offset + count]
    params = [{"name": "offset", "valueInteger": offset}]
    if count is not None:
        params.append({"name": "count", "valueInteger": count})
    if text:
        params.append({"name": "filter", "valueString": text})
    if active_only:
        params.append({"name": "activeOnly", "valueBoolean": True})
    expansion = {"identifier": f"urn:uuid:{uuid.uuid4()}",
                 "timestamp": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
                 "total": len(members), "offset": offset, "parameter": params}
    if page:
        expansion["contains"] = [_entry(term, s, c, designations) for s, c in page]
    out = {"resourceType": "ValueSet"}
    for key in ("id", "url", "version", "name", "title", "status", "experimental", "publisher", "description",
                "copyright", "compose"):
        if key in vs:
            out[key] = vs[key]
    out.setdefault("status", "active")
    out["expansion"] = expansion
    return out
