"""Family tables: each range group laid out as a grid of the facets that vary inside it.

Like an ICD-10-PCS table: the columns are the regions (or, where every code has the same region,
the facet with the fewest values) and each row is one combination of the other varying facets.
A code sits in every cell its facets name (63090, thoracic/lumbar/sacral, fills three columns of
its row); each primary carries its in-family add-ons beside it; a combination the code set lacks
is an empty cell. Generated from the catalog, never drawn by hand.
"""
from __future__ import annotations

from spinekg.graph.labels import REGION_ORDER

# facet name -> record attribute; the order rows name their facets in
FACETS = (("approach", "approaches"), ("procedure", "procedures"), ("lesion compartment", "lesion_compartments"),
          ("lesion nature", "lesion_natures"), ("access", "access"), ("variant", "variants"),
          ("indication", "indications"), ("imaging", "imaging"), ("agent", "agents"), ("delivery", "delivery"),
          ("device", "devices"), ("device action", "device_actions"), ("units", None), ("region", "regions"))
FACET_ATTR = dict(FACETS)
JOINED = ("procedure", "variant", "indication")
NONE = "(none)"  # the value of a code without that facet (an empty cell is drawn as \u2014)
EMPTY = "\u2014"


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def units(rec) -> str:
    """The counted units as a short phrase: '1 vertebral segment', 'each additional interspace'."""
    if not rec.unit:
        return NONE
    first, last = getattr(rec, "first_covered_unit", None), getattr(rec, "last_covered_unit", None)
    if first is not None:  # ordinal add-on: once for the units first..last
        if last == first:
            return f"{_ordinal(first)} {rec.unit}"
        return f"{_ordinal(first)}–{_ordinal(last)} {rec.unit}s" if last else f"{_ordinal(first)} and further {rec.unit}s"
    if getattr(rec, "reported_per_unit", False):
        return f"per {rec.unit}"
    if getattr(rec, "counting", None) == "per-unit":
        return f"per {rec.unit}"
    if rec.each_additional_unit or getattr(rec, "counting", None) == "per-additional":
        return f"each additional {rec.unit}"
    if rec.min_units is None:
        return rec.unit
    if rec.max_units == rec.min_units:
        return f"{rec.min_units} {rec.unit}"
    if rec.max_units is None:
        return f"{rec.min_units} or more {rec.unit}s"
    return f"{rec.min_units}\u2013{rec.max_units} {rec.unit}s"


def facet(rec, name: str) -> tuple[str, ...]:
    """A code's values of one facet (units as one phrase); () when it has none."""
    attr = FACET_ATTR[name]
    if attr is None:
        u = units(rec)
        return () if u == NONE else (u,)
    return tuple(getattr(rec, attr, ()) or ())


def _order(name: str, values) -> list[str]:
    if name == "region":
        return sorted(values, key=lambda v: (REGION_ORDER.index(v) if v in REGION_ORDER else len(REGION_ORDER), v))
    return sorted(values, key=lambda v: (v == NONE, v))


def host_codes(recs: dict, addon: str, main) -> set[str]:
    """The main codes an attached add-on sits beside: its in-family primaries, and through an
    in-family add-on it is reported with (64492 after 64491), that add-on's own hosts."""
    out, seen, stack = set(), {addon}, [addon]
    while stack:
        for p in recs[stack.pop()].add_on_to:
            if p in main:
                out.add(p)
            elif p in recs and p not in seen:
                seen.add(p)
                stack.append(p)
    return out


def family_members(catalog, group: str, wanted=None) -> list[str]:
    return [c for c in catalog.groups[group]["members"] if c in catalog.codes and (wanted is None or c in wanted)]


