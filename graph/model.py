"""Codes as plain Python records, read from the graph: what `show`, `list` and the finder use."""
from __future__ import annotations

import functools
import re
from dataclasses import asdict, dataclass, field

from spinekg.graph.labels import REGION_ORDER, LabelFacts, compose_label

# facet key in records -> (sk property local name, facet class local name)
FACETS = {
    "regions": ("region", "SpinalRegion"),
    "approaches": ("approach", "SurgicalApproach"),
    "procedures": ("procedure", "ProcedureType"),
    "lesion_compartments": ("lesionCompartment", "LesionCompartment"),
    "lesion_natures": ("lesionNature", "LesionNature"),
    "variants": ("variant", "TechniqueVariant"),
    "indications": ("indication", "Indication"),
    "access": ("access", "Access"),
    # spine-section facets (ontology/spine-section.ttl)
    "imaging": ("imaging", "ImagingGuidance"),
    "agents": ("agent", "Agent"),
    "delivery": ("delivery", "Delivery"),
    "devices": ("device", "Device"),
    "device_actions": ("deviceAction", "DeviceAction"),
}


def facet_name(key: str) -> str:
    """A facet's readable name, from its property: "lesionCompartment" -> "lesion compartment"."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", FACETS[key][0]).lower()

# The one tabular schema: `list --format csv|tsv|json`, `export csv` and `spinekg.codes(as_frame=True)`
# all use these columns in this order.
TABLE_COLUMNS = ("code", "kind", "label", "descriptor", "status", "evidence", "regions", "approaches", "access",
                 "procedures", "lesion_compartments", "lesion_natures", "variants", "indications",
                 "imaging", "agents", "delivery", "devices", "device_actions", "unit",
                 "min_units", "max_units", "counting", "each_additional_unit", "first_covered_unit",
                 "last_covered_unit", "reported_per_unit", "add_on_to", "add_ons",
                 "reported_with", "group", "group_label", "added_in", "deleted_in", "replaced_by", "inferred_from",
                 "note", "sources", "iri")


def table_record(rec: "CodeRecord") -> dict:
    """One record as a row of the tabular schema (lists stay lists; None stays None)."""
    from spinekg.ontology import CPT_IRI_BASE

    d = rec.to_json()
    d["iri"] = CPT_IRI_BASE + rec.code
    return {c: d[c] for c in TABLE_COLUMNS}


@dataclass(frozen=True)
class CodeRecord:
    code: str
    label: str
    kind: str  # "primary" | "add-on"
    regions: tuple[str, ...]
    approaches: tuple[str, ...]
    procedures: tuple[str, ...]
    lesion_compartments: tuple[str, ...]
    lesion_natures: tuple[str, ...]
    variants: tuple[str, ...]
    indications: tuple[str, ...]
    access: tuple[str, ...]
    unit: str | None
    min_units: int | None
    max_units: int | None
    each_additional_unit: bool  # the old flag: True only for counting == "per-additional"
    add_on_to: tuple[str, ...]
    add_ons: tuple[str, ...]
    group: str
    group_label: str
    status: str  # "active" | "deleted"
    deleted_in: int | None  # code-set years
    added_in: int | None
    # codes public guidance says are commonly reported with this one (sk:reportedWith, with sources)
    reported_with: tuple[str, ...] = ()
    note: str | None = None  # the curators' editorial note: the explanation of what is inferred or unconfirmed
    # the user's own licensed descriptor, when they imported one (never shipped)
    descriptor: str | None = None
    # "per-additional" (each unit beyond the primary's) | "per-unit" (every unit from the first) | None
    counting: str | None = None
    evidence: str = "confirmed"  # "confirmed" | "inferred" | "unconfirmed": of the code's own facts
    inferred_from: tuple[str, ...] = ()  # the sibling codes inferred facts follow
    sources: tuple[str, ...] = ()  # public pages for the code's facts (dcterms:source)
    history_sources: tuple[str, ...] = ()  # public pages giving its years or replacement (sk:historySource)
    replaced_by: tuple[str, ...] = ()  # dcterms:isReplacedBy
    # links whose evidence differs from the code's: {"add_on_to"|"reported_with"|"replaced_by":
    #   {code: {"evidence": level, "inferred_from": [codes]}}}
    link_evidence: dict = field(default_factory=dict)
    # spine-section facets (defaults keep older caches and callers working)
    imaging: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()
    delivery: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    device_actions: tuple[str, ...] = ()
    # ordinal add-ons: reported once for units first_covered_unit..last_covered_unit (None = no end)
    first_covered_unit: int | None = None
    last_covered_unit: int | None = None
    reported_per_unit: bool = False  # a primary reported once for each unit (discography per level)

    def link_level(self, relation: str, code: str) -> str:
        """The evidence level of one link of this record (its own where stated, else the code's)."""
        return self.link_evidence.get(relation, {}).get(code, {}).get("evidence", self.evidence)

    def label_facts(self) -> LabelFacts:
        # every facet of FACETS is a field of LabelFacts (tests/test_facet_table.py keeps it so)
        return LabelFacts(
            **{key: getattr(self, key) for key in FACETS}, unit=self.unit,
            min_units=self.min_units, max_units=self.max_units,
            each_additional_unit=self.each_additional_unit, counting=self.counting,
        )

    def composed_label(self) -> str:
        return compose_label(self.label_facts())

    def to_json(self) -> dict:
        d = asdict(self)
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items()}


