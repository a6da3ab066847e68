"""The graph side of the explorer: which nodes and edges are drawn, and how vis-network styles them."""
from __future__ import annotations

from spinekg.graph.select import get_code

LAYOUTS = ("force", "hierarchical")

# node kinds drawn, in legend order: kind -> (legend name, vis shape, colour, font colour)
# (unit, technique variant and indication stay facts on each code's card: drawing them as hubs
#  only tangles the picture)
NODE_STYLE = {
    "primary": ("primary code", "box", "#1d4ed8", "#ffffff"),
    "add-on": ("add-on code", "ellipse", "#c2410c", "#ffffff"),
    "group": ("range group", "hexagon", "#4b5563", "#111827"),
    "region": ("region", "star", "#15803d", "#14532d"),
    "approach": ("approach", "triangle", "#7e22ce", "#3b0764"),
    "procedure": ("procedure type", "diamond", "#0e7490", "#164e63"),
    "lesion compartment": ("lesion compartment", "square", "#be185d", "#500724"),
    "lesion nature": ("lesion nature", "triangleDown", "#a16207", "#422006"),
}
CODE_KINDS = ("primary", "add-on")
FACET_KINDS = ("region", "approach", "procedure", "lesion compartment", "lesion nature")
# relation -> (legend name, colour, width, drawn at rest with this opacity)
EDGE_STYLE = {
    "addOnTo": ("add-on to (arrow points to the primary)", "#c2410c", 2.5, 0.9),
    "reportedWith": ("commonly reported with", "#0f766e", 1.5, 0.5),
    "broader": ("in range group", "#4b5563", 1.5, 0.7),
    "region": ("region", "#15803d", 1, 0.22),
    "approach": ("approach", "#7e22ce", 1, 0.22),
    "procedure": ("procedure type", "#0e7490", 1, 0.18),
    "lesionCompartment": ("lesion compartment", "#be185d", 1, 0.25),
    "lesionNature": ("lesion nature", "#a16207", 1, 0.25),
}
# add-ons with more primaries than this get their arrows drawn only when selected
DENSE_ADDON = 8
# edge labels shown beside the selected node
EDGE_LABEL = {"addOnTo": "add-on to", "broader": "in group", "reportedWith": "reported with"}
# preferred spring length per relation (force layout): codes sit close to their group
EDGE_LENGTH = {"addOnTo": 70, "reportedWith": 160, "broader": 60, "region": 260, "approach": 220, "procedure": 200,
               "lesionCompartment": 200, "lesionNature": 200}
# facets whose values get their own filter checkboxes: page key -> record attribute, node kind
FILTER_FACETS = {"region": ("regions", "region"), "approach": ("approaches", "approach"),
                 "procedure": ("procedures", "procedure"),
                 # the spine section's facets: filters only (values on each card, not drawn as hubs)
                 "imaging": ("imaging", None), "agent": ("agents", None), "delivery": ("delivery", None),
                 "device": ("devices", None), "device_action": ("device_actions", None)}
RECORD_EDGES = {"regions": "region", "approaches": "approach", "procedures": "procedure",
                "lesion_compartments": "lesionCompartment", "lesion_natures": "lesionNature"}
RELATION_KIND = {"region": "region", "approach": "approach", "procedure": "procedure",
                 "lesionCompartment": "lesion compartment", "lesionNature": "lesion nature"}


def rgba(hex_colour: str, opacity: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{opacity})"


def drawn_graph(catalog, codes: set[str] | None):
    """The nodes and edges to draw: the chosen codes, their facet values and their groups."""
    import networkx as nx

    from spinekg.graph.network import load_network

    full = load_network()
    chosen = set(catalog.codes) if codes is None else {get_code(catalog, c).code for c in codes}
    D = nx.MultiDiGraph()

    def add(nid, attrs):
        if nid not in D:
            D.add_node(nid, **attrs)

    for code in sorted(chosen):
        rec = catalog.codes[code]
        add(code, {"kind": rec.kind, "label": rec.label, "code": code})
        if code in full:
            for _, target, rel in full.out_edges(code, data="relation"):
                kind = full.nodes[target]["kind"]
                if rel in EDGE_STYLE and kind in NODE_STYLE and rel not in ("addOnTo", "broader"):
                    add(target, full.nodes[target])
                    D.add_edge(code, target, key=rel, relation=rel)
        else:  # a code the shipped graph does not hold (e.g. loaded by the user): link by its facts
            for attr, rel in RECORD_EDGES.items():
                for name in getattr(rec, attr):
                    target = f"{RELATION_KIND[rel]}:{name}"
                    add(target, full.nodes[target] if target in full
                        else {"kind": RELATION_KIND[rel], "label": name})
                    D.add_edge(code, target, key=rel, relation=rel)
    # range groups: each chosen code's group and the groups above it
    for code in sorted(chosen):
        child, group = code, catalog.codes[code].group
        while group:
            gid = "group:" + group
            info = catalog.groups.get(group, {})
            add(gid, {"kind": "group", "label": info.get("label", group)})
            D.add_edge(child, gid, key="broader", relation="broader")
            child, group = gid, info.get("parent")
    for code in sorted(chosen):
        for primary in catalog.codes[code].add_on_to:
            if primary in chosen:
                D.add_edge(code, primary, key="addOnTo", relation="addOnTo")
    for code in sorted(chosen):  # symmetric: drawn once, from the lower code
        for other in getattr(catalog.codes[code], "reported_with", ()):
            if other in chosen and code < other:
                D.add_edge(code, other, key="reportedWith", relation="reportedWith")
    return D


