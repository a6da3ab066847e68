"""The explorer's non-graph data: the overview of families, code cards and the search index."""
from __future__ import annotations


def overview(catalog, tables: dict[str, dict]) -> list[dict]:
    """Families under their top group and section: [{group, label, sections: [{group, label, families}]}].

    A family's section is the group just below the top one (e.g. 63075-63091 for corpectomy),
    or the top group itself when the family hangs directly under it."""
    def chain(g):
        out = [g]
        while catalog.groups[out[-1]].get("parent"):
            out.append(catalog.groups[out[-1]]["parent"])
        return out

    roots: dict[str, dict[str, list[str]]] = {}
    for fam in sorted(tables):
        c = chain(fam)
        section = c[-2] if len(c) >= 3 else c[-1]
        roots.setdefault(c[-1], {}).setdefault(section, []).append(fam)
    # the top group holding 63001-63308 first (the project's first range), Category III codes last
    first = chain("63001-63308")[-1] if "63001-63308" in catalog.groups else None
    out = []
    for root in sorted(roots, key=lambda g: (g != first, g.endswith("T"), g)):
        secs = roots[root]
        out.append({"group": root, "label": catalog.groups[root]["label"],
                    "sections": [{"group": s, "label": catalog.groups[s]["label"], "families": secs[s]}
                                 for s in sorted(secs, key=lambda s: (s != root, s))]})
    return out


def card(rec, catalog) -> dict:
    """What a code's card shows (plain values; the page renders them as text)."""
    return {
        "code": rec.code, "label": rec.label, "kind": rec.kind, "status": rec.status,
        "deleted_in": rec.deleted_in, "added_in": rec.added_in, "descriptor": rec.descriptor,
        "group": rec.group, "group_label": rec.group_label,
        "regions": list(rec.regions), "approaches": list(rec.approaches),
        "procedures": list(rec.procedures), "lesion_compartments": list(rec.lesion_compartments),
        "lesion_natures": list(rec.lesion_natures), "variants": list(rec.variants),
        "indications": list(rec.indications), "access": list(getattr(rec, "access", ()) or ()),
        "unit": rec.unit, "min_units": rec.min_units,
        "max_units": rec.max_units, "each_additional_unit": rec.each_additional_unit,
        "counting": getattr(rec, "counting", None), "evidence": getattr(rec, "evidence", None),
        "sources": list(getattr(rec, "sources", ()) or ()), "note": getattr(rec, "note", None),
        "add_on_to": list(rec.add_on_to), "add_ons": list(rec.add_ons),
        "reported_with": list(getattr(rec, "reported_with", ()) or ()),
        # the spine section's facets and counting
        "imaging": list(rec.imaging), "agents": list(rec.agents), "delivery": list(rec.delivery),
        "devices": list(rec.devices), "device_actions": list(rec.device_actions),
        "first_covered_unit": rec.first_covered_unit, "last_covered_unit": rec.last_covered_unit,
        "reported_per_unit": rec.reported_per_unit,
        "siblings": list(catalog.siblings(rec.code) if rec.group in catalog.groups else []),
    }


def search_transport(entries: list[dict]) -> dict:
    """The search index with every field text stored once: {strings, entries: [id, kind, code, [i, w, …]]}."""
    strings: dict[str, int] = {}
    packed = []
    for e in entries:
        flat = []
        for text, weight in e["fields"]:
            flat += [strings.setdefault(text, len(strings)), weight]
        packed.append([e["id"], e["kind"], e["code"], flat])
    return {"strings": list(strings), "entries": packed}
