"""The typed networkx graph of graph/network.py as GraphML, GEXF 1.2 and Cytoscape.js JSON.

Nodes keep their id ('63304', 'group:63300-63308', 'region:cervical') and their attributes
(kind, label, iri, code); edges keep `relation`. Each edge gets a unique, deterministic id
(e0, e1, … in the graph's own sorted order) because Gephi and Cytoscape drop or merge edges whose
ids repeat. Cytoscape JSON's top-level `data` is an object ({"name", "version"}), as cytoscape.js
reads it. GEXF's `lastmodifieddate` is left out so that two runs give identical bytes.
"""
from __future__ import annotations

import io
import json

from spinekg.exports.registry import ExportSource, Output


def subset_network(G, codes):
    """The selected codes, and every group or facet value they reach; other codes are dropped."""
    wanted = set(codes)
    is_code = {n for n, k in G.nodes(data="kind") if k in ("primary", "add-on")}
    keep = set()
    frontier = [n for n in G.nodes if n in wanted]
    while frontier:
        n = frontier.pop()
        if n in keep:
            continue
        keep.add(n)
        frontier.extend(m for m in G.successors(n) if m not in keep and (m not in is_code or m in wanted))
    return G.subgraph([n for n in G.nodes if n in keep]).copy()


def export_graph(G, version: str):
    """A copy of G with unique edge ids as keys and the graph's name and version as attributes."""
    import networkx as nx

    H = nx.MultiDiGraph(name="spinekg", version=version)
    H.add_nodes_from(G.nodes(data=True))
    for i, (u, v, data) in enumerate(G.edges(data=True)):
        H.add_edge(u, v, key=f"e{i}", **data)
    return H


def _counts(G) -> dict:
    return {"nodes": G.number_of_nodes(), "edges": G.number_of_edges()}


def write_graphml(source: ExportSource) -> Output:
    import networkx as nx

    G = export_graph(source.network(), source.version)
    buf = io.BytesIO()
    nx.write_graphml(G, buf, encoding="utf-8", prettyprint=True, named_key_ids=True)
    return Output(data=buf.getvalue(), counts=_counts(G))


def write_gexf(source: ExportSource) -> Output:
    from networkx.readwrite.gexf import GEXFWriter

    G = export_graph(source.network(), source.version)
    for u, v, k, data in G.edges(keys=True, data=True):
        data["id"] = k
    writer = GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
    meta = writer.xml.find("meta")
    meta.attrib.pop("lastmodifieddate", None)
    meta.find("creator").text = f"spinekg {source.version}"
    writer.add_graph(G)
    buf = io.BytesIO()
    writer.write(buf)
    return Output(data=buf.getvalue(), counts=_counts(G))


def write_cytoscape(source: ExportSource) -> Output:
    import networkx as nx

    G = export_graph(source.network(), source.version)
    doc = nx.cytoscape_data(G)
    doc["data"] = dict(G.graph)  # networkx writes a list of pairs; cytoscape.js reads an object
    for edge in doc["elements"]["edges"]:
        edge["data"]["id"] = edge["data"]["key"]  # Cytoscape.js wants an id on every element
    text = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    return Output(data=text.encode("utf-8"), counts=_counts(G))
