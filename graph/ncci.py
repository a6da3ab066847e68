"""CMS's NCCI add-on code edits: import the file, keep dated typed edges, compare with the curated graph.

The file is CMS's spreadsheet (.xlsx) or its CSV/TSV export, one edit per row with the columns
Primary Code, Add-On Code, AOC Edit Type, Primary Code Del Dt, AOC Del Dt, AOC Edit Eff Dt,
AOC Edit Del Dt, Special Instruction Notes (header names are matched loosely). Primary code
"CCCCC" means the edit names no specific primary (type 2).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from spinekg.graph.errors import SpinekgError
from spinekg.graph.tabular import find_column, read_table, reject_malformed
from spinekg.graph.userdata import ncci_path, read_import, remove_import, store_import

COLUMNS = {  # key -> (aliases, required)
    "primary": (("Primary Code", "primary", "primary_code"), True),
    "addon": (("Add-On Code", "Add-on Code", "AOC", "add_on_code", "addon"), True),
    "type": (("AOC Edit Type", "Edit Type", "aoc_edit_type", "type"), True),
    "effective": (("AOC Edit Eff Dt", "AOC Edit Effective Date", "Edit Effective Date", "aoc_edit_eff_dt"), True),
    "deleted": (("AOC Edit Del Dt", "AOC Edit Deletion Date", "Edit Deletion Date", "aoc_edit_del_dt"), False),
    "addon_deleted": (("AOC Del Dt", "Add-On Code Deletion Date", "aoc_del_dt"), False),
    "primary_deleted": (("Primary Code Del Dt", "Primary Code Deletion Date", "primary_code_del_dt"), False),
}
NO_PRIMARY = "CCCCC"
CODE_RE = re.compile(r"^[0-9A-Z]{5}$")


def parse_date(text: str) -> dt.date | None:
    """CMS writes YYYYMMDD; also accept ISO and MM/DD/YYYY. '*' or empty means none."""
    text = text.strip()
    if text in ("", "*"):
        return None
    for fmt in ("%Y%m%d", "%Y-%m-%d", "%m/%d/%Y", "%Y%m%d%H%M%S"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


@dataclass(frozen=True, order=True)
class Edit:
    addon: str
    primary: str | None
    type: int
    effective: dt.date
    deleted: dt.date | None = None

    def active_on(self, day: dt.date) -> bool:
        return self.effective <= day and (self.deleted is None or day < self.deleted)

    def to_json(self) -> dict:
        return {"addon": self.addon, "primary": self.primary, "type": self.type,
                "effective": self.effective.isoformat(),
                "deleted": self.deleted.isoformat() if self.deleted else None}

    @classmethod
    def from_json(cls, d: dict) -> "Edit":
        return cls(d["addon"], d["primary"], int(d["type"]), dt.date.fromisoformat(d["effective"]),
                   dt.date.fromisoformat(d["deleted"]) if d["deleted"] else None)


def parse_ncci_file(path: Path) -> list[Edit]:
    header, rows = read_table(path)
    idx = {}
    for key, (aliases, required) in COLUMNS.items():
        try:
            idx[key] = find_column(path, header, None, aliases, key.replace("_", " "))
        except SpinekgError:
            if required:
                raise
    problems, edits = [], []
    for line, cells in rows:
        def cell(key):
            i = idx.get(key)
            return cells[i] if i is not None and i < len(cells) else ""
        if len(cells) < len(header):
            problems.append(f"line {line}: expected {len(header)} columns, got {len(cells)}")
            continue
        addon, primary, etype = cell("addon").upper(), cell("primary").upper(), cell("type")
        if not CODE_RE.match(addon):
            problems.append(f"line {line}: add-on code {addon!r} is not a five-character code")
            continue
        if not CODE_RE.match(primary):
            problems.append(f"line {line}: primary code {primary!r} is not a five-character code")
            continue
        if etype not in ("1", "2", "3"):
            problems.append(f"line {line}: edit type {etype!r} is not 1, 2 or 3")
            continue
        try:
            effective = parse_date(cell("effective"))
            deleted = parse_date(cell("deleted"))
        except ValueError as e:
            problems.append(f"line {line}: {str(e)!r} is not a date")
            continue
        if effective is None:
            problems.append(f"line {line}: no edit effective date")
            continue
        if deleted is not None and deleted < effective:
            problems.append(f"line {line}: deletion date is before the effective date")
            continue
        edits.append(Edit(addon, None if primary == NO_PRIMARY else primary, int(etype), effective, deleted))
    reject_malformed(path, problems)
    if not edits:
        raise SpinekgError(f"{path}: no edits found; nothing imported")
    return sorted(set(edits))


def import_ncci(path: Path, known_codes, today: dt.date | None = None) -> tuple[int, int]:
    """Store the edits whose add-on or primary is in the graph; return (stored, read)."""
    path = Path(path)
    edits = parse_ncci_file(path)
    kept = [e for e in edits if e.addon in known_codes or (e.primary in known_codes)]
    store_import(ncci_path(), path, {"edits": [e.to_json() for e in kept]}, today)
    return len(kept), len(edits)


def remove_ncci() -> bool:
    return remove_import(ncci_path())


def load_ncci() -> dict | None:
    record = read_import(ncci_path(), "edits", "ncci-addon", "NCCI edits")
    if record is None:
        return None
    try:
        record["edits"] = [Edit.from_json(d) for d in record["edits"]]
    except (ValueError, KeyError, TypeError):
        raise SpinekgError(f"{ncci_path()}: the stored NCCI edits are damaged; run `spinekg import ncci-addon --remove`") from None
    return record


def add_to_graph(g, record: dict) -> None:
    from rdflib import RDF, Literal, URIRef
    from rdflib.namespace import XSD

    from spinekg.graph.userdata import add_import_node
    from spinekg.ontology.namespaces import CPT, SK

    imp = add_import_node(g, "ncci", record)
    for e in record["edits"]:
        node = URIRef(f"urn:spinekg:ncci:{e.addon}:{e.primary or 'none'}:{e.effective.isoformat()}")
        g.add((node, RDF.type, SK.NcciAddOnEdit))
        g.add((node, SK.editAddOn, CPT[e.addon]))
        if e.primary:
            g.add((node, SK.editPrimary, CPT[e.primary]))
        g.add((node, SK.editType, Literal(e.type)))
        g.add((node, SK.effectiveDate, Literal(e.effective.isoformat(), datatype=XSD.date)))
        if e.deleted:
            g.add((node, SK.deletionDate, Literal(e.deleted.isoformat(), datatype=XSD.date)))
        g.add((node, SK.editImport, imp))


@dataclass(frozen=True)
class AddOnDiff:
    as_of: dt.date
    only_curated: list[tuple[str, str]]
    only_cms: list[tuple[str, str]]
    no_specific_primary: list[str]  # add-ons CMS lists as type 2 (no primaries to compare)
    not_in_cms: list[str]  # curated add-ons the CMS file does not list at all

    def to_json(self) -> dict:
        return {"as_of": self.as_of.isoformat(),
                "only_in_spinekg": [{"addon": a, "primary": p} for a, p in self.only_curated],
                "only_in_cms": [{"addon": a, "primary": p} for a, p in self.only_cms],
                "cms_no_specific_primary": self.no_specific_primary,
                "addons_not_in_cms_file": self.not_in_cms}


def compare(catalog, record: dict, as_of: dt.date) -> AddOnDiff:
    """Curated add-on → primary pairs vs the CMS edits active on `as_of`, for add-ons in the graph.

    Pairs are compared only for add-ons CMS lists with specific primaries; add-ons the file does
    not list, or lists with no specific primary (type 2), are reported separately.
    """
    addons = {c for c, r in catalog.codes.items() if r.kind == "add-on"}
    active = [e for e in record["edits"] if e.addon in addons and e.active_on(as_of)]
    cms = {(e.addon, e.primary) for e in active if e.primary}
    listed = {a for a, _ in cms}
    curated = {(a, p) for a in listed for p in catalog[a].add_on_to}
    no_primary = sorted({e.addon for e in active if e.primary is None} - listed)
    not_in_cms = sorted(addons - listed - set(no_primary))
    return AddOnDiff(as_of, sorted(curated - cms), sorted(cms - curated), no_primary, not_in_cms)
