"""The interactive HTML explorer: the graph as ONE self-contained HTML file (pyvis / vis-network).

Views: an overview of the families (range groups), a family table per group
(exports/family_table.py), a focus view of one node laid out by relation (exports/focus_plan.py),
a comparison of 2-4 codes and the whole graph. Nodes and edges come from the typed networkx
graph (exports/html_graph.py) and are assembled with pyvis; the page is our own template
(exports/assets/) with the vis-network script that ships inside pyvis inlined, so the file opens
by double click with no network and loads nothing. Every text travels as JSON inside a
`<script type="application/json">` block and the page builds its DOM with `textContent` only.
"""
from __future__ import annotations

import html
import json
import re
from collections import Counter
from importlib.resources import files

from spinekg.exports.html_graph import (CODE_KINDS, DENSE_ADDON, EDGE_LABEL, EDGE_STYLE, FILTER_FACETS, LAYOUTS,
                                       NODE_STYLE, drawn_graph, edge_styles, levels, node_groups, vis_options)
from spinekg.graph.errors import SpinekgError
from spinekg.graph.labels import REGION_ORDER
from spinekg.graph.select import get_code

__all__ = ["LAYOUTS", "render_html", "render_page", "script_json", "vis_network_js"]
# the page's scripts, inlined in this order into one function scope
APP_SCRIPTS = ("explorer-core.js", "explorer-search.js", "explorer-filters.js", "explorer-overview.js",
               "explorer-graph.js", "explorer-compare.js", "explorer-start.js")
GENERATOR = "spinekg explore (pyvis / vis-network)"

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


def _asset(name: str) -> str:
    return (_ASSETS / name).read_text(encoding="utf-8")


def render_html(catalog, *, codes: set[str] | None = None, focus: str | None = None, depth: int | None = None,
                layout: str = "force", title: str | None = None) -> str:
    """The complete, self-contained HTML text of the explorer.

    `codes` restricts the page to those codes (with their facet values and range groups);
    `focus` opens the page on one node's focus view, `depth` steps around it (default 2: its relations and their neighbours, e.g. range siblings; only
    with `focus`); `layout` (force or hierarchical) is the whole-graph view's layout.
    """
    return render_page(catalog, codes=codes, focus=focus, depth=depth, layout=layout, title=title)[0]


