"""Look codes up and filter them by facet values, evidence and code-set year, with errors that say what is valid.

Filters combine as analysts expect: several values of one facet (the option repeated, or a comma
list) mean any of them (OR); different facets must all hold (AND).
"""
from __future__ import annotations

import re
from dataclasses import replace

from spinekg.graph.errors import SpinekgError, UnknownCode, UnknownFacetValue
from spinekg.graph.model import Catalog, CodeRecord

# CLI option -> record keys it matches (lesion matches compartment or nature)
FILTER_KEYS = {
    "region": ("regions",),
    "approach": ("approaches",),
    "procedure": ("procedures",),
    "lesion": ("lesion_compartments", "lesion_natures"),
    "access": ("access",),
    # spine-section facets
    "imaging": ("imaging",),
    "agent": ("agents",),
    "delivery": ("delivery",),
    "device": ("devices",),
    "device_action": ("device_actions",),
}
KINDS = ("primary", "add-on")
EVIDENCE_LEVELS = ("confirmed", "inferred", "unconfirmed")
# record keys holding links to other codes, and the relation whose evidence they carry
LINK_KEYS = {"add_on_to": "add_on_to", "add_ons": "add_on_to", "reported_with": "reported_with",
             "replaced_by": "replaced_by"}
FIRST_YEAR, LAST_YEAR = 1966, 2100  # CPT's first edition; an upper bound no real year reaches


def normalise(name: str) -> str:
    """'Lateral-Extracavitary', 'lateral extracavitary' and 'LateralExtracavitary' are one name."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def split_values(values) -> list[str]:
    """['lumbar,sacral', 'cervical'] -> ['lumbar', 'sacral', 'cervical']: a comma list is the option repeated."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


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


def _choose(values, valid: tuple[str, ...], what: str) -> set[str]:
    out = set()
    for v in split_values(values):
        matches = [x for x in valid if normalise(x) == normalise(v)]
        if not matches:
            raise UnknownFacetValue(what, v, list(valid))
        out.add(matches[0])
    return out


def link_level(catalog: Catalog, rec: CodeRecord, key: str, other: str) -> str:
    """The evidence level of the link from `rec` to `other` held in the record key `key`."""
    relation = LINK_KEYS[key]
    if key == "add_ons":  # the statement sits on the add-on's side
        addon = catalog.codes.get(other)
        return addon.link_level(relation, rec.code) if addon is not None else rec.evidence
    if key == "reported_with" and other not in rec.link_evidence.get(relation, {}):
        peer = catalog.codes.get(other)  # a reported-with statement may be stated from either side
        if peer is not None and rec.code in peer.link_evidence.get(relation, {}):
            return peer.link_level(relation, rec.code)
    return rec.link_level(relation, other)


def _restrict(catalog: Catalog, keep: dict[str, CodeRecord], link_ok=None) -> Catalog:
    """A catalog of the kept records whose links point only at kept codes (and pass `link_ok`)."""
    out = {}
    for code, rec in keep.items():
        changes = {key: tuple(c for c in getattr(rec, key) if c in keep and (link_ok is None or link_ok(rec, key, c)))
                   for key in LINK_KEYS}
        out[code] = replace(rec, **{k: v for k, v in changes.items() if v != getattr(rec, k)})
    return Catalog(out, catalog.facet_values, catalog.groups, catalog.descriptor_source)


def filter_evidence(catalog: Catalog, levels) -> Catalog:
    """Only codes whose facts have one of the evidence levels, and only links of those levels.

    `levels` is a name or list of names (comma lists allowed) of confirmed, inferred, unconfirmed.
    """
    wanted = _choose(levels, EVIDENCE_LEVELS, "evidence")
    if not wanted or wanted == set(EVIDENCE_LEVELS):
        return catalog
    keep = {c: r for c, r in catalog.codes.items() if r.evidence in wanted}
    return _restrict(catalog, keep, lambda rec, key, other: link_level(catalog, rec, key, other) in wanted)


def parse_year(value) -> int:
    try:
        year = int(str(value).strip())
    except ValueError:
        raise SpinekgError(f"not a year: {value!r}; give a four-digit year such as 2017") from None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise SpinekgError(f"year {year} is outside {FIRST_YEAR}-{LAST_YEAR}")
    return year


def in_code_set(rec: CodeRecord, year: int) -> bool:
    """Whether the code was valid in that year: added by then (or no year known) and not yet deleted."""
    return (rec.added_in is None or rec.added_in <= year) and (rec.deleted_in is None or rec.deleted_in > year)


def filter_as_of(catalog: Catalog, year) -> Catalog:
    """The code set as it stood in `year`: codes added later are absent, codes deleted later are present
    (and active then); links to codes outside that year's set are dropped. A code with no known year
    of addition counts as present since before the graph's history begins."""
    year = parse_year(year)
    keep = {c: (replace(r, status="active") if r.status == "deleted" else r)
            for c, r in catalog.codes.items() if in_code_set(r, year)}
    return _restrict(catalog, keep)


def filter_codes(catalog: Catalog, *, kind=None, evidence=None, as_of=None, **facets) -> list[CodeRecord]:
    """Codes matching the filters: any of the values given for one facet (OR), every facet given (AND).

    Each filter takes a name or a list of names; a comma list counts as several names.
    `evidence` keeps codes (and links) of those levels; `as_of` a year's code set.
    """
    if as_of is not None:
        catalog = filter_as_of(catalog, as_of)
    if evidence:
        catalog = filter_evidence(catalog, evidence)
    wanted = {facet: {resolve_value(catalog, facet, v) for v in split_values(values)}
              for facet, values in facets.items() if values}
    kinds = _choose(kind, KINDS, "kind")
    out = []
    for rec in catalog.codes.values():
        if kinds and rec.kind not in kinds:
            continue
        if all({n for key in FILTER_KEYS[facet] for n in getattr(rec, key)} & names for facet, names in wanted.items()):
            out.append(rec)
    return out
