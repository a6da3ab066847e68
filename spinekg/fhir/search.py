"""Read and search of CodeSystem, ValueSet and ConceptMap (`url`, `name`, `title`, `version`,
`status`, `_id`; string parameters match the start of the value, ignoring case, or with `:exact`
/ `:contains`). Unknown search parameters are ignored, as FHIR's lenient handling allows."""
from __future__ import annotations

from spinekg.fhir.outcome import invalid, not_found

STRING = ("name", "title")
TOKEN = ("version", "status", "_id")


def read(term, kind: str, rid: str) -> dict:
    found = term.by_id.get((kind, rid))
    if found is None:
        raise not_found(f"{kind}/{rid} is not known")
    return found


def _match(res: dict, name: str, modifier: str, value: str) -> bool:
    if name == "url":
        base, _, version = value.partition("|")
        return res.get("url") == base and (not version or res.get("version") == version)
    if name in TOKEN:
        return str(res.get("id" if name == "_id" else name, "")) == value
    have = str(res.get(name, "")).lower()
    want = value.lower()
    if modifier == "exact":
        return res.get(name, "") == value
    if modifier == "contains":
        return want in have
    return have.startswith(want)


def search(term, kind: str, query: dict[str, list[str]], base_url: str) -> dict:
    hits = term.of_type(kind)
    for key, values in query.items():
        name, _, modifier = key.partition(":")
        if name not in ("url", *STRING, *TOKEN):
            continue
        if modifier and (name not in STRING or modifier not in ("exact", "contains")):
            raise invalid(f"search modifier ':{modifier}' is not supported on '{name}'")
        for value in values:  # repeated parameters AND; a comma inside one ORs
            options = value.split(",")
            hits = [r for r in hits if any(_match(r, name, modifier, v) for v in options)]
    summary = (query.get("_summary") or [""])[0]
    count = (query.get("_count") or [""])[0]
    bundle = {"resourceType": "Bundle", "type": "searchset", "total": len(hits),
              "link": [{"relation": "self", "url": f"{base_url}/{kind}"}]}
    if summary == "count":
        return bundle
    if count:
        if not count.isdigit():
            raise invalid(f"_count must be a whole number, got {count!r}")
        hits = hits[:int(count)]
    entries = []
    for r in hits:
        if summary == "true":  # the summary elements: everything but the concepts / compose / groups
            r = {k: v for k, v in r.items() if k not in ("concept", "compose", "group", "text")}
        entries.append({"fullUrl": f"{base_url}/{kind}/{r['id']}", "resource": r, "search": {"mode": "match"}})
    if entries:
        bundle["entry"] = entries
    return bundle
