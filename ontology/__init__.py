"""The spinekg vocabulary: Turtle files and their namespaces."""
from pathlib import Path as _Path

# plain paths (the package is installed as files): importlib.resources would cost cold commands its imports
_HERE = _Path(__file__).resolve().parent

ONTOLOGY_FILE = _HERE / "spinekg.ttl"
SHAPES_FILE = _HERE / "shapes.ttl"


def shape_files() -> list:
    """Every SHACL shapes file: shapes.ttl and any ontology/*-shapes.ttl (never part of the data graph)."""
    from pathlib import Path

    here = _HERE
    return [Path(str(SHAPES_FILE)), *sorted(p for p in here.glob("*-shapes.ttl"))]

CPT_IRI_BASE = "https://w3id.org/spinekg/cpt/"  # CPT_IRI_BASE + "63304" is the code 63304 (no rdflib needed)
