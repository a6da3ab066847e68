"""The RDF graph as a typed networkx multigraph: codes, groups and facet values as nodes,
one edge per relation triple, labelled with the property's local name."""
from __future__ import annotations

import functools

# property local name -> edge relation name (sk: facets and relations; skos:broader as "group")
EDGE_PROPERTIES = ("region", "approach", "procedure", "lesionCompartment", "lesionNature", "unit",
                   "variant", "indication", "imaging", "agent", "delivery", "device", "deviceAction", "addOnTo")
# node kinds, also used by the HTML explorer's legend
CODE_KINDS = {"PrimaryCode": "primary", "AddOnCode": "add-on"}
FACET_KINDS = {"SpinalRegion": "region", "SurgicalApproach": "approach", "ProcedureType": "procedure",
               "LesionCompartment": "lesion compartment", "LesionNature": "lesion nature",
               "CountedUnit": "unit", "TechniqueVariant": "variant", "Indication": "indication",
               # the spine section's facets (drawn by the explorer only as filters and card facts)
               "ImagingGuidance": "imaging", "Agent": "agent", "Delivery": "delivery", "Device": "device",
               "DeviceAction": "device action"}


def node_id(g, node) -> str:
    """Stable, readable node ids: '63304' for codes, 'group:63300-63308', 'region:cervical'."""
    from rdflib import RDF
    from rdflib.namespace import SKOS

    from spinekg.ontology.namespaces import SK

    for cls in CODE_KINDS:
        if (node, RDF.type, SK[cls]) in g:
            return str(g.value(node, SKOS.notation))
    if (node, RDF.type, SK.CodeGroup) in g:
        return "group:" + str(g.value(node, SKOS.notation))
    for cls, kind in FACET_KINDS.items():
        if (node, RDF.type, SK[cls]) in g:
            return f"{kind}:{g.value(node, SKOS.prefLabel)}"
    return str(node)


def to_networkx(g):
    """A networkx MultiDiGraph of the RDF graph.

    Nodes carry `kind` (primary, add-on, group, region, approach, procedure, lesion compartment,
    lesion nature, unit, variant, indication, imaging, agent, delivery, device, device action), `label` and `iri`; codes also `code` and `evidence`.
    Edges go subject → object and carry `relation` (sk property local name, or 'broader');
    add-on → primary edges also their `evidence` (the link's own where stated, else the add-on's).
    """
    import networkx as nx
    from rdflib import RDF
    from rdflib.namespace import SKOS

    from spinekg.ontology.namespaces import SK

    G = nx.MultiDiGraph()
    ids = {}

    def add_node(node, kind):
        nid = node_id(g, node)
        ids[node] = nid
        attrs = {"kind": kind, "iri": str(node), "label": str(g.value(node, SKOS.prefLabel) or nid)}
        if kind in CODE_KINDS.values():
            attrs["code"] = nid
            level = g.value(node, SK.evidence)
            attrs["evidence"] = str(g.value(level, SKOS.prefLabel)) if level is not None else "unconfirmed"
        G.add_node(nid, **attrs)

    for cls, kind in CODE_KINDS.items():
        for node in sorted(g.subjects(RDF.type, SK[cls])):
            add_node(node, kind)
    for node in sorted(g.subjects(RDF.type, SK.CodeGroup)):
        add_node(node, "group")
    for cls, kind in FACET_KINDS.items():
        for node in sorted(g.subjects(RDF.type, SK[cls])):
            add_node(node, kind)
    link_levels = {(g.value(st, RDF.subject), g.value(st, RDF.object)): g.value(st, SK.evidence)
                   for st in g.subjects(RDF.predicate, SK.addOnTo) if (st, RDF.type, SK.LinkStatement) in g}
    for prop in EDGE_PROPERTIES:
        for s, o in sorted(g.subject_objects(SK[prop])):
            if s in ids and o in ids:
                extra = {}
                if prop == "addOnTo":
                    level = link_levels.get((s, o))
                    extra["evidence"] = (str(g.value(level, SKOS.prefLabel)) if level is not None
                                         else G.nodes[ids[s]]["evidence"])
                G.add_edge(ids[s], ids[o], key=prop, relation=prop, **extra)
    for s, o in sorted(g.subject_objects(SKOS.broader)):
        if s in ids and o in ids:
            G.add_edge(ids[s], ids[o], key="broader", relation="broader")
    return G


def load_network():
    """The typed multigraph of the whole graph (with the user's imports), built once per process.

    Served from the compiled cache (node-link JSON keyed like the catalog) so that commands that
    only traverse do not parse RDF; rebuilt when the data or the user's imports change.
    """
    from spinekg.graph.compiled import catalog_key

    return _load_network(catalog_key())


@functools.lru_cache(maxsize=2)
def _load_network(key: str):
    import networkx as nx

    from spinekg.graph.compiled import read_cached, write_cached

    cached = read_cached(key, kind="network")
    if cached is not None:
        try:
            return nx.node_link_graph(cached, directed=True, multigraph=True, edges="edges")
        except (KeyError, TypeError, nx.NetworkXError):
            pass
    from spinekg.graph.load import load_graph

    G = to_networkx(load_graph(ncci=False))  # its edges are no NCCI edit's (catalog_key)
    write_cached(key, nx.node_link_data(G, edges="edges"), kind="network")
    return G
