"""CMS's NCCI file layouts, read as streams of rows with their line numbers.

Layouts (from CMS's NCCI pages and the files' own headings):
- AOC (add-on code edits): since 2022 a fixed-width .txt, one edit per line — edit type (1),
  add-on code (5), add-on deletion date (7), primary code (5, "CCCCC" = none named), primary
  deletion date (7), edit effective date (7), edit deletion date (7), special instruction notes
  (rest); dates are Julian YYYYDDD, blank when none. Since 2023 also an .xlsx with those columns
  (AOC_Edit_Type … Special_Instruction_Notes) under a copyright row; older CSV exports use
  YYYYMMDD dates and '*' for none.
- PTP (procedure-to-procedure edits, practitioner `ccipra-…` and hospital `ccioph-…`): tab-
  delimited .txt or .xlsx; copyright lines, a heading row "Column 1, Column 2, *=in existence
  prior to 1996, Effective Date, Deletion Date, Modifier, PTP Edit Rationale" whose explanations
  (*=no data, 0=not allowed, 1=allowed, 9=not applicable) may continue on the next rows; dates
  YYYYMMDD, '*' for no deletion date.
- MUE (medically unlikely edits, practitioner / outpatient hospital): CSV or .xlsx; copyright
  lines, then "HCPCS/CPT Code, <Setting> Services MUE Values, MUE Adjudication Indicator, MUE
  Rationale"; the indicator cell reads e.g. "3 Date of Service Edit: Clinical".
File names carry the quarter: AOC_V2026Q1-MCR.txt, ccipra-v321r0-f1.txt (version 32.1 = 2026 Q2,
the version's whole number being the year less 1994), MCR_MUE_PractitionerServices_Eff_04-01-2026.csv.
"""
from __future__ import annotations

import csv
import functools
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

from spinekg.graph.errors import SpinekgError

Row = tuple[int, list[str]]  # (line number in the file, cells)


def norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


# ------------------------------------------------------------------ dates

@functools.lru_cache(maxsize=1 << 16)
def parse_date(text: str) -> dt.date | None:
    """CMS dates: YYYYMMDD (PTP, old AOC), Julian YYYYDDD (AOC since 2022); also ISO and
    MM/DD/YYYY. Empty or '*' means none; anything else raises ValueError."""
    text = text.strip()
    if text in ("", "*"):
        return None
    if text.isdigit():
        if len(text) == 8:
            return dt.datetime.strptime(text, "%Y%m%d").date()
        if len(text) == 7:  # a 7-digit date is Julian: strptime's %Y%m%d would misread it
            return dt.datetime.strptime(text, "%Y%j").date()
        if len(text) == 14:  # YYYYMMDDhhmmss from spreadsheet datetimes
            return dt.datetime.strptime(text[:8], "%Y%m%d").date()
        raise ValueError(text)
    for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def quarter_start(quarter: str) -> dt.date:
    year, q = int(quarter[:4]), int(quarter[5])
    return dt.date(year, 3 * (q - 1) + 1, 1)


def quarter_end(quarter: str) -> dt.date:
    """The first day after the quarter."""
    year, q = int(quarter[:4]), int(quarter[5])
    return dt.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)


def quarter_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


CODE_RE = re.compile(r"^[0-9A-Z]{5}$")  # a CPT/HCPCS code as CMS's files give it
QUARTER_RE = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.I)


def check_quarter(text: str) -> str:
    m = QUARTER_RE.match(text.strip())
    if not m:
        raise SpinekgError(f"--quarter {text!r} is not a quarter (e.g. 2026Q1)")
    return f"{m.group(1)}Q{m.group(2)}"


