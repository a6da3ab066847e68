"""`check claims FILE`: stream a claims file (CSV, TSV or .xlsx) through the claim rules.

One row per claim line with the columns claim_id, date_of_service, code, units, modifiers (other
names by option; units default to 1 and modifiers to none when the file has no such column).
The lines of one claim sit together, as claim exports write them; the rules run once per claim
and date of service. Memory stays flat: one claim is held at a time, the findings are written
as they come (to a temporary file renamed at the end, so a bad row leaves no output behind).
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from types import SimpleNamespace

from spinekg.graph.claims import Line, checker, parse_modifiers
from spinekg.graph.errors import SpinekgError
from spinekg.graph.textsafe import spreadsheet_cell

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
    from spinekg.graph.ncci_layouts import iter_rows

    # UTF-8 named, not detected: detecting costs a second pass over a million-line file
    return iter_rows(path, encoding="utf-8-sig", strip=False, formats=(".csv", ".tsv", ".txt", ".tab"))


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


def read_header(path: Path, names: dict | None) -> tuple[int, dict[str, int]]:
    """(line number of the heading, {column key: index})."""
    rows = _rows(path)
    try:
        header_line, header = next(rows)
    except StopIteration:
        raise SpinekgError(f"{path}: the file is empty") from None
    finally:
        rows.close()
    return header_line, _columns(path, [h.strip() for h in header], names or {})


def check_file(path: Path, *, setting: str = "practitioner", names: dict | None = None,
               emit: Callable[[str, str, object], None], progress: Callable[[int], None] | None = None,
               every: int = 20000) -> Summary:
    """Run the rules over every claim in `path`; emit(claim_id, date text, finding) per finding."""
    path = Path(path)
    engine = checker(setting)
    _, idx = read_header(path, names)
    rows = _rows(path)
    next(rows)
    summary, _ = check_rows(path, rows, idx, engine, emit, progress, every)
    return summary


def check_rows(path, rows, idx, engine, emit, progress=None, every=20000) -> tuple[Summary, set[str]]:
    """The rules over (line number, cells) rows; returns the summary and the claim ids seen."""
    ic, idate, icode = idx["claim_id"], idx["date"], idx["code"]
    iu, im = idx.get("units"), idx.get("modifiers")
    width = max(idx.values()) + 1
    summary = Summary()
    # a file repeats a few dates and (code, units, modifiers) cells: each distinct one is checked once
    days: dict[str, tuple[str, dt.date]] = {}  # date cell -> (stripped text, date)
    items: dict[tuple, tuple] = {}  # (code, units, modifiers cells) -> (code, units, modifiers)
    done: set[str] = set()
    current, claim_lines, claim_days, day_text, mixed = None, [], [], None, False
    new_line = tuple.__new__
    if iu is not None and im is not None:
        cells_of = itemgetter(icode, iu, im)  # the item's cells as one tuple, in C
    else:
        def cells_of(cells):
            return cells[icode], cells[iu] if iu is not None else "", cells[im] if im is not None else ""

    def flush():
        if not mixed:  # the usual claim: one date of service
            groups = ((day_text, claim_lines),)
        else:
            by_day: dict[str, list[Line]] = {}
            for t, ln in zip(claim_days, claim_lines):
                by_day.setdefault(t, []).append(ln)
            groups = by_day.items()
        for t, lines in groups:
            for f in check(lines, days_of[t]):
                counts[(f.rule, f.severity)] += 1
                emit(current, t, f)

    check, counts = engine.check, summary.by_rule
    days_of: dict[str, dt.date] = {}
    n = claims = 0
    for line, cells in rows:
        if len(cells) < width:
            raise SpinekgError(f"{path}: line {line}: expected at least {width} columns, got {len(cells)}")
        claim = cells[ic].strip()
        if claim != current:
            if current is not None:
                flush()
                claims += 1
                done.add(current)
                claim_lines, claim_days = [], []
            if claim in done:
                raise SpinekgError(f"{path}: line {line}: claim {claim!r} appears again after other claims; "
                                   "sort the file by claim_id")
            if not claim:
                raise SpinekgError(f"{path}: line {line}: no claim_id")
            current, day_text, mixed = claim, None, False
        got = days.get(cells[idate])
        if got is None:
            got = days[cells[idate]] = _day(path, line, cells[idate])
            days_of[got[0]] = got[1]
        text = got[0]
        if day_text is None:
            day_text = text
        elif text != day_text:
            mixed = True
        key = cells_of(cells)
        item = items.get(key)
        if item is None:
            if len(items) >= 100000:
                items.clear()
            item = items[key] = _item(path, line, *key)
        claim_lines.append(new_line(Line, (*item, line)))
        claim_days.append(text)
        n += 1
        if progress is not None and n % every == 0:
            progress(n)
    if current is not None:
        flush()
        claims += 1
        done.add(current)
    summary.lines, summary.claims = n, claims
    return summary, done


def _day(path, line: int, cell: str) -> tuple[str, dt.date]:
    text = cell.strip()
    try:
        return text, dt.date.fromisoformat(text)
    except ValueError:
        raise SpinekgError(f"{path}: line {line}: date of service {text!r} is not a date (YYYY-MM-DD)") from None


def _item(path, line: int, code_cell: str, units_cell: str, mods_cell: str) -> tuple[str, int, tuple[str, ...]]:
    """(code, units, modifiers) of one line's cells, or a one-line error naming the line."""
    code = code_cell.strip().upper()
    if len(code) != 5 or not code.isalnum() or not code.isascii():
        raise SpinekgError(f"{path}: line {line}: code {code_cell!r} is not a five-character code")
    units = 1
    u = units_cell.strip()
    if u and u != "1":
        if not u.isdigit() or not u.isascii() or not 1 <= int(u) <= 9999:
            raise SpinekgError(f"{path}: line {line}: units {u!r} is not a whole number from 1 to 9999")
        units = int(u)
    mods = ()
    if mods_cell:
        try:
            mods = parse_modifiers(mods_cell)
        except SpinekgError as e:
            raise SpinekgError(f"{path}: line {line}: {e}") from None
    return code, units, mods


