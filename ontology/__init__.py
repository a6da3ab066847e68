"""The spinekg vocabulary: Turtle files and their namespaces."""
from importlib.resources import files

ONTOLOGY_FILE = files(__name__) / "spinekg.ttl"
SHAPES_FILE = files(__name__) / "shapes.ttl"


def shape_files() -> list:
    """Every SHACL shapes file: shapes.ttl and any ontology/*-shapes.ttl (never part of the data graph)."""
    from pathlib import Path

    here = Path(str(files(__name__)))
    return [Path(str(SHAPES_FILE)), *sorted(p for p in here.glob("*-shapes.ttl"))]

CPT_IRI_BASE = "https://w3id.org/spinekg/cpt/"  # CPT_IRI_BASE + "63304" is the code 63304 (no rdflib needed)
