"""The service's indexes, built once from the same resources `spinekg export fhir` writes (so the
service answers exactly what the export says): code systems by url with parent/child maps,
value sets and concept maps by url and id.

Built from the catalog (the compiled cache: no RDF parsing, no rdflib) and the graph's
skos:exactMatch mappings (Oxigraph); rebuilt only when the data or the user's imports change.
"""
from __future__ import annotations

import functools

KINDS = ("CodeSystem", "ValueSet", "ConceptMap")


class CodeSystemIndex:
    def __init__(self, resource: dict):
        self.resource = resource
        self.url = resource["url"]
        self.version = resource.get("version")
        self.name = resource.get("title") or resource.get("name") or self.url
        self.concepts: dict[str, dict] = {c["code"]: c for c in resource.get("concept", [])}
        self.position = {code: i for i, code in enumerate(self.concepts)}
        self.declared = {p["code"]: p for p in resource.get("property", [])}
        self.parents: dict[str, list[str]] = {}
        self.children: dict[str, list[str]] = {}
        for code, concept in self.concepts.items():
            for p in concept.get("property", []):
                if p["code"] == "parent":
                    self.parents.setdefault(code, []).append(p["valueCode"])
                    self.children.setdefault(p["valueCode"], []).append(code)
        self._search = {code: f"{code} {c.get('display', '')} "
                              f"{' '.join(d['value'] for d in c.get('designation', []))}".lower()
                        for code, c in self.concepts.items()}

    def ancestors(self, code: str) -> set[str]:
        seen: set[str] = set()
        stack = list(self.parents.get(code, ()))
        while stack:
            c = stack.pop()
            if c not in seen:
                seen.add(c)
                stack.extend(self.parents.get(c, ()))
        return seen

    def descendants(self, code: str) -> set[str]:
        seen: set[str] = set()
        stack = list(self.children.get(code, ()))
        while stack:
            c = stack.pop()
            if c not in seen:
                seen.add(c)
                stack.extend(self.children.get(c, ()))
        return seen

    def props(self, code: str, name: str) -> list[dict]:
        return [p for p in self.concepts[code].get("property", []) if p["code"] == name]

    def flag(self, code: str, name: str) -> bool:
        return any(p.get("valueBoolean") is True for p in self.props(code, name))

    def abstract(self, code: str) -> bool:
        return self.flag(code, "notSelectable")

    def inactive(self, code: str) -> bool:
        return self.flag(code, "inactive") or any(p.get("valueCode") == "retired" for p in self.props(code, "status"))

    def text_matches(self, code: str, words: list[str]) -> bool:
        """Every word of a text filter occurs in the code, its display or a designation."""
        text = self._search[code]
        return all(w in text for w in words)


class Terminology:
    def __init__(self, resources: list[dict], version: str):
        self.version = version
        self.resources = resources
        self.code_systems = {r["url"]: CodeSystemIndex(r) for r in resources if r["resourceType"] == "CodeSystem"}
        self.by_id = {(r["resourceType"], r["id"]): r for r in resources}
        self.by_url = {(r["resourceType"], r["url"]): r for r in resources}
        self.members: dict[str, list] = {}  # value set url -> its members, once computed (read-only data)

    def of_type(self, kind: str) -> list[dict]:
        return [r for r in self.resources if r["resourceType"] == kind]

    def code_system(self, url: str | None) -> CodeSystemIndex | None:
        if not url:
            return None
        base, _, _version = url.partition("|")  # canonical|version
        return self.code_systems.get(base)

    def find(self, kind: str, url: str) -> dict | None:
        base, _, version = url.partition("|")
        found = self.by_url.get((kind, base))
        if found is not None and version and found.get("version") != version:
            return None
        return found


def build(catalog=None, mappings=None, version: str | None = None) -> Terminology:
    from spinekg.exports.fhir import resources
    from spinekg.exports.registry import ExportSource

    source = ExportSource(None, catalog, version=version)
    return Terminology(resources(source, mappings), source.version)


@functools.lru_cache(maxsize=2)
def _cached(key: str) -> Terminology:
    return build()


def get_terminology() -> Terminology:
    """The indexes of the shipped graph (+ the user's imports), built once per data version."""
    from spinekg.graph.compiled import cache_key

    return _cached(cache_key())
