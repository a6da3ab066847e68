"""The spinekg vocabulary: Turtle files and their namespaces."""
from importlib.resources import files

ONTOLOGY_FILE = files(__name__) / "spinekg.ttl"
SHAPES_FILE = files(__name__) / "shapes.ttl"
