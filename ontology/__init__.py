"""The spinekg vocabulary: Turtle files and their namespaces."""
from importlib.resources import files

ONTOLOGY_FILE = files(__name__) / "spinekg.ttl"
SHAPES_FILE = files(__name__) / "shapes.ttl"
CPT_IRI_BASE = "https://w3id.org/spinekg/cpt/"  # CPT_IRI_BASE + "63304" is the code 63304 (no rdflib needed)
