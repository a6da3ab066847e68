"""The interactive HTML explorer: the graph as ONE self-contained HTML file (pyvis / vis-network).

Nodes and edges come from the typed networkx graph (graph/network.py) and are assembled with
pyvis; the page itself is our own template (exports/assets/) with the vis-network script that
ships inside the pyvis package inlined, so the file opens by double click with no network and
loads nothing from anywhere. Every text (labels, descriptors) travels as JSON inside a
`<script type="application/json">` block and the page builds its DOM with `textContent` only.
"""
from __future__ import annotations

import html
import json
import re
from importlib.resources import files

from spinekg.graph.errors import SpinekgError
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
EDGE_LABEL = {"addOnTo": "add-on to", "broader": "in group"}
# preferred spring length per relation (force layout): codes sit close to their group
EDGE_LENGTH = {"addOnTo": 70, "broader": 60, "region": 260, "approach": 220, "procedure": 200,
               "lesionCompartment": 200, "lesionNature": 200}
# facets whose values get their own filter checkboxes: page key -> record attribute, node kind
FILTER_FACETS = {"region": ("regions", "region"), "approach": ("approaches", "approach"),
                 "procedure": ("procedures", "procedure")}
RECORD_EDGES = {"regions": "region", "approaches": "approach", "procedures": "procedure",
                "lesion_compartments": "lesionCompartment", "lesion_natures": "lesionNature"}
RELATION_KIND = {"region": "region", "approach": "approach", "procedure": "procedure",
                 "lesionCompartment": "lesion compartment", "lesionNature": "lesion nature"}

_ASSETS = files("spinekg.exports") / "assets"
_VIS_PATH = ("templates", "lib", "vis-9.1.2", "vis-network.min.js")
# what JSON needs escaped so that no text can close the <script> element or be read as markup
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(data) -> str:
    """JSON safe to place inside <script type="application/json">: <, >, &, U+2028/9 escaped."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_ESCAPES[m.group()], text)


def _inline_safe(name: str, text: str, closer: str) -> str:
    """Inlined script/style must not be able to end its own element early."""
    low = text.lower()
    if closer in low or "<!--" in low:
        raise RuntimeError(f"{name} cannot be inlined: it contains {closer!r} or '<!--'")
    return text


def vis_network_js() -> str:
    """The vis-network build that ships inside the pyvis package (never fetched)."""
    import importlib.util

    spec = importlib.util.find_spec("pyvis")
    if spec is None or not spec.submodule_search_locations:
        raise SpinekgError("pyvis is not installed; install spinekg's dependencies")
    from pathlib import Path

    path = Path(list(spec.submodule_search_locations)[0]).joinpath(*_VIS_PATH)
    return _inline_safe("vis-network.min.js", path.read_text(encoding="utf-8"), "</script")


def _rgba(hex_colour: str, opacity: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{opacity})"


def _asset(name: str) -> str:
    return (_ASSETS / name).read_text(encoding="utf-8")


def _drawn_graph(catalog, codes: set[str] | None):
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
    return D


def _neighbourhood(D, focus: str, depth: int) -> set[str]:
    import networkx as nx

    undirected = D.to_undirected(as_view=True)  # built once, not per ego query
    return set(nx.single_source_shortest_path_length(undirected, focus, cutoff=depth))


def _levels(D) -> dict[str, int]:
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


def _vis_options(layout: str) -> dict:
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


def _node_groups() -> dict:
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


def _edge_styles() -> dict:
    return {rel: {"width": width, "length": EDGE_LENGTH[rel],
                  "color": {"color": _rgba(colour, opacity), "highlight": colour, "hover": colour,
                            "inherit": False}}
            for rel, (_, colour, width, opacity) in EDGE_STYLE.items()}


def _card(rec, catalog) -> dict:
    """What a code's side panel shows (plain values; the page renders them as text)."""
    def related(codes):
        return list(codes)

    return {
        "code": rec.code, "label": rec.label, "kind": rec.kind, "status": rec.status,
        "deleted_in": rec.deleted_in, "added_in": rec.added_in, "descriptor": rec.descriptor,
        "group": rec.group, "group_label": rec.group_label,
        "regions": list(rec.regions), "approaches": list(rec.approaches),
        "procedures": list(rec.procedures), "lesion_compartments": list(rec.lesion_compartments),
        "lesion_natures": list(rec.lesion_natures), "variants": list(rec.variants),
        "indications": list(rec.indications), "unit": rec.unit, "min_units": rec.min_units,
        "max_units": rec.max_units, "each_additional_unit": rec.each_additional_unit,
        "add_on_to": related(rec.add_on_to), "add_ons": related(rec.add_ons),
        "siblings": related(catalog.siblings(rec.code) if rec.group in catalog.groups else []),
    }


