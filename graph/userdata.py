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


def store_import(target: Path, source: Path, payload: dict, today=None) -> dict:
    """Write an import (payload + provenance: file name, date, SHA-256) atomically; return the record."""
    import datetime as dt
    import json

    from spinekg.exports.atomic import write_atomic

    record = {"source_file": source.name, "imported_on": (today or dt.date.today()).isoformat(),
              "sha256": sha256_file(source), **payload}
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, json.dumps(record, indent=1, ensure_ascii=False) + "\n", force=True)
    return record


def remove_import(target: Path) -> bool:
    if target.exists():
        target.unlink()
        return True
    return False


def read_import(target: Path, key: str, command: str, what: str) -> dict | None:
    """The stored record, or None; a damaged store is a one-line error naming how to clear it."""
    import json

    from spinekg.graph.errors import SpinekgError

    if not target.exists():
        return None
    try:
        record = json.loads(target.read_text(encoding="utf-8"))
        record[key]  # noqa: B018  (shape check)
        return record
    except (ValueError, KeyError, TypeError):
        raise SpinekgError(f"{target}: the stored {what} are damaged; run `spinekg import {command} --remove`") from None


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

    from spinekg.ontology.namespaces import SK

    node = URIRef(f"urn:spinekg:import:{kind}:{record['sha256']}")
    g.add((node, RDF.type, SK.UserImport))
    g.add((node, SK.sourceFile, Literal(record["source_file"])))
    g.add((node, SK.importedOn, Literal(record["imported_on"], datatype=XSD.date)))
    g.add((node, SK.sha256, Literal(record["sha256"])))
    return node
