"""The user's own licensed CPT descriptors: import, validate, store, remove, and add to the graph.

The file is read, every row checked, and only then stored (atomically) in the user's data
directory as JSON with its provenance: file name, import date, SHA-256. Nothing is half-imported.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from spinekg.graph.errors import SpinekgError
from spinekg.graph.tabular import find_column, read_table, reject_malformed
from spinekg.graph.userdata import damaged, descriptors_path, read_import, remove_import, store_import

CODE_ALIASES = ("code", "cpt code", "cpt_code", "cpt", "hcpcs", "hcpcs code", "procedure code")
TEXT_ALIASES = ("descriptor", "long descriptor", "long_descriptor", "long description", "description",
                "official descriptor", "medium descriptor", "short descriptor")
CODE_RE = re.compile(r"^[0-9]{4}[0-9A-Z]$")


@dataclass(frozen=True)
class ImportReport:
    stored: int
    unknown: list[str]
    path: Path
    sha256: str


def parse_descriptor_file(path: Path, known_codes, code_column: str | None = None,
                          text_column: str | None = None) -> tuple[dict[str, str], list[str]]:
    """({code: descriptor} for known codes, [unknown codes]); raises on any malformed row."""
    header, rows = read_table(path)
    ci = find_column(path, header, code_column, CODE_ALIASES, "code")
    ti = find_column(path, header, text_column, TEXT_ALIASES, "descriptor")
    problems: list[str] = []
    found: dict[str, str] = {}
    unknown: list[str] = []
    for line, cells in rows:
        if len(cells) <= max(ci, ti):
            problems.append(f"line {line}: expected at least {max(ci, ti) + 1} columns, got {len(cells)}")
            continue
        code, text = cells[ci].upper(), " ".join(cells[ti].split())
        if not CODE_RE.match(code):
            problems.append(f"line {line}: {cells[ci]!r} is not a five-character code")
        elif not text:
            problems.append(f"line {line}: code {code} has an empty descriptor")
        elif code in found and found[code] != text:
            problems.append(f"line {line}: code {code} appears again with a different descriptor")
        elif code in known_codes:
            found[code] = text
        else:
            unknown.append(code)
    reject_malformed(path, problems)
    return found, sorted(set(unknown))


def import_descriptors(path: Path, known_codes, *, code_column: str | None = None,
                       text_column: str | None = None, today: dt.date | None = None) -> ImportReport:
    path = Path(path)
    found, unknown = parse_descriptor_file(path, known_codes, code_column, text_column)
    if not found:
        raise SpinekgError(f"{path}: no row names a code in the graph; nothing imported")
    target = descriptors_path()
    record = store_import(target, path, {"descriptors": dict(sorted(found.items()))}, today)
    return ImportReport(stored=len(found), unknown=unknown, path=target, sha256=record["sha256"])


def remove_descriptors() -> bool:
    return remove_import(descriptors_path())


def load_descriptors(*, strict: bool = False) -> dict | None:
    """The stored import (with provenance), or None. A damaged store is one line (see read_import)."""
    target = descriptors_path()
    record = read_import(target, "descriptors", "descriptors", "descriptors", strict=strict)
    if record is None:
        return None
    table = record["descriptors"]
    if not isinstance(table, dict) or not all(
            isinstance(c, str) and CODE_RE.match(c) and isinstance(t, str) and t for c, t in table.items()):
        return damaged(target, "descriptors", "descriptors", "entries are not code: text pairs", strict=strict)
    return record


def add_to_graph(g, record: dict) -> None:
    """sk:officialDescriptor on each code, linked to one sk:UserImport node with the provenance."""
    from rdflib import Literal

    from spinekg.graph.userdata import add_import_node
    from spinekg.ontology.namespaces import CPT, SK

    node = add_import_node(g, "descriptors", record)
    for code, text in record["descriptors"].items():
        g.add((CPT[code], SK.officialDescriptor, Literal(text, lang="en")))
        g.add((CPT[code], SK.descriptorImport, node))
