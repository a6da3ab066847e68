"""Turn records into what a person or a machine reads: text cards, tables, JSON, CSV/TSV."""
from __future__ import annotations

import json

from spinekg.graph.model import Catalog, CodeRecord
from spinekg.graph.textsafe import terminal_text

LIST_COLUMNS = ("code", "kind", "label", "regions", "approaches", "access", "procedures", "lesion_compartments",
                "lesion_natures", "variants", "unit", "min_units", "max_units", "add_on_to", "add_ons",
                "group", "status", "descriptor")
# Public JSON of `show`: the contract keys first, then extra facts.
SHOW_KEYS = ("code", "label", "kind", "regions", "approaches", "procedures", "lesion_compartments",
             "lesion_natures", "unit", "min_units", "max_units", "add_on_to", "add_ons", "group", "status",
             "access", "variants", "indications", "each_additional_unit", "reported_with", "group_label",
             "deleted_in", "added_in", "note", "descriptor")


def record_json(rec: CodeRecord) -> dict:
    d = rec.to_json()
    return {k: d[k] for k in SHOW_KEYS}


def delimited(records: list[CodeRecord], delimiter: str) -> str:
    from spinekg.exports.csv_table import delimited as write

    return write(records, delimiter, LIST_COLUMNS)


def list_text(records: list[CodeRecord]) -> str:
    lines = []
    for r in records:
        lines.append(f"{r.code}  {'add-on ' if r.kind == 'add-on' else 'primary'}  {r.label}")
        if r.descriptor:
            lines.append(f"{'':16}official: {r.descriptor}")
    lines.append(f"({len(records)} code{'s' if len(records) != 1 else ''})")
    return terminal_text("\n".join(lines))  # imported descriptors may hold ESC sequences


def list_output(records: list[CodeRecord], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([record_json(r) for r in records], indent=2, ensure_ascii=False)
    if fmt == "csv":
        return delimited(records, ",").rstrip("\n")
    if fmt == "tsv":
        return delimited(records, "\t").rstrip("\n")
    return list_text(records)


def _units(rec: CodeRecord) -> str | None:
    if rec.unit is None:
        return None
    if rec.each_additional_unit:
        return f"{rec.unit}, reported once per additional {rec.unit}"
    if rec.min_units is None:
        return rec.unit
    hi = "no upper limit" if rec.max_units is None else str(rec.max_units)
    return f"{rec.unit}, {rec.min_units} to {hi}" if rec.max_units != rec.min_units else f"{rec.unit}, {rec.min_units}"


def card(rec: CodeRecord, catalog: Catalog) -> str:
    """A readable card for one code: label, facts, relations and siblings."""
    status = rec.status + (f" since {rec.deleted_in}" if rec.deleted_in else "")
    facts = [
        ("kind", f"{rec.kind} ({status})"),
        ("group", f"{rec.group}  {rec.group_label}"),
        ("regions", ", ".join(rec.regions)),
        ("approaches", ", ".join(rec.approaches)),
        ("access", ", ".join(rec.access)),
        ("procedures", ", ".join(rec.procedures)),
        ("lesion", ", ".join(rec.lesion_compartments + rec.lesion_natures)),
        ("variants", ", ".join(rec.variants + tuple(f"for {i}" for i in rec.indications))),
        ("units", _units(rec)),
    ]
    lines = [f"{rec.code}  {rec.label}", ""]
    if rec.descriptor:
        src = catalog.descriptor_source or {}
        lines += [f"  official:   {rec.descriptor}",
                  f"              (your file {src.get('source_file', '?')}, imported {src.get('imported_on', '?')})", ""]
    lines += [f"  {name + ':':<12}{value}" for name, value in facts if value]
    if rec.note:
        lines.append(f"  {'note:':<12}{rec.note}")

    def related(title: str, codes) -> None:
        if codes:
            lines.append("")
            lines.append(f"  {title}:")
            for c in codes:
                other = catalog.codes.get(c)
                lines.append(f"    {c}  {other.label if other else '(not in the graph)'}")

    related("reported with these primaries", rec.add_on_to)
    related("add-ons", rec.add_ons)
    related("commonly reported with (public guidance; sources in the graph)", rec.reported_with)
    related(f"siblings in {rec.group}", catalog.siblings(rec.code))
    return terminal_text("\n".join(lines))  # imported descriptors may hold ESC sequences
