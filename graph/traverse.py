"""How codes are related: neighbours, the shortest chain of relations, facet-by-facet comparison
and the "family" of codes one facet away. Walks the typed multigraph of graph/network.py."""
from __future__ import annotations

import functools

from spinekg.graph.errors import SpinekgError
from spinekg.graph.model import FACETS, Catalog, CodeRecord, facet_name

# facets compared by `compare` and `family`, in the records' facet order, then units and kind
FACET_ORDER = tuple(facet_name(key) for key in FACETS) + ("units", "kind")


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
    if rec.first_covered_unit is not None:  # ordinal add-ons (64494: the second level; 64495: third on)
        units.append(f"covers units {rec.first_covered_unit}" + (f"-{rec.last_covered_unit}" if rec.last_covered_unit
                                                                  else " and beyond"))
    if rec.reported_per_unit:
        units.append("reported per unit")
    return {
        **{facet_name(key): tuple(sorted(getattr(rec, key))) for key in FACETS},
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
                   "indication", "imaging", "agent", "delivery", "device", "deviceAction", "broader", "addOnTo")


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
    """The shortest chain of relations between two codes, each step named.

    Read from the compiled cache without networkx (graph/linkgraph.py): the same chain as
    networkx's shortest path on undirected()."""
    from spinekg.graph.linkgraph import link_graph, shortest_path, undirected_adjacency
    from spinekg.graph.network import CODE_KINDS  # light: networkx and rdflib load inside its functions

    G = link_graph()
    if not all(G.nodes.get(x.strip(), {}).get("kind") in CODE_KINDS.values() for x in (a, b)):
        catalog = _catalog()  # its one-line error for an unknown code (the catalog costs ~35 ms)
        _code(catalog, a)
        _code(catalog, b)
    a, b = a.strip(), b.strip()
    if a == b:
        return {"from": a, "to": b, "steps": [], "text": a}
    nodes = shortest_path(undirected_adjacency(G, STEP_PREFERENCE), a, b)
    if nodes is None:
        raise SpinekgError(f"no chain of relations joins {a} and {b}")
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


RELATION_FACETS = ("add-ons", "primaries", "reported with")


def compare(*codes: str) -> dict:
    """Facet by facet, then add-ons, primaries and reported-with codes: what 2-4 codes share and
    what each has that not all of them have (`only_<code>`)."""
    if not 2 <= len(codes) <= 4:
        raise SpinekgError(f"compare takes 2 to 4 codes, not {len(codes)}")
    catalog = _catalog()
    recs = [_code(catalog, c) for c in codes]
    names = [r.code for r in recs]
    if len(set(names)) != len(names):
        raise SpinekgError("compare needs different codes")
    values = []
    for r in recs:
        f = facet_values(r)
        f.update({"add-ons": tuple(r.add_ons), "primaries": tuple(r.add_on_to),
                  "reported with": tuple(getattr(r, "reported_with", ()) or ())})
        values.append(f)
    facets = []
    for name in FACET_ORDER + RELATION_FACETS:
        sets = [set(v[name]) for v in values]
        shared = set.intersection(*sets)
        entry = {"facet": name, "same": all(x == sets[0] for x in sets), "shared": sorted(shared)}
        entry.update({"only_" + c: sorted(x - shared) for c, x in zip(names, sets)})
        facets.append(entry)
    relations = []
    for ra in recs:
        for rb in recs:
            if ra is not rb and rb.code in ra.add_on_to:
                relations.append(f"{ra.code} is an add-on reported with {rb.code}")
            if ra.code < rb.code and rb.code in (getattr(ra, "reported_with", ()) or ()):
                relations.append(f"{ra.code} and {rb.code} are commonly reported together")
    if len({r.group for r in recs}) == 1:
        relations.append(f"{'both' if len(recs) == 2 else 'all'} sit in group {recs[0].group}")
    return {"codes": names, "labels": [r.label for r in recs], "groups": [r.group for r in recs], "facets": facets,
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
    codes = d["codes"]
    lines = [f"{c}  {label}" for c, label in zip(codes, d["labels"])] + [""]
    for f in d["facets"]:
        if not (f["shared"] or any(f["only_" + c] for c in codes)):
            continue
        name = f["facet"] + ":"
        if f["same"]:
            lines.append(f"  same  {name:<20}{', '.join(f['shared'])}")
        else:
            parts = []
            if f["shared"]:
                parts.append(("both " if len(codes) == 2 else "all ") + ", ".join(f["shared"]))
            parts += [f"{c}: " + (", ".join(f["only_" + c]) or "\u2014") for c in codes]
            lines.append(f"  DIFF  {name:<20}{'; '.join(parts)}")
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