class Catalog:
    """All codes and facet values of a graph, indexed for look-up."""

    def __init__(self, codes: dict[str, CodeRecord], facet_values: dict[str, dict[str, str]],
                 groups: dict[str, dict], descriptor_source: dict | None = None):
        self.codes = codes  # notation -> record, sorted by notation
        self.facet_values = facet_values  # facet key -> {short name: local name}
        self.groups = groups  # notation -> {"label", "parent", "members"}
        # provenance of the user's imported descriptors: source_file, imported_on, sha256
        self.descriptor_source = descriptor_source

    def __contains__(self, code: str) -> bool:
        return code in self.codes

    def __getitem__(self, code: str) -> CodeRecord:
        return self.codes[code]

    def siblings(self, code: str) -> list[str]:
        rec = self.codes[code]
        return [c for c in self.groups[rec.group]["members"] if c != code and c in self.codes]

    def closest(self, code: str, n: int = 2) -> list[str]:
        """The n known codes numerically nearest to an unknown one (for error messages)."""
        if not code.isdigit():
            return []
        prefixed = [c for c in self.codes if c.startswith(code)]
        if len(code) < 5 and prefixed:
            return prefixed[:n]
        target = int(code.ljust(5, "0")[:5]) if len(code) < 5 else int(code)
        numeric = [c for c in self.codes if c.isdigit()]  # Category III (0200T) sits outside the number line
        return sorted(sorted(numeric, key=lambda c: (abs(int(c) - target), c))[:n])

    def to_json(self) -> dict:
        return {"codes": [r.to_json() for r in self.codes.values()],
                "facet_values": self.facet_values, "groups": self.groups,
                "descriptor_source": self.descriptor_source}

    @classmethod
    def from_json(cls, d: dict) -> "Catalog":
        codes = {}
        for r in d["codes"]:
            codes[r["code"]] = CodeRecord(**{k: tuple(v) if isinstance(v, list) else v for k, v in r.items()})
        return cls(codes, d["facet_values"], d["groups"], d.get("descriptor_source"))


def _short(g, node) -> str:
    from rdflib.namespace import SKOS

    label = g.value(node, SKOS.prefLabel)
    return str(label) if label is not None else str(node).rsplit("#", 1)[-1]


def counting_of(g, node) -> str | None:
    """How an add-on is counted: sk:eachUnit -> "per-unit", sk:eachAdditionalUnit -> "per-additional"."""
    from spinekg.ontology.namespaces import SK

    if g.value(node, SK.eachUnit):
        return "per-unit"
    if g.value(node, SK.eachAdditionalUnit):
        return "per-additional"
    return None


# record key of each reified relation
LINK_RELATIONS = {"addOnTo": "add_on_to", "reportedWith": "reported_with", "isReplacedBy": "replaced_by"}


def link_evidence_of(g) -> dict[str, dict]:
    """{subject code: {relation: {object code: {"evidence", "inferred_from"}}}} from the sk:LinkStatement nodes."""
    from rdflib import RDF
    from rdflib.namespace import SKOS

    from spinekg.ontology.namespaces import SK

    out: dict[str, dict] = {}
    for st in g.subjects(RDF.type, SK.LinkStatement):
        level, pred = g.value(st, SK.evidence), g.value(st, RDF.predicate)
        if level is None or pred is None:
            continue
        relation = LINK_RELATIONS.get(str(pred).rsplit("#", 1)[-1].rsplit("/", 1)[-1])
        s, o = g.value(st, RDF.subject), g.value(st, RDF.object)
        if relation is None or s is None or o is None:
            continue
        entry = {"evidence": _short(g, level),
                 "inferred_from": sorted(str(g.value(c, SKOS.notation)) for c in g.objects(st, SK.inferredFrom))}
        out.setdefault(str(g.value(s, SKOS.notation)), {}).setdefault(relation, {})[str(g.value(o, SKOS.notation))] = entry
    return out


