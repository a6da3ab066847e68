"""Turn records into what a person or a machine reads: text cards, tables, JSON, CSV/TSV."""
from __future__ import annotations

import json

from spinekg.graph.model import TABLE_COLUMNS, Catalog, CodeRecord, table_record
from spinekg.graph.textsafe import terminal_text

# Public JSON of `show`: the contract keys first, then extra facts.
SHOW_KEYS = ("code", "label", "kind", "regions", "approaches", "procedures", "lesion_compartments",
             "lesion_natures", "unit", "min_units", "max_units", "add_on_to", "add_ons", "group", "status",
             "access", "variants", "indications", "each_additional_unit", "reported_with", "group_label",
             "deleted_in", "added_in", "note", "descriptor", "counting", "evidence", "inferred_from",
             "replaced_by", "link_evidence", "sources", "history_sources",
             # spine-section facets and counting (issue 17)
             "imaging", "agents", "delivery", "devices", "device_actions", "first_covered_unit",
             "last_covered_unit", "reported_per_unit")


def record_json(rec: CodeRecord) -> dict:
    d = rec.to_json()
    return {k: d[k] for k in SHOW_KEYS}


def delimited(records: list[CodeRecord], delimiter: str) -> str:
    from spinekg.exports.csv_table import delimited as write

    return write(records, delimiter, TABLE_COLUMNS)


def _marks(rec: CodeRecord) -> str:
    marks = []
    if rec.status == "deleted":
        marks.append(f"deleted {rec.deleted_in}" if rec.deleted_in else "deleted")
    if rec.evidence != "confirmed":
        marks.append(rec.evidence)
    return f"  [{'; '.join(marks)}]" if marks else ""


def list_text(records: list[CodeRecord]) -> str:
    lines = []
    for r in records:
        lines.append(f"{r.code}  {'add-on ' if r.kind == 'add-on' else 'primary'}  {r.label}{_marks(r)}")
        if r.descriptor:
            lines.append(f"{'':16}official: {terminal_text(r.descriptor)}")
    lines.append(f"({len(records)} code{'s' if len(records) != 1 else ''})")
    return terminal_text("\n".join(lines))  # imported descriptors may hold ESC sequences


def list_output(records: list[CodeRecord], fmt: str) -> str:
    """`spinekg list` in any format; csv, tsv and json share the one tabular schema (TABLE_COLUMNS)."""
    if fmt == "json":
        return json.dumps([table_record(r) for r in records], indent=2, ensure_ascii=False)
    if fmt == "csv":
        return delimited(records, ",").rstrip("\n")
    if fmt == "tsv":
        return delimited(records, "\t").rstrip("\n")
    return list_text(records)


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _units(rec: CodeRecord) -> str | None:
    if rec.unit is None:
        return None
    if rec.first_covered_unit is not None:  # ordinal add-on: once for a span of units
        first, last = rec.first_covered_unit, rec.last_covered_unit
        if last == first:
            return f"{rec.unit}, reported once for the {_ordinal(first)} {rec.unit}"
        span = f"the {_ordinal(first)} to the {_ordinal(last)}" if last else f"the {_ordinal(first)} and every further"
        return f"{rec.unit}, reported once for {span} {rec.unit}"
    if rec.reported_per_unit:
        return f"{rec.unit}, reported once for each {rec.unit}"
    if rec.counting == "per-additional":
        return f"{rec.unit}, reported once per additional {rec.unit} (beyond those its primary covers)"
    if rec.counting == "per-unit":
        return f"{rec.unit}, reported once for each {rec.unit}, the first one included"
    if rec.min_units is None:
        return rec.unit
    hi = "no upper limit" if rec.max_units is None else str(rec.max_units)
    return f"{rec.unit}, {rec.min_units} to {hi}" if rec.max_units != rec.min_units else f"{rec.unit}, {rec.min_units}"


def _evidence(rec: CodeRecord) -> str:
    if rec.evidence == "inferred" and rec.inferred_from:
        return f"inferred from {', '.join(rec.inferred_from)} (no page states it for this code)"
    if rec.evidence == "unconfirmed":
        return "unconfirmed (see the note)"
    return rec.evidence


