"""How codes are related: neighbours, the shortest chain of relations, facet-by-facet comparison
and the "family" of codes one facet away. Walks the typed multigraph of graph/network.py."""
from __future__ import annotations

import functools

from spinekg.graph.errors import SpinekgError
from spinekg.graph.model import Catalog, CodeRecord

# facets compared by `compare` and `family`: name -> how to read it from a record
FACET_ORDER = ("region", "approach", "procedure", "lesion compartment", "lesion nature", "variant",
               "indication", "units", "kind")


def facet_values(rec: CodeRecord) -> dict[str, tuple]:
    """A code's facets as sorted tuples of readable values (units: unit, count range, per-unit)."""
    units: list[str] = []
    if rec.unit:
        units.append(f"unit: {rec.unit}")
    if rec.min_units is not None:
        units.append(f"min: {rec.min_units}")
    if rec.max_units is not None:
        units.append(f"max: {rec.max_units}")
    if rec.each_additional_unit:
        units.append("each additional unit")
    return {
        "region": tuple(sorted(rec.regions)),
        "approach": tuple(sorted(rec.approaches)),
        "procedure": tuple(sorted(rec.procedures)),
        "lesion compartment": tuple(sorted(rec.lesion_compartments)),
        "lesion nature": tuple(sorted(rec.lesion_natures)),
        "variant": tuple(sorted(rec.variants)),
        "indication": tuple(sorted(rec.indications)),
        "units": tuple(units),
        "kind": (rec.kind,),
    }


def _catalog() -> Catalog:
    from spinekg.graph.model import load_catalog

    return load_catalog()


def _code(catalog: Catalog, code: str) -> CodeRecord:
    from spinekg.graph.select import get_code

    return get_code(catalog, code)


# when several chains are equally short, prefer the ones through facets, then groups, then add-ons
STEP_PREFERENCE = ("region", "approach", "procedure", "lesionCompartment", "lesionNature", "unit", "variant",
                   "indication", "broader", "addOnTo")


@functools.cache
def undirected():
    """One undirected graph of the shipped multigraph, built once (shortest paths, neighbourhoods).

    Built with a fixed adjacency order (not networkx's as_view, whose neighbour order comes from a
    set and changes between runs), so ties between equally short chains break the same way
    every time, in the order of STEP_PREFERENCE."""
    import networkx as nx

    from spinekg.graph.network import load_network

    G = load_network()
    rank = {rel: i for i, rel in enumerate(STEP_PREFERENCE)}
    U = nx.Graph()
    U.add_nodes_from(sorted(G.nodes))
    for _, u, v in sorted((rank.get(d["relation"], len(rank)), u, v) for u, v, d in G.edges(data=True)):
        if not U.has_edge(u, v):
            U.add_edge(u, v)
    return U


def display(G, node: str) -> str:
    """'63304' for codes, 'cervical' for facet values, 'group 63300-63308' for groups."""
    data = G.nodes[node]
    kind = data.get("kind")
    if kind in ("primary", "add-on"):
        return node
    if kind == "group":
        return "group " + node.split(":", 1)[-1]
    return node.split(":", 1)[-1] if ":" in node else node


def step(G, u: str, v: str) -> dict:
    """The relation(s) joining u and v, with the direction they point in."""
    if G.has_edge(u, v):
        rels = sorted({d["relation"] for d in G.get_edge_data(u, v).values()})
        return {"from": u, "to": v, "relation": "/".join(rels), "direction": "forward"}
    rels = sorted({d["relation"] for d in G.get_edge_data(v, u).values()})
    return {"from": u, "to": v, "relation": "/".join(rels), "direction": "backward"}


def arrow(s: dict) -> str:
    return f" —{s['relation']}→ " if s["direction"] == "forward" else f" ←{s['relation']}— "


def path(a: str, b: str) -> dict:
    """The shortest chain of relations between two codes, each step named."""
    import networkx as nx

    from spinekg.graph.network import load_network

    catalog = _catalog()
    _code(catalog, a)
    _code(catalog, b)
    a, b = a.strip(), b.strip()
    G, U = load_network(), undirected()
    if a == b:
        return {"from": a, "to": b, "steps": [], "text": a}
    try:
        nodes = nx.shortest_path(U, a, b)
    except nx.NetworkXNoPath:
        raise SpinekgError(f"no chain of relations joins {a} and {b}") from None
    steps = [step(G, u, v) for u, v in zip(nodes, nodes[1:])]
    text = display(G, nodes[0]) + "".join(arrow(s) + display(G, s["to"]) for s in steps)
    for s in steps:
        s["from_label"], s["to_label"] = display(G, s["from"]), display(G, s["to"])
    return {"from": a, "to": b, "length": len(steps), "steps": steps, "text": text}


