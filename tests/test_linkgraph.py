"""graph/linkgraph.py answers `path` without networkx: the same graph, the same neighbour order and
the same chain as networkx's shortest path on traverse.undirected()."""
import random

import networkx as nx
import pytest

from spinekg.graph import linkgraph
from spinekg.graph import traverse as T
from spinekg.graph.network import load_network


@pytest.fixture(scope="module")
def graphs():
    G = linkgraph.link_graph()
    return G, linkgraph.undirected_adjacency(G, T.STEP_PREFERENCE), load_network(), T.undirected()


def test_same_nodes_and_edges_as_the_network(graphs):
    G, _, N, _ = graphs
    assert G.nodes == dict(N.nodes(data=True))
    assert sorted((u, v, sorted(d.items())) for u, v, d in G.edges) == \
        sorted((u, v, sorted(d.items())) for u, v, d in N.edges(data=True))
    for u, v in N.edges():
        assert G.get_edge_data(u, v) == dict(N.get_edge_data(u, v))
    assert not G.has_edge("63304", "no-such-node") and G.get_edge_data("no-such-node", "63304") is None


def test_same_neighbour_order_as_the_undirected_graph(graphs):
    _, adj, _, U = graphs
    assert list(adj) == list(U.nodes)
    for n in U.nodes:
        assert list(adj[n]) == list(U.adj[n]), n


def test_same_chain_as_networkx_on_many_pairs(graphs):
    _, adj, _, U = graphs
    nodes = sorted(U.nodes)
    pairs = random.Random(16).sample([(a, b) for a in nodes for b in nodes], 3000)
    for a, b in pairs:
        try:
            want = nx.shortest_path(U, a, b)
        except nx.NetworkXNoPath:
            want = None
        assert linkgraph.shortest_path(adj, a, b) == want, (a, b)


def test_no_chain_and_unknown_nodes():
    adj = {"a": {"b": None}, "b": {"a": None}, "c": {}}
    assert linkgraph.shortest_path(adj, "a", "c") is None
    assert linkgraph.shortest_path(adj, "a", "zz") is None
    assert linkgraph.shortest_path(adj, "a", "b") == ["a", "b"]
    assert linkgraph.shortest_path(adj, "a", "a") == ["a"]


def test_damaged_network_cache_is_rebuilt(tmp_path, monkeypatch):
    from spinekg.graph import network
    from spinekg.graph.compiled import catalog_key, read_cached

    def forget():  # what a new process starts with
        linkgraph._link_graph.cache_clear()
        network._load_network.cache_clear()

    monkeypatch.setenv("SPINEKG_CACHE", str(tmp_path))
    forget()
    try:
        first = linkgraph.link_graph()  # no cache yet: built through graph.network, then cached
        kept, = tmp_path.glob("network-*.json")
        kept.write_bytes(b"damaged")
        forget()
        again = linkgraph.link_graph()
        assert again.nodes == first.nodes and again.edges == first.edges
        assert read_cached(catalog_key(), kind="network") is not None
    finally:
        forget()


def test_path_between_known_codes_reads_no_catalog(monkeypatch):
    """Two codes of the network need no catalog (~35 ms of a cold `path`); anything else gets the
    catalog's one-line error, as before."""
    import pytest

    from spinekg.graph import traverse
    from spinekg.graph.errors import SpinekgError

    expected = traverse.path("63304", "63308")
    monkeypatch.setattr(traverse, "_catalog", lambda: (_ for _ in ()).throw(AssertionError("catalog read")))
    assert traverse.path("63304", " 63308") == {**expected, "to": "63308"}
    with pytest.raises(AssertionError, match="catalog read"):
        traverse.path("63304", "99999")
    monkeypatch.undo()
    with pytest.raises(SpinekgError, match="unknown code 99999"):
        traverse.path("63304", "99999")
    with pytest.raises(SpinekgError, match="unknown code 63300-63308"):
        traverse.path("63300-63308", "63308")