def _history(rec: CodeRecord) -> str:
    added = f"added {rec.added_in}" if rec.added_in else "year added not known (no public page read gives it)"
    if rec.status == "deleted" or rec.deleted_in:
        gone = f"deleted {rec.deleted_in}" if rec.deleted_in else "deleted (year not known)"
        gone += f", replaced by {', '.join(rec.replaced_by)}" if rec.replaced_by else ", no replacement code"
        added += "; " + gone
    if (rec.added_in or rec.deleted_in) and not rec.history_sources:
        added += " (year not confirmed on a public page)"
    return added


def _link_mark(catalog: Catalog, rec: CodeRecord, key: str, other: str) -> str:
    from spinekg.graph.select import LINK_KEYS, link_level

    level = link_level(catalog, rec, key, other)
    if level == "confirmed":
        return ""
    holder, target = (catalog.codes.get(other), rec.code) if key == "add_ons" else (rec, other)
    entry = holder.link_evidence.get(LINK_KEYS[key], {}).get(target, {}) if holder is not None else {}
    frm = entry.get("inferred_from") or []
    return f"  [{level}{' from ' + ', '.join(frm) if frm else ''}]"


def card(rec: CodeRecord, catalog: Catalog) -> str:
    """A readable card for one code: label, facts, evidence, history, relations, siblings and sources."""

    status = rec.status + (f" since {rec.deleted_in}" if rec.deleted_in and rec.status == "deleted" else "")
    facts = [
        ("kind", f"{rec.kind} ({status})"),
        ("group", f"{rec.group}  {rec.group_label}"),
        ("regions", ", ".join(rec.regions)),
        ("approaches", ", ".join(rec.approaches)),
        ("access", ", ".join(rec.access)),
        ("procedures", ", ".join(rec.procedures)),
        ("lesion", ", ".join(rec.lesion_compartments + rec.lesion_natures)),
        ("variants", ", ".join(rec.variants + tuple(f"for {i}" for i in rec.indications))),
        ("imaging", ", ".join(rec.imaging)),
        ("agent", ", ".join(rec.agents)),
        ("delivery", ", ".join(rec.delivery)),
        ("device", ", ".join(rec.devices)),
        ("action", ", ".join(rec.device_actions)),
        ("units", _units(rec)),
        ("evidence", _evidence(rec)),
        ("history", _history(rec)),
    ]
    lines = [f"{rec.code}  {rec.label}", ""]
    if rec.descriptor:
        src = catalog.descriptor_source or {}
        lines += [f"  official:   {terminal_text(rec.descriptor)}",
                  f"              (your file {terminal_text(str(src.get('source_file', '?')))}, "
                  f"imported {src.get('imported_on', '?')})", ""]
    lines += [f"  {name + ':':<12}{value}" for name, value in facts if value]
    if rec.note:
        lines.append(f"  {'note:':<12}{rec.note}")

    def related(title: str, key: str, codes) -> None:
        if codes:
            lines.append("")
            lines.append(f"  {title}:")
            for c in codes:
                other = catalog.codes.get(c)
                mark = _link_mark(catalog, rec, key, c) if key else ""
                if other is not None and other.status == "deleted":
                    mark += f"  (deleted {other.deleted_in})" if other.deleted_in else "  (deleted)"
                lines.append(f"    {c}  {other.label if other else '(not in the graph)'}{mark}")

    related("reported with these primaries", "add_on_to", rec.add_on_to)
    related("add-ons", "add_ons", rec.add_ons)
    related("commonly reported with (public guidance; sources in the graph)", "reported_with", rec.reported_with)
    related("replaced by", "replaced_by", rec.replaced_by)
    related(f"siblings in {rec.group}", "", catalog.siblings(rec.code))
    sources = list(rec.sources) + [u for u in rec.history_sources if u not in rec.sources]
    lines.append("")
    if sources:
        lines.append("  sources:")
        lines += [f"    {u}" for u in sources]
    else:
        lines.append(f"  sources:    none of its own; its facts follow {', '.join(rec.inferred_from) or 'its siblings'}")
    return terminal_text("\n".join(lines))  # imported descriptors may hold ESC sequences
