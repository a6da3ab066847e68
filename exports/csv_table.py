"""One row per code with every fact flattened (multi-valued facets joined by `|`), as CSV.

The cell helpers here (neutralise, cell, delimited) are shared: `spinekg list --format csv|tsv`
uses the same rules, so a cell that begins with = + - @ (or a tab or carriage return) is
prefixed with an apostrophe and no spreadsheet program reads it as a formula.
"""
from __future__ import annotations

import csv
import io

from spinekg.exports.registry import ExportSource, Output

# every fact of a code, in the one tabular schema shared with `spinekg list` (graph/model.py);
# `descriptor` is the user's own licensed text, empty unless they loaded one
from spinekg.graph.model import TABLE_COLUMNS as CSV_COLUMNS, table_record  # noqa: E402
from spinekg.graph.textsafe import spreadsheet_cell as neutralise  # noqa: E402,F401 (shared rule)


def cell(value) -> str:
    """One value as cell text: lists joined by |, booleans as true/false, None as empty."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "|".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def table_rows(records, columns=CSV_COLUMNS) -> list[list[str]]:
    rows = []
    for rec in records:
        d = table_record(rec)
        rows.append([neutralise(cell(d.get(c))) for c in columns])
    return rows


def delimited(records, delimiter: str = ",", columns=CSV_COLUMNS) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(columns)
    w.writerows(table_rows(records, columns))
    return buf.getvalue()


def write_csv(source: ExportSource) -> Output:
    records = source.records()
    return Output(data=delimited(records).encode("utf-8"), counts={"rows": len(records)})