def render_html(catalog, *, codes: set[str] | None = None, focus: str | None = None, depth: int = 1,
                layout: str = "force", title: str | None = None) -> str:
    """The complete, self-contained HTML text of the explorer.

    `codes` restricts the page to those codes (with their facet values and range groups);
    `focus` + `depth` keep only the neighbourhood of one code; `layout` is force or hierarchical.
    """
    if layout not in LAYOUTS:
        raise SpinekgError(f"unknown layout {layout!r}; valid values: {', '.join(LAYOUTS)}")
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
        raise SpinekgError(f"depth must be a whole number of 0 or more, not {depth!r}")
    if focus is not None:
        focus = get_code(catalog, focus).code
    D = _drawn_graph(catalog, codes)
    if focus is not None:
        if focus not in D:
            raise SpinekgError(f"focus code {focus} is not among the selected codes")
        D = D.subgraph(_neighbourhood(D, focus, depth))

    from pyvis.network import Network

    net = Network(directed=True)  # directed: pyvis scans every edge per add in undirected mode
    levels = _levels(D) if layout == "hierarchical" else {}
    for nid, attrs in D.nodes(data=True):
        kind = attrs["kind"]
        is_code = kind in CODE_KINDS
        label = nid if is_code else (nid[len("group:"):].replace("-", "\u2013") if kind == "group"
                                     else attrs["label"])
        options = {"kind": kind, "name": catalog.codes[nid].label if is_code else attrs["label"]}
        if nid in levels:
            options["level"] = levels[nid]
        # style comes from the vis "groups" option, one entry per node kind (see _node_groups)
        net.add_node(nid, label=label, shape=NODE_STYLE[kind][1], group=kind, **options)
    fan_out = {n: sum(1 for *_, r in D.out_edges(n, data="relation") if r == "addOnTo") for n in D}
    for src, dst, rel in D.edges(data="relation"):
        # colour, width and spring length per relation are applied by the page (edge_styles)
        extra = {}
        if rel == "addOnTo" and fan_out[src] > DENSE_ADDON:
            # an add-on reported with very many primaries: its arrows would bury the picture, so they
            # are drawn only around the selected node and do not pull on the layout
            extra = {"dense": True}
        net.add_edge(src, dst, relation=rel, arrows="to" if rel == "addOnTo" else "", **extra)
    nodes, edges, *_ = net.get_network_data()

    drawn = {n for n, k in D.nodes(data="kind") if k in CODE_KINDS}
    filters = {}
    for key, (attr, kind) in FILTER_FACETS.items():
        values = sorted({v for c in drawn for v in getattr(catalog.codes[c], attr)})
        filters[key] = values
    cards = {c: _card(catalog.codes[c], catalog) for c in sorted(drawn)}
    page_title = title or ("spinekg explorer" if focus is None
                           else f"spinekg explorer \u2014 around {focus}")
    data = {
        "title": page_title,
        "layout": layout,
        "focus": focus,
        "nodes": nodes,
        # compact transport: [from, to, relation(, 1 when dense)]; the page expands them again
        "edges": [[e["from"], e["to"], e["relation"]] + ([1] if e.get("dense") else []) for e in edges],
        "options": {**_vis_options(layout), "groups": _node_groups()},
        "edge_styles": _edge_styles(),
        "dense_addon": DENSE_ADDON,
        "kinds": [{"kind": k, "name": v[0], "shape": v[1], "color": v[2]} for k, v in NODE_STYLE.items()
                  if any(kind == k for _, kind in D.nodes(data="kind"))],
        "relations": [{"relation": r, "name": v[0], "short": EDGE_LABEL.get(r, v[0]), "color": v[1]}
                      for r, v in EDGE_STYLE.items()],
        "filters": filters,
        "cards": cards,
        # labels of related codes that are not drawn on this page (e.g. outside a --focus view)
        "other_labels": {c: catalog.codes[c].label for card in cards.values()
                         for key in ("add_on_to", "add_ons", "siblings") for c in card[key]
                         if c not in drawn and c in catalog.codes},
        "groups": {n: {"label": a["label"], "members": sorted(s for s, _, r in D.in_edges(n, data="relation")
                                                               if r == "broader")}
                   for n, a in D.nodes(data=True) if a["kind"] == "group"},
    }
    template = _asset("explorer.html")
    parts = {
        "TITLE": html.escape(page_title),
        "STYLE": _inline_safe("explorer.css", _asset("explorer.css"), "</style"),
        "VIS_JS": vis_network_js(),
        "APP_JS": _inline_safe("explorer.js", _asset("explorer.js"), "</script"),
        "DATA": script_json(data),
    }
    # one pass, so no substituted text is ever scanned for further placeholders
    return re.sub(r"\{\{(TITLE|STYLE|VIS_JS|APP_JS|DATA)\}\}", lambda m: parts[m.group(1)], template)
