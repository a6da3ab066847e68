"""The user's imported NCCI files (AOC, PTP, MUE), several quarters side by side, in one JSON file.

Kept in graph.userdata.ncci_path() so the caches that key on the user's imports see every change.
Each import records its files, their SHA-256, the quarter/version and setting, the import date,
and the rows that touch codes in the graph. An import replaces an earlier one only when it has the
same kind, setting, quarter and file names.

Which import applies on a date: those whose quarter holds the date; else the newest earlier
quarter (CMS's files carry their rows' own dates, and an MUE value stands until a newer file
changes it); else the earliest; files of no known quarter count only when nothing dated applies.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from spinekg.graph.errors import SpinekgError
from spinekg.graph.ncci_layouts import quarter_end, quarter_start
from spinekg.graph.userdata import ncci_path, sha256_file

KINDS = ("aoc", "ptp", "mue")
COMMANDS = {"aoc": "ncci-addon", "ptp": "ncci-ptp", "mue": "ncci-mue"}


@dataclass
class Import:
    kind: str
    setting: str | None
    quarter: str | None
    version: str | None
    source_files: list[str]
    sha256: str
    imported_on: str
    rows_read: int
    rows: list = field(repr=False)

    @property
    def source_file(self) -> str:
        return " + ".join(self.source_files)

    def covers(self, day: dt.date) -> bool:
        return self.quarter is not None and quarter_start(self.quarter) <= day < quarter_end(self.quarter)

    def describe(self) -> str:
        q = f" {self.quarter}" if self.quarter else ""
        v = f" v{self.version}" if self.version else ""
        return f"CMS {self.kind.upper()} file {self.source_file}{q}{v}"

    def to_json(self) -> dict:
        return {"kind": self.kind, "setting": self.setting, "quarter": self.quarter, "version": self.version,
                "source_files": self.source_files, "source_file": self.source_file, "sha256": self.sha256,
                "imported_on": self.imported_on, "rows_read": self.rows_read, "rows": [_row_out(r) for r in self.rows]}

    @classmethod
    def from_json(cls, d: dict) -> "Import":
        return cls(d["kind"], d.get("setting"), d.get("quarter"), d.get("version"), list(d["source_files"]),
                   d["sha256"], d["imported_on"], int(d.get("rows_read", 0)), [_row_in(d["kind"], r) for r in d["rows"]])

    def record(self) -> dict:
        """The provenance fields graph.userdata.add_import_node reads."""
        return {"source_file": self.source_file, "imported_on": self.imported_on, "sha256": self.sha256}


def _row_out(row) -> list:
    return [v.isoformat() if isinstance(v, dt.date) else v for v in row]


def _row_in(kind: str, r: list) -> tuple:
    d = dt.date.fromisoformat
    if kind == "aoc":
        return (r[0], r[1], int(r[2]), d(r[3]), d(r[4]) if r[4] else None)
    if kind == "ptp":
        return (r[0], r[1], d(r[2]), d(r[3]) if r[3] else None, int(r[4]), r[5], bool(r[6]))
    return (r[0], int(r[1]), int(r[2]), r[3])


def digest(paths: list[Path]) -> str:
    from spinekg.graph.userfiles import NCCI_MAX_BYTES

    if len(paths) == 1:
        return sha256_file(paths[0], NCCI_MAX_BYTES)
    h = hashlib.sha256()
    for p in paths:
        h.update(sha256_file(p, NCCI_MAX_BYTES).encode())
    return h.hexdigest()


def load_imports(*, strict: bool = False) -> list[Import]:
    """Every stored NCCI import. A damaged store is one line naming how to clear it: a warning
    (and no imports) by default, so every other command still works; an error with strict=True."""
    from spinekg.graph.userdata import STORE_MAX_BYTES, damaged
    from spinekg.graph.userfiles import read_user_file

    path = ncci_path()
    if not os.path.lexists(path):
        return []

    def broken(reason: str) -> list[Import]:
        damaged(path, "ncci-addon", "NCCI imports", reason, strict=strict)
        return []

    try:
        data = json.loads(read_user_file(path, STORE_MAX_BYTES))
    except SpinekgError as e:
        return broken(str(e).removeprefix(f"{path}").lstrip(": ") or "unreadable")
    except ValueError:  # bad UTF-8 or bad JSON (truncated, empty, garbage)
        return broken("not valid JSON")
    try:
        if "imports" not in data and "edits" in data:  # the one-AOC-file store of earlier versions
            rows = [[e["addon"], e["primary"], e["type"], e["effective"], e["deleted"]] for e in data["edits"]]
            data = {"imports": [{"kind": "aoc", "source_files": [data["source_file"]], "sha256": data["sha256"],
                                 "imported_on": data["imported_on"], "rows_read": len(rows), "rows": rows}]}
        return [Import.from_json(d) for d in data["imports"]]
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        return broken("missing or wrong-typed fields")


def save_imports(imports: list[Import]) -> None:
    from spinekg.graph.atomicfile import write_file_atomic

    path = ncci_path()
    if not imports:
        from spinekg.graph.userdata import remove_import

        remove_import(path)
        return
    imports = sorted(imports, key=lambda i: (i.kind, i.setting or "", i.quarter or "", i.source_file))
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"format": 2, "imports": [i.to_json() for i in imports]}, ensure_ascii=False, separators=(",", ":"))
    write_file_atomic(path, (text + "\n").encode("utf-8"), force=True)


def add_import(new: Import) -> list[Import]:
    """Store `new`, replacing an import of the same kind, setting, quarter and files; return all."""
    same = (new.kind, new.setting, new.quarter, new.source_files)
    imports = [i for i in load_imports(strict=True) if (i.kind, i.setting, i.quarter, i.source_files) != same]
    imports.append(new)
    save_imports(imports)
    return imports


def remove(kind: str, quarter: str | None = None, everything: bool = False) -> int:
    try:
        imports = load_imports(strict=True)
    except SpinekgError:  # a damaged store: removing it is its cure
        from spinekg.graph.userdata import remove_import

        remove_import(ncci_path())
        return 1
    left = [i for i in imports if not (everything or (i.kind == kind and (quarter is None or i.quarter == quarter)))]
    save_imports(left)
    return len(imports) - len(left)


def applicable(imports: list[Import], kind: str, day: dt.date, setting: str | None = None) -> list[Import]:
    """The imports of `kind` (and setting, when the kind has one) that apply on `day`."""
    mine = [i for i in imports if i.kind == kind and (setting is None or i.setting in (None, setting))]
    dated = [i for i in mine if i.quarter]
    covering = [i for i in dated if i.covers(day)]
    if covering:
        return covering
    undated = [i for i in mine if not i.quarter]
    if undated:
        return undated
    if not dated:
        return []
    earlier = [i.quarter for i in dated if quarter_start(i.quarter) <= day]
    pick = max(earlier) if earlier else min(i.quarter for i in dated)
    return [i for i in dated if i.quarter == pick]