def build_table(catalog, group: str, wanted=None) -> dict:
    """One family's table: {group, label, columns, column_facet, row_facets, rows: [{key, cells}], …}.

    Each cell is a list of {code, addons}; `main` codes are the primaries (and the add-ons whose
    primaries all lie outside the family); `attached` add-ons sit beside their in-family primaries."""
    codes = family_members(catalog, group, wanted)
    recs = {c: catalog.codes[c] for c in codes}
    attached = {c for c, r in recs.items() if r.kind == "add-on" and any(p in recs for p in r.add_on_to)}
    main = [c for c in codes if c not in attached]
    varying = [name for name, _ in FACETS if len({facet(recs[c], name) for c in main}) > 1]
    if "region" in varying:
        col_facet = "region"
    elif varying:
        col_facet = min(varying, key=lambda n: (len({v for c in main for v in facet(recs[c], n) or (NONE,)}),
                                                 [f for f, _ in FACETS].index(n)))
    else:
        col_facet = None
    row_facets = [n for n in varying if n != col_facet]

    def row_key(c):  # several procedures or variants all apply ("+"); several regions/approaches are alternatives
        return tuple((" + " if n in JOINED else " or ").join(facet(recs[c], n)) or NONE for n in row_facets)

    def cols_of(c):
        return list(facet(recs[c], col_facet)) or [NONE] if col_facet else ["all"]

    key_of = {c: row_key(c) for c in main}  # once per code, not once per cell
    cols = {c: cols_of(c) for c in main}
    hosts = {a: host_codes(recs, a, main) for a in attached}
    addons = {c: [a for a in codes if a in attached and c in hosts[a]] for c in main}
    columns = _order(col_facet, {v for c in main for v in cols[c]}) if col_facet else ["all"]
    keys = sorted(set(key_of.values()), key=lambda k: [(v == NONE, v) for v in k])
    rows = []
    for key in keys:
        cells = [[{"code": c, "addons": addons[c]} for c in main if key_of[c] == key and col in cols[c]]
                 for col in columns]
        rows.append({"key": list(key), "cells": cells})
    outside = sorted({a for c in codes for a in recs[c].add_ons if a not in recs})
    return {"group": group, "label": catalog.groups[group]["label"], "codes": codes, "main": main,
            "attached": sorted(attached), "column_facet": col_facet, "columns": columns,
            "row_facets": row_facets, "rows": rows, "shared_addons": outside,
            "empty_cells": sum(1 for r in rows for cell in r["cells"] if not cell)}


def family_groups(catalog, codes=None) -> list[str]:
    """The range groups that hold codes directly (the families), in code order."""
    wanted = set(catalog.codes) if codes is None else set(codes)
    return sorted(g for g, info in catalog.groups.items() if any(m in wanted for m in info["members"]))


def build_tables(catalog, codes=None) -> dict[str, dict]:
    wanted = None if codes is None else set(codes)
    return {g: build_table(catalog, g, wanted) for g in family_groups(catalog, codes)}


def table_text(t: dict) -> str:
    """The table for a terminal: one line per row, cells as '63081+63082', empty cells as '—'."""
    from spinekg.graph.textsafe import terminal_text

    head = t["row_facets"] + t["columns"]
    body = []
    for row in t["rows"]:
        cells = [" ".join("+".join([e["code"], *e["addons"]]) for e in cell) or EMPTY for cell in row["cells"]]
        body.append(row["key"] + cells)
    widths = [max(len(str(r[i])) for r in [head, *body]) for i in range(len(head))]
    line = lambda r: "  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip()  # noqa: E731
    axes = (f"columns: {t['column_facet']}" + (f"; rows: {' x '.join(t['row_facets'])}" if t["row_facets"] else "")
            if t["column_facet"] else "every code has the same facets")
    out = [terminal_text(f"{t['group']}  {t['label']}"), f"({axes}; {EMPTY} = no code covers that combination)", "",
           line(head), line(["-" * w for w in widths]), *(terminal_text(line(r)) for r in body)]
    if t["shared_addons"]:
        out += ["", "add-ons shared with other families: " + ", ".join(t["shared_addons"])]
    return "\n".join(out)
