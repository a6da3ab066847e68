"""Where the user's own imported files live (never in the repository or the package).

$SPINEKG_HOME if set, else $XDG_DATA_HOME/spinekg, else ~/.local/share/spinekg.
Nothing is created until an import writes there.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path


def data_dir() -> Path:
    env = os.environ.get("SPINEKG_HOME")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "spinekg"


def descriptors_path() -> Path:
    return data_dir() / "descriptors.json"


def ncci_path() -> Path:
    return data_dir() / "ncci-addons.json"


def user_files() -> list[Path]:
    """The imported files that exist now (they change what the graph holds)."""
    return [p for p in (descriptors_path(), ncci_path()) if p.exists()]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def add_import_node(g, kind: str, record: dict):
    """The sk:UserImport node recording where imported data came from (file name, date, SHA-256)."""
    from rdflib import RDF, Literal, URIRef
    from rdflib.namespace import XSD

    from ontology.namespaces import SK

    node = URIRef(f"urn:spinekg:import:{kind}:{record['sha256']}")
    g.add((node, RDF.type, SK.UserImport))
    g.add((node, SK.sourceFile, Literal(record["source_file"])))
    g.add((node, SK.importedOn, Literal(record["imported_on"], datatype=XSD.date)))
    g.add((node, SK.sha256, Literal(record["sha256"])))
    return node