def file_facts(path: Path) -> dict:
    """What CMS's file name says: quarter, setting, NCCI version (each None when it says nothing)."""
    name = path.name
    facts: dict = {"quarter": None, "setting": None, "version": None}
    m = re.search(r"AOC_V(\d{4})Q([1-4])", name, re.I)
    if m:
        facts["quarter"] = f"{m.group(1)}Q{m.group(2)}"
    m = re.search(r"cci(pra|oph)-v(\d{2})(\d)r(\d+)", name, re.I)
    if m:
        facts["setting"] = "practitioner" if m.group(1).lower() == "pra" else "hospital"
        facts["version"] = f"{int(m.group(2))}.{m.group(3)}r{int(m.group(4))}"
        facts["quarter"] = f"{1994 + int(m.group(2))}Q{int(m.group(3)) + 1}"
    m = re.search(r"(Practitioner|OutpatientHospital|Outpatient_Hospital)\w*?_Eff_(\d{2})-(\d{2})-(\d{4})", name, re.I)
    if m:
        facts["setting"] = "practitioner" if m.group(1).lower().startswith("pract") else "hospital"
        facts["quarter"] = quarter_of(dt.date(int(m.group(4)), int(m.group(2)), int(m.group(3))))
    return facts


# ------------------------------------------------------------------ reading rows

def iter_rows(path: Path, *, encoding: str | None = None, strip: bool = True,
              formats: tuple[str, ...] = (".txt", ".tsv", ".tab", ".csv")) -> Iterator[Row]:
    """Every non-blank row of a .txt/.tsv (tab), .csv or .xlsx file, streamed (cells stripped unless
    strip=False). Text is UTF-8 or Windows-1252, found by one streaming pass, unless `encoding` names it."""
    from spinekg.graph.userfiles import NCCI_MAX_BYTES, open_user_file, require_regular_file

    require_regular_file(path, NCCI_MAX_BYTES)  # a FIFO or /dev/zero must not hang or eat memory
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        yield from _xlsx_rows(path)
        return
    if suffix not in formats:
        raise SpinekgError(f"{path}: unsupported file type {suffix or '(none)'}; use {', '.join(formats)} or .xlsx")
    delimiter = "," if suffix == ".csv" else "\t"
    with open_user_file(path, NCCI_MAX_BYTES, "r", encoding=encoding or text_encoding(path), newline="") as f:
        reader = csv.reader(f, delimiter=delimiter, strict=True)
        try:
            for cells in reader:
                if strip:
                    cells = [c.strip() for c in cells]
                if any(cells):
                    yield reader.line_num, cells
        except csv.Error as e:
            raise SpinekgError(f"{path}: line {reader.line_num}: malformed {suffix[1:].upper()}: {e}") from None
        except UnicodeDecodeError:
            name = "UTF-8" if (encoding or "").lower().startswith("utf-8") else encoding
            raise SpinekgError(f"{path}: after line {reader.line_num}: not {name} text; save the file as {name}") from None


