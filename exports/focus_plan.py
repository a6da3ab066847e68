"""What the explorer's focus view draws around one node: breadth first to `depth`, hubs collapsed.

The page computes the same plan in explorer-focus.js (a browser test holds the two together);
this copy lets `export html --focus CODE --depth N` report what is actually drawn.

Rules: from the focus, walk `depth` steps over the drawn graph (undirected). A node other than
the focus and range groups with more than HUB links is a hub: it is drawn but not walked through.
A facet-value hub (cervical: 60 codes) gets one count node for its neighbours not drawn; a code
hub gets none (double-click it to focus it). Around the focus itself, more than HUB
neighbours of one relation (13 add-ons of 63304) also become one count node of that relation.
"""
from __future__ import annotations

HUB = 8
CODE_KINDS = ("primary", "add-on")
DEFAULT_DEPTH = 2  # the focus code, its relations, and theirs (range siblings through the group)


def adjacency(nodes: list[str], edges: list[tuple[str, str, str]]) -> dict[str, list[tuple[str, str]]]:
    """node -> sorted [(relation, neighbour)], one entry per neighbour (its first relation)."""
    adj: dict[str, dict[str, str]] = {n: {} for n in nodes}
    for a, b, rel in edges:
        if a in adj and b in adj and a != b:
            adj[a].setdefault(b, rel)
            adj[b].setdefault(a, rel)
    return {n: sorted((rel, m) for m, rel in nbrs.items()) for n, nbrs in adj.items()}


def plan(adj, kinds: dict[str, str], focus: str, depth: int) -> dict:
    """{drawn: [ids], collapsed: {hub id or 'focus|relation': [hidden ids]}} (lists sorted)."""
    drawn = {focus}
    frontier = [focus]
    focus_collapsed: dict[str, list[str]] = {}
    hubs: list[str] = []
    for _ in range(depth):
        nxt = []
        for u in sorted(frontier):
            nbrs = [(rel, v) for rel, v in adj[u] if v not in drawn]
            if u != focus and kinds.get(u) != "group" and len(adj[u]) > HUB:
                if kinds.get(u) not in CODE_KINDS:  # a code hub opens by focusing it instead
                    hubs.append(u)
                continue
            if u == focus:
                by_rel: dict[str, list[str]] = {}
                for rel, v in nbrs:
                    by_rel.setdefault(rel, []).append(v)
                keep = []
                for rel, vs in by_rel.items():
                    if len(vs) > HUB:
                        focus_collapsed[rel] = sorted(vs)
                    else:
                        keep += vs
                nbrs = [(None, v) for v in keep]
            for _, v in nbrs:
                if v not in drawn:
                    drawn.add(v)
                    nxt.append(v)
        frontier = nxt
    # the last ring is not walked: its facet values (cervical, 60 codes) still show a count node
    hubs += [u for u in frontier if kinds.get(u) not in ("group", *CODE_KINDS) and len(adj[u]) > HUB]
    collapsed = {}
    for rel, vs in focus_collapsed.items():
        hidden = [v for v in vs if v not in drawn]
        if hidden:
            collapsed[f"{focus}|{rel}"] = hidden
    for u in sorted(set(hubs)):
        hidden = sorted(v for _, v in adj[u] if v not in drawn)
        if hidden:
            collapsed[u] = hidden
    return {"drawn": sorted(drawn), "collapsed": dict(sorted(collapsed.items()))}