def neighbourhood(D, focus: str, depth: int) -> set[str]:
    import networkx as nx

    undirected = D.to_undirected(as_view=True)  # built once, not per ego query
    return set(nx.single_source_shortest_path_length(undirected, focus, cutoff=depth))


def levels(D) -> dict[str, int]:
    """Rows of the hierarchical layout: groups by depth, then primaries, add-ons, facet rows."""
    depth: dict[str, int] = {}

    def group_depth(g):
        if g not in depth:
            parents = [t for _, t, r in D.out_edges(g, data="relation") if r == "broader"]
            depth[g] = 1 + group_depth(parents[0]) if parents else 0
        return depth[g]

    levels = {n: group_depth(n) for n, k in D.nodes(data="kind") if k == "group"}
    base = max(levels.values(), default=-1) + 1
    rows = {"primary": base, "add-on": base + 1, "region": base + 2, "lesion compartment": base + 2,
            "lesion nature": base + 2, "approach": base + 3, "procedure": base + 4}
    for n, k in D.nodes(data="kind"):
        if k != "group":
            levels[n] = rows[k]
    return levels


def vis_options(layout: str) -> dict:
    interaction = {"hover": True, "tooltipDelay": 150, "multiselect": False,
                   "navigationButtons": False, "keyboard": {"enabled": True, "bindToWindow": False}}
    nodes = {"borderWidth": 1.5, "borderWidthSelected": 4, "labelHighlightBold": True}
    edges = {"smooth": False, "selectionWidth": 2.5, "hoverWidth": 1.5}
    if layout == "hierarchical":
        return {
            "layout": {"hierarchical": {"enabled": True, "direction": "UD", "sortMethod": "directed",
                                        "levelSeparation": 200, "nodeSpacing": 180, "treeSpacing": 200,
                                        "shakeTowards": "roots"}},
            "physics": {"enabled": True, "solver": "hierarchicalRepulsion",
                        "hierarchicalRepulsion": {"nodeDistance": 190, "avoidOverlap": 1},
                        "stabilization": {"enabled": True, "iterations": 600, "updateInterval": 50,
                                          "fit": True}},
            "interaction": interaction, "nodes": nodes, "edges": edges,
        }
    return {
        "layout": {"randomSeed": 7, "improvedLayout": False},
        "physics": {"enabled": True, "solver": "forceAtlas2Based",
                    "forceAtlas2Based": {"gravitationalConstant": -90, "centralGravity": 0.015,
                                         "springLength": 100, "springConstant": 0.06,
                                         "damping": 0.5, "avoidOverlap": 0.8},
                    "minVelocity": 1.0, "maxVelocity": 60,
                    "stabilization": {"enabled": True, "iterations": 500, "updateInterval": 50,
                                      "fit": True}},
        "interaction": interaction, "nodes": nodes, "edges": edges,
    }


def node_groups() -> dict:
    """vis-network node groups: colour, shape and font of each node kind."""
    face = "system-ui, sans-serif"
    groups = {}
    for kind, (_, shape, colour, font_colour) in NODE_STYLE.items():
        is_code = kind in CODE_KINDS
        style = {
            "shape": shape,
            "color": {"background": colour, "border": "#111827" if is_code else colour,
                      "highlight": {"background": "#facc15", "border": "#111827"},
                      "hover": {"background": colour, "border": "#111827"}},
            "font": ({"color": font_colour, "size": 26, "face": face} if is_code else
                     {"color": font_colour, "size": 32, "face": face,
                      "strokeWidth": 6, "strokeColor": "#ffffff",
                      "bold": {"color": font_colour, "size": 32}}),
        }
        if is_code:
            style["margin"] = 6
        else:
            style["size"] = 20 if kind == "group" else 22
            style["mass"] = 1.5 if kind == "group" else 2
        groups[kind] = style
    return groups


def edge_styles() -> dict:
    return {rel: {"width": width, "length": EDGE_LENGTH[rel],
                  "color": {"color": rgba(colour, opacity), "highlight": colour, "hover": colour,
                            "inherit": False}}
            for rel, (_, colour, width, opacity) in EDGE_STYLE.items()}