def text_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes so, else Windows-1252 — decided by one
    streaming pass, so a 2-million-row file is never held in memory."""
    import codecs

    from spinekg.graph.userfiles import NCCI_MAX_BYTES, open_user_file

    for encoding in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open_user_file(path, NCCI_MAX_BYTES) as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    decoder.decode(block)
                decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
        except OSError as e:
            raise SpinekgError(f"{path}: cannot read ({e.strerror})") from None
    raise SpinekgError(f"{path}: not a UTF-8 or Windows-1252 text file")


def read_text(path: Path) -> str:
    """The file as text: UTF-8 (with or without BOM), else Windows-1252, else a one-line error."""
    from spinekg.graph.userfiles import NCCI_MAX_BYTES, open_user_file

    with open_user_file(path, NCCI_MAX_BYTES) as f:
        try:
            raw = f.read()
        except OSError as e:
            raise SpinekgError(f"{path}: cannot read ({e.strerror})") from None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SpinekgError(f"{path}: not a UTF-8 or Windows-1252 text file")


def iter_lines(path: Path) -> Iterator[tuple[int, str]]:
    """The raw lines of a fixed-width text file (line number, text without the line end)."""
    lines = read_text(path).splitlines()
    for i, line in enumerate(lines, start=1):
        if line.strip():
            yield i, line


def _xlsx_rows(path: Path) -> Iterator[Row]:
    try:
        import openpyxl
    except ImportError:
        raise SpinekgError(f"{path}: reading .xlsx needs openpyxl (pip install openpyxl), or export the sheet to CSV") from None
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        ws = wb.worksheets[0]
    except Exception as e:
        raise SpinekgError(f"{path}: not a readable .xlsx workbook ({type(e).__name__})") from None
    try:
        for i, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_xlsx_cell(v) for v in values]
            if any(cells):
                yield i, cells
    finally:
        wb.close()


def _xlsx_cell(v) -> str:
    if v is None:
        return ""
    if hasattr(v, "strftime"):
        return v.strftime("%Y%m%d")
    if isinstance(v, float) and v.is_integer():
        v = int(v)  # 20130401.0 from a numeric cell
    return str(v).strip()


def find_header(path: Path, rows: Iterator[Row], required: dict[str, tuple[str, ...]],
                optional: dict[str, tuple[str, ...]], limit: int = 40) -> tuple[int, dict[str, int], Iterator[Row]]:
    """Skip CMS's copyright lines to the heading row: the first row naming every required column
    (a heading cell matches an alias when its normalised text starts with the alias's).
    Returns (heading line, {key: column index}, the remaining rows)."""
    seen, best = 0, (1, 0, [], {})
    for line, cells in rows:
        idx = _match(cells, {**required, **optional})
        if all(k in idx for k in required):
            return line, idx, rows
        hits = sum(k in idx for k in required)
        if hits > best[0]:
            best = (hits, line, cells, idx)
        seen += 1
        if seen >= limit:
            break
    hits, line, cells, idx = best
    if hits > 1:  # a heading row with some columns missing: name them
        key = next(k for k in required if k not in idx)
        looked = ", ".join(repr(a) for a in required[key])
        raise SpinekgError(f"{path}: no {key.replace('_', ' ')} column (looked for {looked}; the heading on line {line} "
                           f"has {', '.join(repr(c) for c in cells if c)})")
    wanted = ", ".join(repr(a[0]) for a in required.values())
    raise SpinekgError(f"{path}: no heading row with the columns {wanted} in its first {limit} rows; is this the right file?")


def _match(cells: list[str], columns: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Column index per key: exact (normalised) names first, then headings that start with an alias
    (CMS adds explanations to some headings: "Modifier 0=not allowed 1=allowed …")."""
    normalised = [norm(c) for c in cells]
    idx: dict[str, int] = {}
    for exact in (True, False):
        for key, aliases in columns.items():
            if key in idx:
                continue
            for alias in map(norm, aliases):
                hit = next((i for i, c in enumerate(normalised) if c and i not in idx.values()
                            and (c == alias if exact else c.startswith(alias))), None)
                if hit is not None:
                    idx[key] = hit
                    break
    return idx


# AOC fixed-width fields: (key, start, end) as 0-based slices
AOC_FIELDS = (("type", 0, 1), ("addon", 1, 6), ("addon_deleted", 6, 13), ("primary", 13, 18),
              ("primary_deleted", 18, 25), ("effective", 25, 32), ("deleted", 32, 39), ("notes", 39, None))


def is_fixed_width_aoc(path: Path) -> bool:
    """A .txt whose first record looks like CMS's AOC fixed-width layout (type digit + code + dates)."""
    if path.suffix.lower() != ".txt":
        return False
    for _, line in iter_lines(path):
        return bool(re.match(r"^[123][0-9A-Z]{5}[0-9 ]{7}[0-9A-Z]{5}[0-9 ]{7}\d{7}", line))
    return False


def fixed_width_aoc_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    for line, text in iter_lines(path):
        yield line, {key: (text[a:b] if b else text[a:]).strip() for key, a, b in AOC_FIELDS} | {"_width": str(len(text))}
