"""The namespace IRIs of spinekg as plain strings, for code that must not import rdflib (cold
commands such as `query`); ontology/namespaces.py builds its rdflib namespaces on these."""
from spinekg.ontology import CPT_IRI_BASE

SK_IRI = "https://w3id.org/spinekg/ontology#"
GROUP_IRI = "https://w3id.org/spinekg/group/"  # GROUP_IRI + "63300-63308" is a range group

PREFIXES = {
    "sk": SK_IRI,
    "cpt": CPT_IRI_BASE,
    "grp": GROUP_IRI,
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcterms": "http://purl.org/dc/terms/",
}
