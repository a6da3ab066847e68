"""`check claims FILE`: stream a claims file (CSV, TSV or .xlsx) through the claim rules.

One row per claim line with the columns claim_id, date_of_service, code, units, modifiers (other
names by option; units default to 1 and modifiers to none when the file has no such column).
The lines of one claim sit together, as claim exports write them; the rules run once per claim
and date of service. Memory stays flat: one claim is held at a time, the findings are written
as they come (to a temporary file renamed at the end, so a bad row leaves no output behind).
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from spinekg.graph.claims import Line, checker, parse_modifiers
from spinekg.graph.errors import SpinekgError

COLUMNS = {  # key -> (default name, required)
    "claim_id": ("claim_id", True),
    "date": ("date_of_service", True),
    "code": ("code", True),
    "units": ("units", False),
    "modifiers": ("modifiers", False),
}
FIELDS = ("claim_id", "date_of_service", "severity", "rule", "codes", "lines", "message", "source", "hint")


@dataclass
class Summary:
    lines: int = 0
    claims: int = 0
    by_rule: Counter = field(default_factory=Counter)  # (rule, severity) -> findings

    @property
    def errors(self) -> int:
        return sum(n for (_, sev), n in self.by_rule.items() if sev == "error")

    def text(self) -> list[str]:
        sev = Counter()
        for (_, s), n in self.by_rule.items():
            sev[s] += n
        out = [f"checked {self.lines} lines in {self.claims} claims: {sev['error']} errors, "
               f"{sev['warning']} warnings, {sev['info']} notes"]
        for (rule, s), n in sorted(self.by_rule.items(), key=lambda kv: (-kv[1], kv[0])):
            out.append(f"  {rule:<24} {s:<8} {n}")
        return out


def _norm(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from spinekg.graph.ncci_layouts import iter_rows

        yield from iter_rows(path)
        return
    if suffix not in (".csv", ".tsv", ".txt", ".tab"):
        raise SpinekgError(f"{path}: unsupported file type {suffix or '(none)'}; use .csv, .tsv or .xlsx")
    try:
        f = open(path, encoding="utf-8-sig", newline="")
    except OSError as e:
        raise SpinekgError(f"{path}: cannot read ({e.strerror})") from None
    with f:
        reader = csv.reader(f, delimiter="," if suffix == ".csv" else "\t", strict=True)
        try:
            for cells in reader:
                if cells and any(cells):
                    yield reader.line_num, cells
        except csv.Error as e:
            raise SpinekgError(f"{path}: line {reader.line_num}: malformed {suffix[1:].upper()}: {e}") from None
        except UnicodeDecodeError:
            raise SpinekgError(f"{path}: after line {reader.line_num}: not UTF-8 text; save the file as UTF-8") from None


def _columns(path: Path, header: list[str], names: dict[str, str | None]) -> dict[str, int]:
    normalised = [_norm(h) for h in header]
    idx = {}
    for key, (default, required) in COLUMNS.items():
        wanted = names.get(key) or default
        if _norm(wanted) in normalised:
            idx[key] = normalised.index(_norm(wanted))
        elif required or names.get(key):
            flag = "--" + {"date": "date", "claim_id": "claim-id"}.get(key, key) + "-column"
            raise SpinekgError(f"{path}: no {wanted!r} column (columns are {', '.join(repr(h) for h in header)}; "
                               f"name it with {flag})")
    return idx


def check_file(path: Path, *, setting: str = "practitioner", names: dict | None = None,
               emit: Callable[[str, str, object], None], progress: Callable[[int], None] | None = None,
               every: int = 20000) -> Summary:
    """Run the rules over every claim in `path`; emit(claim_id, date text, finding) per finding."""
    path = Path(path)
    engine = checker(setting)
    rows = _rows(path)
    try:
        header_line, header = next(rows)
    except StopIteration:
        raise SpinekgError(f"{path}: the file is empty") from None
    idx = _columns(path, [h.strip() for h in header], names or {})
    ic, idate, icode = idx["claim_id"], idx["date"], idx["code"]
    iu, im = idx.get("units"), idx.get("modifiers")
    width = max(idx.values()) + 1
    summary = Summary()
    days: dict[str, dt.date] = {}
    done: set[str] = set()
    current, claim_lines = None, []

    def flush():
        by_day: dict[str, list[Line]] = {}
        for text, ln in claim_lines:
            by_day.setdefault(text, []).append(ln)
        for text, lines in by_day.items():
            for f in engine.check(lines, days[text]):
                summary.by_rule[(f.rule, f.severity)] += 1
                emit(current, text, f)
        summary.claims += 1

    for line, cells in rows:
        if len(cells) < width:
            raise SpinekgError(f"{path}: line {line}: expected at least {width} columns, got {len(cells)}")
        claim = cells[ic].strip()
        if claim != current:
            if current is not None:
                flush()
                done.add(current)
                claim_lines = []
            if claim in done:
                raise SpinekgError(f"{path}: line {line}: claim {claim!r} appears again after other claims; "
                                   "sort the file by claim_id")
            if not claim:
                raise SpinekgError(f"{path}: line {line}: no claim_id")
            current = claim
        text = cells[idate].strip()
        if text not in days:
            try:
                days[text] = dt.date.fromisoformat(text)
            except ValueError:
                raise SpinekgError(f"{path}: line {line}: date of service {text!r} is not a date (YYYY-MM-DD)") from None
        code = cells[icode].strip().upper()
        if len(code) != 5 or not code.isalnum():
            raise SpinekgError(f"{path}: line {line}: code {cells[icode]!r} is not a five-character code")
        units = 1
        if iu is not None:
            u = cells[iu].strip()
            if u:
                if not u.isdigit() or not 1 <= int(u) <= 9999:
                    raise SpinekgError(f"{path}: line {line}: units {u!r} is not a whole number from 1 to 9999")
                units = int(u)
        mods = ()
        if im is not None and cells[im].strip():
            try:
                mods = parse_modifiers(cells[im])
            except SpinekgError as e:
                raise SpinekgError(f"{path}: line {line}: {e}") from None
        claim_lines.append((text, Line(code, units, mods, line)))
        summary.lines += 1
        if progress is not None and summary.lines % every == 0:
            progress(summary.lines)
    if current is not None:
        flush()
    return summary


class FindingsWriter:
    """Findings as CSV or JSON, written to a temporary file beside the target and renamed on close
    (or to stdout when the target is '-')."""

    def __init__(self, target: str, fmt: str, force: bool = False):
        from spinekg.exports.atomic import check_writable

        self.fmt, self.target, self.count = fmt, target, 0
        if target == "-":
            import sys

            self.tmp, self.f = None, sys.stdout
        else:
            path = Path(target)
            check_writable(path, force)
            fd, self.tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            self.f = os.fdopen(fd, "w", encoding="utf-8", newline="")
        if fmt == "csv":
            self.csv = csv.writer(self.f, lineterminator="\n")
            self.csv.writerow(FIELDS)
        else:
            self.f.write("[")

    def write(self, claim_id: str, day: str, f) -> None:
        from spinekg.graph.textsafe import spreadsheet_cell

        values = (claim_id, day, f.severity, f.rule, " ".join(f.codes), " ".join(map(str, f.lines)),
                  f.message, f.source, f.hint)
        if self.fmt == "csv":
            self.csv.writerow([spreadsheet_cell(v) for v in values])
        else:
            self.f.write(("," if self.count else "") + "\n " + json.dumps(dict(zip(FIELDS, values)), ensure_ascii=False))
        self.count += 1

    def close(self, ok: bool) -> None:
        if self.fmt == "json" and ok:
            self.f.write("\n]\n")
        if self.tmp is None:
            self.f.flush()
            return
        self.f.close()
        if ok:
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(self.tmp, 0o666 & ~mask)
            os.replace(self.tmp, self.target)
        else:
            Path(self.tmp).unlink(missing_ok=True)
