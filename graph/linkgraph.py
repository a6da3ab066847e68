"""The typed multigraph of graph/network.py read straight from the compiled cache, without networkx,
and the shortest chain between two nodes: what a cold `spinekg path` needs (networkx's import
alone costs more than the whole command otherwise).

The chain is found exactly as networkx's `shortest_path` finds it on traverse.undirected()
(bidirectional breadth-first search over the same adjacency order), so answers are identical;
tests/test_linkgraph.py compares the two on many pairs."""
from __future__ import annotations

import functools


class LinkGraph:
    """Read-only: `nodes[id]` -> attributes, `has_edge(u, v)` and `get_edge_data(u, v)` -> {key: attributes}
    (the parts of networkx's MultiDiGraph that traverse.step and traverse.display use)."""

    def __init__(self, data: dict):
        """From node-link data (as networkx's node_link_data writes it), which it takes over: the
        attribute dicts are used in place, without their id / source, target and key."""
        self.nodes: dict[str, dict] = {}
        for n in data["nodes"]:
            self.nodes[n.pop("id")] = n
        self.edges: list[tuple[str, str, dict]] = []
        self._out: dict[str, dict[str, dict]] = {}
        for e in data["edges"]:
            u, v, key = e.pop("source"), e.pop("target"), e.pop("key")
            self.edges.append((u, v, e))
            self._out.setdefault(u, {}).setdefault(v, {})[key] = e

    def has_edge(self, u: str, v: str) -> bool:
        return v in self._out.get(u, {})

    def get_edge_data(self, u: str, v: str) -> dict | None:
        return self._out.get(u, {}).get(v)


def link_graph() -> LinkGraph:
    """The shipped graph (+ the user's imports) from the compiled cache; when that is missing or
    damaged, graph.network builds it (with networkx) and caches it for the next run."""
    from spinekg.graph.compiled import catalog_key

    return _link_graph(catalog_key())


@functools.lru_cache(maxsize=2)
def _link_graph(key: str) -> LinkGraph:
    from spinekg.graph.compiled import read_cached

    cached = read_cached(key, kind="network")
    if cached is not None:
        try:
            return LinkGraph(cached)
        except (KeyError, TypeError, AttributeError):
            pass
    import networkx as nx

    from spinekg.graph.network import load_network

    return LinkGraph(nx.node_link_data(load_network(), edges="edges"))


def undirected_adjacency(G: LinkGraph, preference: tuple[str, ...]) -> dict[str, dict[str, None]]:
    """Neighbours of each node in the order traverse.undirected() adds its edges: every node (sorted),
    then the edges sorted by (rank of the relation in `preference`, u, v), each pair once."""
    rank = {rel: i for i, rel in enumerate(preference)}
    adj: dict[str, dict[str, None]] = {n: {} for n in sorted(G.nodes)}
    for _, u, v in sorted((rank.get(d["relation"], len(rank)), u, v) for u, v, d in G.edges):
        if v not in adj[u]:
            adj[u][v] = None
            adj[v][u] = None
    return adj


def shortest_path(adj: dict[str, dict[str, None]], source: str, target: str) -> list[str] | None:
    """A shortest chain of nodes from source to target (None when none joins them): networkx's
    bidirectional search step for step, expanding the smaller fringe first, forward on ties."""
    if source not in adj or target not in adj:
        return None
    if source == target:
        return [source]
    pred, succ = {source: None}, {target: None}
    forward, reverse = [source], [target]
    meet = None
    while forward and reverse and meet is None:
        if len(forward) <= len(reverse):
            level, forward = forward, []
            for v in level:
                for w in adj[v]:
                    if w not in pred:
                        forward.append(w)
                        pred[w] = v
                    if w in succ:
                        meet = w
                        break
                if meet is not None:
                    break
        else:
            level, reverse = reverse, []
            for v in level:
                for w in adj[v]:
                    if w not in succ:
                        succ[w] = v
                        reverse.append(w)
                    if w in pred:
                        meet = w
                        break
                if meet is not None:
                    break
    if meet is None:
        return None
    path, w = [], meet
    while w is not None:
        path.append(w)
        w = pred[w]
    path.reverse()
    w = succ[path[-1]]
    while w is not None:
        path.append(w)
        w = succ[w]
    return path
