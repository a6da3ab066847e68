"""CMS's NCCI edits: import AOC, PTP and MUE files, and compare the add-on edits with the curated graph.

Layouts are read by graph/ncci_files.py (every layout CMS publishes: AOC fixed-width .txt, .xlsx,
CSV; PTP .txt and .xlsx; MUE CSV and .xlsx); imports are kept, quarter by quarter, by
graph/ncci_store.py; graph/ncci_graph.py turns them into triples. An AOC primary "CCCCC" means
the edit names no specific primary (type 2).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from spinekg.graph.errors import SpinekgError
from spinekg.graph.ncci_files import facts_for, parse_aoc, parse_mue, parse_ptp
from spinekg.graph.ncci_layouts import check_quarter
from spinekg.graph.ncci_store import Import, add_import, applicable, digest, load_imports, remove



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


def _new_import(kind: str, paths: list[Path], rows: list, read: int, facts: dict, today) -> Import:
    return Import(kind, facts.get("setting"), facts.get("quarter"), facts.get("version"), [p.name for p in paths],
                  digest(paths), (today or dt.date.today()).isoformat(), read, rows)


def _facts(paths: list[Path], quarter: str | None, setting: str | None, kind: str) -> dict:
    facts = facts_for(paths)
    if quarter:
        facts["quarter"] = check_quarter(quarter)
    if setting:
        facts["setting"] = setting
    if kind != "aoc" and facts["setting"] is None:
        raise SpinekgError(f"{paths[0].name}: the file name does not say practitioner or hospital; give --setting")
    if kind == "mue" and facts["quarter"] is None:
        raise SpinekgError(f"{paths[0].name}: the file name does not say its quarter; give --quarter (e.g. 2026Q1)")
    return facts


def import_ncci(path: Path, known_codes, today: dt.date | None = None, quarter: str | None = None) -> tuple[int, int]:
    """CMS's AOC file (fixed-width .txt, .xlsx or CSV): store the edits whose add-on or primary is
    in the graph; return (stored, read)."""
    path = Path(path)
    facts = _facts([path], quarter, None, "aoc")
    rows, read = parse_aoc(path, known_codes.__contains__)
    add_import(_new_import("aoc", [path], rows, read, facts, today))
    return len(rows), read


def import_ptp(paths: list[Path], known_codes, *, quarter=None, setting=None, today=None) -> tuple[Import, int]:
    """CMS's PTP file(s) of one release (the parts f1…f4 together, or one at a time)."""
    paths = [Path(p) for p in paths]
    facts = _facts(paths, quarter, setting, "ptp")
    rows, read = parse_ptp(paths, known_codes.__contains__)
    imp = _new_import("ptp", paths, rows, read, facts, today)
    add_import(imp)
    return imp, read


def import_mue(path: Path, known_codes, *, quarter=None, setting=None, today=None) -> tuple[Import, int]:
    path = Path(path)
    facts = _facts([path], quarter, setting, "mue")
    rows, read = parse_mue(path, known_codes.__contains__)
    imp = _new_import("mue", [path], rows, read, facts, today)
    add_import(imp)
    return imp, read


def remove_ncci(kind: str = "aoc", quarter: str | None = None, everything: bool = False) -> int:
    """Remove imports of one kind (and quarter), or all; return how many were removed."""
    return remove(kind, check_quarter(quarter) if quarter else None, everything)


def load_ncci() -> dict | None:
    """Everything imported, for graph.load: None when nothing is."""
    imports = load_imports()
    return {"imports": imports} if imports else None


def aoc_record(as_of: dt.date) -> dict | None:
    """The AOC edits of the import(s) that apply on `as_of`, with their provenance; None if no AOC file."""
    chosen = applicable(load_imports(strict=True), "aoc", as_of)
    if not chosen:
        return None
    edits = sorted({Edit(*row) for imp in chosen for row in imp.rows})
    return {"edits": edits, "imports": chosen, "source_file": ", ".join(i.source_file for i in chosen),
            "quarter": ", ".join(i.quarter for i in chosen if i.quarter) or None,
            "imported_on": max(i.imported_on for i in chosen)}


def add_to_graph(g, record: dict, *, ntriples: list | None = None) -> None:
    from spinekg.graph.ncci_graph import add_imports

    add_imports(g, record["imports"], ntriples=ntriples)


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