def catalog_from_graph(g) -> Catalog:
    from rdflib import RDF
    from rdflib.namespace import SKOS

    from spinekg.ontology.namespaces import SK

    def values(node, prop, key):
        names = sorted({_short(g, o) for o in g.objects(node, SK[prop])})
        if key == "regions":  # cranio-caudal, as labels list them
            names.sort(key=lambda r: REGION_ORDER.index(r) if r in REGION_ORDER else len(REGION_ORDER))
        return tuple(names)

    facet_values: dict[str, dict[str, str]] = {}
    for key, (_, cls) in FACETS.items():
        facet_values[key] = {_short(g, v): str(v).rsplit("#", 1)[-1] for v in g.subjects(RDF.type, SK[cls])}

    groups: dict[str, dict] = {}
    for grp in g.subjects(RDF.type, SK.CodeGroup):
        parent = g.value(grp, SKOS.broader)
        groups[str(g.value(grp, SKOS.notation))] = {
            "label": str(g.value(grp, SKOS.prefLabel)),
            "parent": str(g.value(parent, SKOS.notation)) if parent is not None else None,
            "members": sorted(str(g.value(m, SKOS.notation)) for m in g.subjects(SKOS.broader, grp)),
        }

    def text(value):
        return str(value) if value is not None else None

    def number(value):
        return int(value) if value is not None else None

    from rdflib.namespace import DCTERMS

    links = link_evidence_of(g)

    codes: dict[str, CodeRecord] = {}
    for node in g.subjects(RDF.type, SK.ProcedureCode):
        notation = str(g.value(node, SKOS.notation))
        group = g.value(node, SKOS.broader)
        unit, status = g.value(node, SK.unit), g.value(node, SK.status)
        mn, mx = g.value(node, SK.minUnits), g.value(node, SK.maxUnits)
        evidence = g.value(node, SK.evidence)
        evidence = _short(g, evidence) if evidence is not None else "unconfirmed"
        counting = counting_of(g, node)
        differing = {rel: {c: e for c, e in sorted(entries.items()) if e["evidence"] != evidence}
                     for rel, entries in sorted(links.get(notation, {}).items())}
        codes[notation] = CodeRecord(
            code=notation,
            label=str(g.value(node, SKOS.prefLabel) or ""),
            kind="add-on" if (node, RDF.type, SK.AddOnCode) in g else "primary",
            **{key: values(node, prop, key) for key, (prop, _) in FACETS.items()},
            unit=_short(g, unit) if unit is not None else None,
            min_units=int(mn) if mn is not None else None,
            max_units=int(mx) if mx is not None else None,
            each_additional_unit=counting == "per-additional",
            add_on_to=tuple(sorted(str(g.value(p, SKOS.notation)) for p in g.objects(node, SK.addOnTo))),
            add_ons=tuple(sorted(str(g.value(a, SKOS.notation)) for a in g.subjects(SK.addOnTo, node))),
            group=str(g.value(group, SKOS.notation)) if group is not None else "",
            group_label=str(g.value(group, SKOS.prefLabel)) if group is not None else "",
            status=_short(g, status) if status is not None else "active",
            deleted_in=number(g.value(node, SK.deletedIn)),
            added_in=number(g.value(node, SK.addedIn)),
            reported_with=tuple(sorted({str(g.value(o, SKOS.notation)) for o in g.objects(node, SK.reportedWith)}
                                       | {str(g.value(o, SKOS.notation)) for o in g.subjects(SK.reportedWith, node)})),
            note=text(g.value(node, SKOS.editorialNote)),
            descriptor=text(g.value(node, SK.officialDescriptor)),
            counting=counting,
            evidence=evidence,
            inferred_from=tuple(sorted(str(g.value(c, SKOS.notation)) for c in g.objects(node, SK.inferredFrom))),
            sources=tuple(sorted(str(u) for u in g.objects(node, DCTERMS.source))),
            history_sources=tuple(sorted(str(u) for u in g.objects(node, SK.historySource))),
            replaced_by=tuple(sorted(str(g.value(c, SKOS.notation)) for c in g.objects(node, DCTERMS.isReplacedBy))),
            link_evidence={rel: e for rel, e in differing.items() if e},
            first_covered_unit=number(g.value(node, SK.firstCoveredUnit)),
            last_covered_unit=number(g.value(node, SK.lastCoveredUnit)),
            reported_per_unit=bool(g.value(node, SK.reportedPerUnit)),
        )
    source = None
    for imp in g.subjects(RDF.type, SK.UserImport):
        if (None, SK.descriptorImport, imp) in g:
            source = {"source_file": str(g.value(imp, SK.sourceFile)), "imported_on": str(g.value(imp, SK.importedOn)),
                      "sha256": str(g.value(imp, SK.sha256))}
    return Catalog(dict(sorted(codes.items())), facet_values, groups, source)


def load_catalog() -> Catalog:
    """All codes as records. Served from a compiled cache (no RDF parsing, no rdflib import) when
    the cache matches the current data files, package version and user imports; else rebuilt."""
    from spinekg.graph.compiled import catalog_key

    return _load_catalog(catalog_key())


@functools.lru_cache(maxsize=2)
def _load_catalog(key: str) -> Catalog:
    from spinekg.graph.compiled import read_cached, write_cached

    cached = read_cached(key)
    if cached is not None:
        try:
            return Catalog.from_json(cached)
        except (KeyError, TypeError):
            pass  # written by another version: rebuild
    from spinekg.graph.load import load_graph

    catalog = catalog_from_graph(load_graph(ncci=False))  # the records read no NCCI edit (catalog_key)
    write_cached(key, catalog.to_json())
    return catalog