def neighbors(code: str, depth: int = 1) -> dict:
    """Every node within `depth` relations of a code, with its distance and the step that reached
    it (breadth first, so that step lies on a shortest chain)."""
    from spinekg.graph.network import load_network

    if depth < 1:
        raise SpinekgError("--depth must be at least 1")
    code = _code(_catalog(), code).code
    G, U = load_network(), undirected()
    seen = {code: 0}
    frontier = [code]
    found = []
    for dist in range(1, depth + 1):
        nxt = []
        for u in frontier:
            for v in U.adj[u]:
                if v in seen:
                    continue
                seen[v] = dist
                nxt.append(v)
                s = step(G, u, v)
                data = G.nodes[v]
                found.append({"node": v, "name": display(G, v), "kind": data.get("kind"),
                              "label": data.get("label"), "distance": dist, "via": display(G, u),
                              "relation": s["relation"], "direction": s["direction"]})
        frontier = nxt
    return {"code": code, "depth": depth, "neighbors": found}


def compare(a: str, b: str) -> dict:
    """Facet by facet: the values two codes share and those only one of them has."""
    catalog = _catalog()
    ra, rb = _code(catalog, a), _code(catalog, b)
    fa, fb = facet_values(ra), facet_values(rb)
    facets = []
    for name in FACET_ORDER:
        va, vb = set(fa[name]), set(fb[name])
        facets.append({"facet": name, "same": va == vb, "shared": sorted(va & vb),
                       "only_" + ra.code: sorted(va - vb), "only_" + rb.code: sorted(vb - va)})
    relations = []
    if rb.code in ra.add_on_to:
        relations.append(f"{ra.code} is an add-on reported with {rb.code}")
    if ra.code in rb.add_on_to:
        relations.append(f"{rb.code} is an add-on reported with {ra.code}")
    if ra.group == rb.group:
        relations.append(f"both sit in group {ra.group}")
    return {"codes": [ra.code, rb.code], "labels": [ra.label, rb.label],
            "groups": [ra.group, rb.group], "facets": facets,
            "differing": [f["facet"] for f in facets if not f["same"]], "relations": relations}


def family(code: str, catalog: Catalog | None = None) -> dict:
    """Codes that differ from a code in exactly one facet, grouped by that facet."""
    catalog = catalog or _catalog()
    rec = _code(catalog, code)
    mine = facet_values(rec)
    groups: dict[str, list[dict]] = {}
    for other in catalog.codes.values():
        if other.code == rec.code:
            continue
        theirs = facet_values(other)
        diff = [f for f in FACET_ORDER if set(mine[f]) != set(theirs[f])]
        if len(diff) == 1:
            f = diff[0]
            groups.setdefault(f, []).append({"code": other.code, "label": other.label,
                                             "value": list(theirs[f]), "mine": list(mine[f])})
    ordered = {f: groups[f] for f in FACET_ORDER if f in groups}
    return {"code": rec.code, "label": rec.label, "family": ordered,
            "size": sum(len(v) for v in ordered.values())}


# ---------------------------------------------------------------------------- text output


def neighbors_text(d: dict) -> str:
    n = len(d["neighbors"])
    lines = [f"{d['code']}: {n} node{'s' if n != 1 else ''} within {d['depth']} step{'s' if d['depth'] != 1 else ''}"]
    for item in d["neighbors"]:
        rel = f"—{item['relation']}→" if item["direction"] == "forward" else f"←{item['relation']}—"
        via = "" if item["via"] == d["code"] else f"  (via {item['via']})"
        extra = f"  {item['label']}" if item["kind"] in ("primary", "add-on", "group") else ""
        lines.append(f"  {item['distance']}  {rel:<22} {item['kind']:<18} {item['name']}{extra}{via}")
    return "\n".join(lines)


def path_text(d: dict) -> str:
    n = d.get("length", 0)
    return d["text"] + f"\n({n} step{'s' if n != 1 else ''})"


def compare_text(d: dict) -> str:
    a, b = d["codes"]
    lines = [f"{a}  {d['labels'][0]}", f"{b}  {d['labels'][1]}", ""]
    for f in d["facets"]:
        if not (f["shared"] or f["only_" + a] or f["only_" + b]):
            continue
        if f["same"]:
            lines.append(f"  same  {f['facet'] + ':':<20}{', '.join(f['shared'])}")
        else:
            parts = []
            if f["shared"]:
                parts.append("both " + ", ".join(f["shared"]))
            parts.append(f"{a}: " + (", ".join(f["only_" + a]) or "—"))
            parts.append(f"{b}: " + (", ".join(f["only_" + b]) or "—"))
            lines.append(f"  DIFF  {f['facet'] + ':':<20}{'; '.join(parts)}")
    lines.append("")
    lines.append(f"  {len(d['differing'])} facet{'s' if len(d['differing']) != 1 else ''} differ"
                 + (f": {', '.join(d['differing'])}" if d["differing"] else ""))
    lines += [f"  {r}" for r in d["relations"]]
    return "\n".join(lines)


def family_text(d: dict) -> str:
    lines = [f"{d['code']}  {d['label']}", ""]
    if not d["family"]:
        lines.append("  no code differs from it in exactly one facet")
    for facet, members in d["family"].items():
        lines.append(f"  {facet} differs ({len(members)}):")
        for m in members:
            lines.append(f"    {m['code']}  {', '.join(m['value']) or '—'}  {m['label']}")
    return "\n".join(lines)
