"""Parse CMS's NCCI files (AOC, PTP, MUE) into compact rows; any malformed row refuses the whole file.

Each parser validates every row (the whole file, so a bad row is reported with its line number
even when it touches no spine code) and keeps only the rows `keep(code)` accepts for one of the
codes the row names. Layouts: see graph/ncci_layouts.py.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

from spinekg.graph.errors import SpinekgError
from spinekg.graph.ncci_layouts import (CODE_RE, file_facts, find_header, fixed_width_aoc_rows, is_fixed_width_aoc,
                                        iter_rows, parse_date)
from spinekg.graph.tabular import reject_malformed

NO_PRIMARY = "CCCCC"

AOC_REQUIRED = {
    "primary": ("Primary Code", "Primary_Code", "primary"),
    "addon": ("Add-On Code", "Add_On_Code", "add_on_code", "addon"),
    "type": ("AOC Edit Type", "AOC_Edit_Type", "Edit Type", "type"),
    "effective": ("AOC Edit Eff Dt", "AOC_Edit_EffDT", "AOC Edit Effective Date", "Edit Effective Date"),
}
AOC_OPTIONAL = {
    "deleted": ("AOC Edit Del Dt", "AOC_Edit_DelDT", "AOC Edit Deletion Date", "Edit Deletion Date"),
    "addon_deleted": ("AOC Del Dt", "AOC_DelDT", "Add-On Code Deletion Date"),
    "primary_deleted": ("Primary Code Del Dt", "Primary_Code_DelDT", "Primary Code Deletion Date"),
    "notes": ("Special Instruction Notes", "Special_Instruction_Notes"),
}
PTP_REQUIRED = {
    "column1": ("Column 1", "Column1"),
    "column2": ("Column 2", "Column2"),
    "effective": ("Effective Date", "Effective"),
    "modifier": ("Modifier", "Modifier Indicator"),
}
PTP_OPTIONAL = {
    "deleted": ("Deletion Date", "Deletion"),
    "prior1996": ("*=in existence prior to 1996", "in existence"),
    "rationale": ("PTP Edit Rationale", "Rationale"),
}
MUE_REQUIRED = {
    "code": ("HCPCS/CPT Code", "HCPCS Code", "CPT Code"),
    "value": ("Practitioner Services MUE Values", "Outpatient Hospital Services MUE Values",
              "Facility Outpatient Hospital Services MUE Values", "MUE Values", "MUE Value"),
    "mai": ("MUE Adjudication Indicator", "MAI"),
}
MUE_OPTIONAL = {"rationale": ("MUE Rationale", "Rationale")}
MAI_RE = re.compile(r"^([123])\b")


def _coder(path: Path) -> Callable[[str], str]:
    """Codes as text; in a spreadsheet a code such as 00630 typed as a number has lost its zeros."""
    if path.suffix.lower() != ".xlsx":
        return str.upper
    return lambda c: c.zfill(5) if c.isdigit() and len(c) < 5 else c.upper()


def _date(problems: list[str], line: int, text: str, what: str):
    try:
        return parse_date(text)
    except ValueError:
        problems.append(f"line {line}: {what} {text!r} is not a date")
        return False


def _cell(cells: list[str], idx: dict[str, int], key: str) -> str:
    i = idx.get(key)
    return cells[i] if i is not None and i < len(cells) else ""


def parse_aoc(path: Path, keep: Callable[[str], bool]) -> tuple[list[tuple], int]:
    """AOC edits as (add-on, primary or None, type, effective, deleted) tuples; (kept, rows read)."""
    if is_fixed_width_aoc(path):
        records: Iterable[tuple[int, dict[str, str]]] = _aoc_fixed(path)
    else:
        rows = iter_rows(path)
        _, idx, rows = find_header(path, rows, AOC_REQUIRED, AOC_OPTIONAL)
        records = ((line, {k: _cell(cells, idx, k) for k in idx}) for line, cells in rows)
    problems: list[str] = []
    kept, read, code = set(), 0, _coder(path)
    for line, r in records:
        read += 1
        if "_problem" in r:
            problems.append(f"line {line}: {r['_problem']}")
            continue
        addon, primary, etype = code(r["addon"]), code(r["primary"]), r["type"]
        if not CODE_RE.match(addon):
            problems.append(f"line {line}: add-on code {addon!r} is not a five-character code")
            continue
        if not CODE_RE.match(primary):
            problems.append(f"line {line}: primary code {primary!r} is not a five-character code")
            continue
        if etype not in ("1", "2", "3"):
            problems.append(f"line {line}: edit type {etype!r} is not 1, 2 or 3")
            continue
        effective = _date(problems, line, r["effective"], "edit effective date")
        deleted = _date(problems, line, r.get("deleted", ""), "edit deletion date")
        if effective is False or deleted is False:
            continue
        if effective is None:
            problems.append(f"line {line}: no edit effective date")
            continue
        if deleted is not None and deleted < effective:
            problems.append(f"line {line}: deletion date is before the effective date")
            continue
        if keep(addon) or keep(primary):
            kept.add((addon, None if primary == NO_PRIMARY else primary, int(etype), effective, deleted))
    reject_malformed(path, problems)
    if not read:
        raise SpinekgError(f"{path}: no edits found; nothing imported")
    return sorted(kept, key=lambda e: (e[0], e[1] or "", e[3])), read


def _aoc_fixed(path: Path):
    for line, r in fixed_width_aoc_rows(path):
        if int(r.pop("_width")) < 32:
            r["_problem"] = "shorter than the fixed-width AOC record (type, add-on, dates, primary)"
        yield line, r


def parse_ptp(paths: list[Path], keep: Callable[[str], bool]) -> tuple[list[tuple], int]:
    """PTP edits as (column 1, column 2, effective, deleted, modifier, rationale, before 1996)."""
    kept, read = [], 0
    for path in paths:
        rows = iter_rows(path)
        _, idx, rows = find_header(path, rows, PTP_REQUIRED, PTP_OPTIONAL)
        problems: list[str] = []
        i1, i2, ie, im = idx["column1"], idx["column2"], idx["effective"], idx["modifier"]
        idel, ipr, irat = idx.get("deleted"), idx.get("prior1996"), idx.get("rationale")
        width = max(idx.values()) + 1
        code = _coder(path)
        for line, cells in rows:
            c1 = code(cells[i1]) if i1 < len(cells) else ""
            if not c1 and not (cells[i2] if i2 < len(cells) else ""):
                continue  # the heading's explanations (*=no data, 0=not allowed …) on the next rows
            read += 1
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            c2, mod = code(cells[i2]), cells[im]
            if not CODE_RE.match(c1) or not CODE_RE.match(c2):
                bad = c1 if not CODE_RE.match(c1) else c2
                problems.append(f"line {line}: code {bad!r} is not a five-character code")
                continue
            if mod not in ("0", "1", "9"):
                problems.append(f"line {line}: modifier indicator {mod!r} is not 0, 1 or 9")
                continue
            effective = _date(problems, line, cells[ie], "effective date")
            deleted = _date(problems, line, cells[idel], "deletion date") if idel is not None else None
            if effective is False or deleted is False:
                continue
            if effective is None:
                problems.append(f"line {line}: no effective date")
                continue
            if keep(c1) or keep(c2):
                kept.append((c1, c2, effective, deleted, int(mod), cells[irat] if irat is not None else "",
                             ipr is not None and cells[ipr] == "*"))
        reject_malformed(path, problems)
    if not read:
        raise SpinekgError(f"{paths[0]}: no PTP edits found; nothing imported")
    return kept, read


def parse_mue(path: Path, keep: Callable[[str], bool]) -> tuple[list[tuple], int]:
    """MUE limits as (code, value, adjudication indicator, rationale)."""
    rows = iter_rows(path)
    _, idx, rows = find_header(path, rows, MUE_REQUIRED, MUE_OPTIONAL)
    problems: list[str] = []
    kept, seen, read, coder = [], {}, 0, _coder(path)
    for line, cells in rows:
        read += 1
        code, value, mai = (_cell(cells, idx, k) for k in ("code", "value", "mai"))
        code = coder(code)
        if not CODE_RE.match(code):
            problems.append(f"line {line}: code {code!r} is not a five-character code")
            continue
        if not value.isdigit():
            problems.append(f"line {line}: MUE value {value!r} is not a whole number")
            continue
        m = MAI_RE.match(mai)
        if not m:
            problems.append(f"line {line}: MUE adjudication indicator {mai!r} does not start with 1, 2 or 3")
            continue
        if code in seen:
            problems.append(f"line {line}: code {code} is listed again (first on line {seen[code]})")
            continue
        seen[code] = line
        if keep(code):
            kept.append((code, int(value), int(m.group(1)), _cell(cells, idx, "rationale")))
    reject_malformed(path, problems)
    if not read:
        raise SpinekgError(f"{path}: no MUE rows found; nothing imported")
    return kept, read


def facts_for(paths: list[Path]) -> dict:
    """Quarter/setting/version from the file names; parts of one release must agree."""
    facts = [file_facts(p) for p in paths]
    out = {}
    for key in ("quarter", "setting", "version"):
        values = {f[key] for f in facts if f[key]}
        if len(values) > 1:
            raise SpinekgError(f"the files disagree on their {key} ({', '.join(sorted(values))}); import each release on its own")
        out[key] = values.pop() if values else None
    return out