class FindingsWriter:
    """Findings as CSV or JSON, written to a temporary file beside the target and renamed on close
    (or to stdout when the target is '-')."""

    def __init__(self, target: str, fmt: str, force: bool = False, part: bool = False):
        self.fmt, self.target, self.count, self.part = fmt, target, 0, part
        if part:  # one worker's share: no heading or brackets, every JSON item after a comma
            self.tmp, self.f = None, open(target, "w", encoding="utf-8", newline="")
        elif target == "-":
            import sys

            self.tmp, self.f = None, sys.stdout
        else:
            from spinekg.graph.atomicfile import check_writable, sweep, temp_name

            path = Path(target)
            check_writable(path, force)
            # streamed (a million findings never sit in memory), so a named temporary in the
            # pattern graph.atomicfile sweeps: one a SIGKILL leaves is removed by the next run
            sweep(path.parent)
            self.tmp = str(path.parent / temp_name(path.name))
            fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o644)
            self.f = os.fdopen(fd, "w", encoding="utf-8", newline="")
        self._buf: list[str] = []  # CSV rows not yet written
        self._claim, self._claim_text, self._texts = None, "", {}
        self._rendered: list[str] = []
        self._row = csv.writer(SimpleNamespace(write=self._rendered.append), lineterminator="\n")
        if fmt == "csv":
            if not part:
                csv.writer(self.f, lineterminator="\n").writerow(FIELDS)
        elif not part:
            self.f.write("[")

    def write(self, claim_id: str, day: str, f) -> None:
        if self.fmt == "csv":
            self._write_csv(claim_id, day, f)
            return
        values = (claim_id, day, f.severity, f.rule, " ".join(f.codes), " ".join(map(str, f.lines)),
                  f.message, f.source, f.hint)
        self.f.write(("," if self.count or self.part else "") + "\n " + json.dumps(dict(zip(FIELDS, values)), ensure_ascii=False))
        self.count += 1

    def _write_csv(self, claim_id: str, day: str, f) -> None:
        """One CSV row, from pieces the csv module rendered once: a claim's findings share its id and
        date, and a file's findings repeat a few thousand texts (CSV quotes each field on its own, so
        the joined pieces are the row csv.writer would write — a test compares them)."""
        if (claim_id, day) != self._claim:
            self._claim = (claim_id, day)
            # letters and digits are never quoted nor read as a formula; ISO dates have digits and '-'
            self._claim_text = (f"{claim_id},{day}" if claim_id.isalnum() and day.replace("-", "").isalnum()
                                else self._render((spreadsheet_cell(claim_id), day)))
        key = f[:6]  # severity, rule, codes, message, source, hint: all but the line numbers
        texts = self._texts.get(key)
        if texts is None:
            if len(self._texts) >= 50000:
                self._texts.clear()
            texts = self._texts[key] = (
                self._render((f.severity, f.rule, " ".join(f.codes))),
                self._render((spreadsheet_cell(f.message), spreadsheet_cell(f.source), spreadsheet_cell(f.hint))))
        lines = " ".join(map(str, f.lines))  # digits and spaces: never quoted
        self._buf.append(f"{self._claim_text},{texts[0]},{lines},{texts[1]}\n")
        self.count += 1
        if len(self._buf) >= 4096:
            self._flush()

    def _render(self, values) -> str:
        self._row.writerow(values)
        return self._rendered.pop()[:-1]  # without the line terminator

    def _flush(self) -> None:
        if self._buf:
            self.f.write("".join(self._buf))
            self._buf.clear()

    def append_part(self, part: Path) -> None:
        """Copy a worker's share in (dropping the comma before the very first JSON item)."""
        self._flush()
        binary = getattr(self.f, "buffer", None)
        if self.fmt == "csv" and binary is not None and codecs.lookup(self.f.encoding).name == "utf-8":
            self.f.flush()  # the part is UTF-8 already: its bytes go in as they are
            with open(part, "rb") as f:
                shutil.copyfileobj(f, binary, 1 << 20)
            return
        with open(part, encoding="utf-8", newline="") as f:
            if self.fmt == "json" and not self.count:
                first = f.read(1)
                if first and first != ",":
                    self.f.write(first)
                self.count += bool(first)
            shutil.copyfileobj(f, self.f, 1 << 20)

    def close(self, ok: bool) -> None:
        if ok:
            self._flush()
        if self.part:
            self.f.close()
            return
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
