"""Read a user's CSV/TSV (or .xlsx) table into header-normalised rows, with line numbers."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from spinekg.graph.errors import SpinekgError
from spinekg.graph.userfiles import TABLE_MAX_BYTES, read_user_file

XLSX_INFLATED_MAX_BYTES = 4 * TABLE_MAX_BYTES


def norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def read_table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(line number, cells)]) from a .csv, .tsv/.txt or .xlsx file."""
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv", ".tsv", ".txt", ".tab"):
        raise SpinekgError(f"{path}: unsupported file type {suffix or '(none)'}; use .csv, .tsv or .xlsx")
    raw = read_user_file(path, TABLE_MAX_BYTES)  # regular files only, size-capped, one-line errors
    if suffix == ".xlsx":
        return _read_xlsx(path, raw)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="strict") if _is_cp1252(raw) else None
        if text is None:
            raise SpinekgError(f"{path}: not a UTF-8 or Windows-1252 text file") from None
    delimiter = "," if suffix == ".csv" else "\t"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = [c.strip() for c in cells]
            else:
                rows.append((line, [c.strip() for c in cells]))
    except csv.Error as e:
        raise SpinekgError(f"{path}: line {reader.line_num}: malformed {suffix[1:].upper()}: {e}") from None
    if header is None:
        raise SpinekgError(f"{path}: the file is empty")
    return header, rows


def _is_cp1252(raw: bytes) -> bool:
    try:
        raw.decode("cp1252")
        return True
    except UnicodeDecodeError:
        return False


def _read_xlsx(path: Path, raw: bytes):
    try:
        import openpyxl
    except ImportError:
        raise SpinekgError(f"{path}: reading .xlsx needs openpyxl (pip install openpyxl), or export the sheet to CSV") from None
    import zipfile

    try:  # a workbook is a zip: refuse one that would inflate far beyond the file cap (a zip bomb)
        inflated = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(raw)).infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise SpinekgError(f"{path}: not a readable .xlsx workbook (not a zip file)") from None
    if inflated > XLSX_INFLATED_MAX_BYTES:
        raise SpinekgError(f"{path}: the workbook inflates to {inflated >> 20} MiB, over the "
                           f"{XLSX_INFLATED_MAX_BYTES >> 20} MiB limit")
    try:
        wb = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as e:
        raise SpinekgError(f"{path}: not a readable .xlsx workbook ({type(e).__name__})") from None
    ws = wb.worksheets[0]
    header = None
    rows = []
    for i, values in enumerate(ws.iter_rows(values_only=True), start=1):
        cells = ["" if v is None else (v.strftime("%Y%m%d") if hasattr(v, "strftime") else str(v)).strip() for v in values]
        if not any(cells):
            continue
        if header is None:
            header = cells
        else:
            rows.append((i, cells))
    if header is None:
        raise SpinekgError(f"{path}: the workbook's first sheet is empty")
    return header, rows


def find_column(path: Path, header: list[str], wanted: str | None, aliases: tuple[str, ...], what: str) -> int:
    """Index of the column named `wanted` (or the first alias found); a clear error otherwise."""
    normalised = [norm(h) for h in header]
    candidates = (wanted,) if wanted else aliases
    for name in candidates:
        if norm(name) in normalised:
            return normalised.index(norm(name))
    hint = f"--{what}-column" if wanted is None else "a different name"
    raise SpinekgError(f"{path}: no {what} column (looked for {', '.join(repr(c) for c in candidates)}; "
                       f"columns are {', '.join(repr(h) for h in header)}; name it with {hint})")


def reject_malformed(path: Path, problems: list[str]) -> None:
    """Refuse the whole file when any row is malformed: one line naming the first rows' line numbers."""
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise SpinekgError(f"{path}: {len(problems)} malformed row{'s' if len(problems) > 1 else ''}, nothing imported: "
                           + "; ".join(problems[:5]) + more)
