"""Look codes up and filter them by facet values, with errors that say what is valid."""
from __future__ import annotations

import re

from spinekg.graph.errors import UnknownCode, UnknownFacetValue
from spinekg.graph.model import Catalog, CodeRecord

# CLI option -> record keys it matches (lesion matches compartment or nature)
FILTER_KEYS = {
    "region": ("regions",),
    "approach": ("approaches",),
    "procedure": ("procedures",),
    "lesion": ("lesion_compartments", "lesion_natures"),
    "access": ("access",),
}
KINDS = ("primary", "add-on")


def normalise(name: str) -> str:
    """'Lateral-Extracavitary', 'lateral extracavitary' and 'LateralExtracavitary' are one name."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def get_code(catalog: Catalog, code: str) -> CodeRecord:
    code = code.strip()
    if code not in catalog:
        raise UnknownCode(code, catalog.closest(code))
    return catalog[code]


def resolve_value(catalog: Catalog, facet: str, value: str) -> str:
    """The short name of a facet value given loosely (case, spaces, hyphens or its IRI local name)."""
    known: dict[str, str] = {}
    for key in FILTER_KEYS[facet]:
        for short, local in catalog.facet_values[key].items():
            known[normalise(short)] = short
            known[normalise(local)] = short
    found = known.get(normalise(value))
    if found is None:
        valid = sorted({s for key in FILTER_KEYS[facet] for s in catalog.facet_values[key]})
        raise UnknownFacetValue(facet, value, valid)
    return found


def filter_codes(catalog: Catalog, *, kind: str | None = None, **facets: list[str] | None) -> list[CodeRecord]:
    """Codes matching every given facet value (AND across and within facets)."""
    wanted = {facet: [resolve_value(catalog, facet, v) for v in values]
              for facet, values in facets.items() if values}
    if kind is not None:
        k = normalise(kind)
        matches = [x for x in KINDS if normalise(x) == k]
        if not matches:
            raise UnknownFacetValue("kind", kind, list(KINDS))
        kind = matches[0]
    out = []
    for rec in catalog.codes.values():
        if kind and rec.kind != kind:
            continue
        ok = True
        for facet, names in wanted.items():
            have = {n for key in FILTER_KEYS[facet] for n in getattr(rec, key)}
            if not all(n in have for n in names):
                ok = False
                break
        if ok:
            out.append(rec)
    return out