def render_page(catalog, *, codes: set[str] | None = None, focus: str | None = None, depth: int | None = None,
                layout: str = "force", title: str | None = None) -> tuple[str, dict]:
    """The page and what it draws, as counts for messages and manifests: {"codes", "nodes"}, or with
    a focus {"codes", "nodes_drawn", "hubs_collapsed"} of the view it opens on."""
    if layout not in LAYOUTS:
        raise SpinekgError(f"unknown layout {layout!r}; valid values: {', '.join(LAYOUTS)}")
    if depth is not None:
        if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
            raise SpinekgError(f"depth must be a whole number of 0 or more, not {depth!r}")
        if focus is None:
            raise SpinekgError("--depth needs --focus CODE: it counts steps around that code")
    if focus is not None:
        focus = get_code(catalog, focus).code
    D = drawn_graph(catalog, codes)
    if focus is not None and focus not in D:
        raise SpinekgError(f"focus code {focus} is not among the selected codes")

    from pyvis.network import Network

    from spinekg.exports import family_table, focus_plan, html_overview
    from spinekg.graph.search import build_index

    net = Network(directed=True)  # directed: pyvis scans every edge per add in undirected mode
    level_of = levels(D) if layout == "hierarchical" else {}
    for nid, attrs in D.nodes(data=True):
        kind = attrs["kind"]
        is_code = kind in CODE_KINDS
        label = nid if is_code else (nid[len("group:"):].replace("-", "\u2013") if kind == "group"
                                     else attrs["label"])
        options = {"kind": kind, "name": catalog.codes[nid].label if is_code else attrs["label"]}
        if nid in level_of:
            options["level"] = level_of[nid]
        # style comes from the vis "groups" option, one entry per node kind (see node_groups)
        net.add_node(nid, label=label, shape=NODE_STYLE[kind][1], group=kind, **options)
    edge_list = list(D.edges(data="relation"))  # one pass over the edges serves every count below
    fan_out = Counter(a for a, _, r in edge_list if r == "addOnTo")
    members: dict[str, list[str]] = {}
    for a, b, r in edge_list:
        if r == "broader":
            members.setdefault(b, []).append(a)
    for src, dst, rel in edge_list:
        extra = {"dense": True} if rel == "addOnTo" and fan_out[src] > DENSE_ADDON else {}
        net.add_edge(src, dst, relation=rel, arrows="to" if rel == "addOnTo" else "", **extra)
    nodes, edges, *_ = net.get_network_data()
    index = {n["id"]: i for i, n in enumerate(nodes)}
    rels = list(EDGE_STYLE)

    drawn = {n for n, k in D.nodes(data="kind") if k in CODE_KINDS}
    filters = {key: sorted({v for c in drawn for v in getattr(catalog.codes[c], attr)})
               for key, (attr, _) in FILTER_FACETS.items()}
    cards = {c: html_overview.card(catalog.codes[c], catalog) for c in sorted(drawn)}
    tables = family_table.build_tables(catalog, drawn)
    kinds = {n: k for n, k in D.nodes(data="kind")}
    info = {"codes": len(drawn), "nodes": len(nodes)}
    if focus is not None:
        adj = focus_plan.adjacency(list(D.nodes), edge_list)
        p = focus_plan.plan(adj, kinds, focus, focus_plan.DEFAULT_DEPTH if depth is None else depth)
        info = {"codes": len(drawn), "nodes_drawn": len(p["drawn"]), "hubs_collapsed": len(p["collapsed"])}
    page_title = title or ("spinekg explorer" if focus is None else f"spinekg explorer \u2014 around {focus}")
    data = {
        "title": page_title,
        "layout": layout,
        "focus": focus,
        "depth": depth,
        "hub": focus_plan.HUB,
        "focus_depth": focus_plan.DEFAULT_DEPTH,
        "nodes": nodes,
        # compact transport: [from index, to index, relation index(, 1 when dense)]
        "rels": rels,
        "edges": [[index[e["from"]], index[e["to"]], rels.index(e["relation"])] + ([1] if e.get("dense") else [])
                  for e in edges],
        "options": {**vis_options(layout), "groups": node_groups()},
        "edge_styles": edge_styles(),
        "dense_addon": DENSE_ADDON,
        "kinds": [{"kind": k, "name": v[0], "shape": v[1], "color": v[2]} for k, v in NODE_STYLE.items()
                  if any(kind == k for kind in kinds.values())],
        "relations": [{"relation": r, "name": v[0], "short": EDGE_LABEL.get(r, v[0]), "color": v[1]}
                      for r, v in EDGE_STYLE.items()],
        "filters": filters,
        "region_order": list(REGION_ORDER),
        "cards": cards,
        # labels of related codes that are not drawn on this page (e.g. outside a --region subset)
        "other_labels": {c: catalog.codes[c].label for card in cards.values()
                         for key in ("add_on_to", "add_ons", "siblings", "reported_with") for c in card[key]
                         if c not in drawn and c in catalog.codes},
        "groups": {n: {"label": a["label"], "members": sorted(members.get(n, ()))}
                   for n, a in D.nodes(data=True) if a["kind"] == "group"},
        "families": tables,
        "overview": html_overview.overview(catalog, tables),
        "search": html_overview.search_transport(build_index(catalog, drawn)),
    }
    template = _asset("explorer.html")
    app = "\n".join(_inline_safe(name, _asset(name), "</script") for name in APP_SCRIPTS)
    parts = {
        "TITLE": html.escape(page_title),
        "GENERATOR": GENERATOR,
        "STYLE": _inline_safe("explorer.css", _asset("explorer.css"), "</style"),
        "VIS_JS": vis_network_js(),
        "APP_JS": "(function () {\n\"use strict\";\n" + app + "\n})();",
        "DATA": script_json(data),
    }
    # one pass, so no substituted text is ever scanned for further placeholders
    text = re.sub(r"\{\{(TITLE|GENERATOR|STYLE|VIS_JS|APP_JS|DATA)\}\}", lambda m: parts[m.group(1)], template)
    return text, info


def written_by_spinekg(head: str) -> bool:
    """Whether a file's first bytes are an explorer page this program wrote (safe to refresh)."""
    return head.startswith("<!DOCTYPE html>") and f'<meta name="generator" content="{GENERATOR}">' in head
