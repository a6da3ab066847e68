"""`spinekg diff FROM TO`: how the code set changed between two years (added, deleted, replaced), with sources."""
from __future__ import annotations

from enum import Enum

import typer

DIFF_COLUMNS = ("change", "code", "kind", "label", "year", "replaced_by", "evidence", "sources")


class DiffFormat(str, Enum):
    text = "text"
    json = "json"
    csv = "csv"


def code_set_diff(catalog, first, last) -> dict:
    """Codes added and deleted between the code sets of two years, each with its year and history sources."""
    from spinekg.graph.errors import SpinekgError
    from spinekg.graph.select import filter_as_of, parse_year

    first, last = parse_year(first), parse_year(last)
    if first > last:
        raise SpinekgError(f"FROM ({first}) is after TO ({last}); give the earlier year first")
    before, after = set(filter_as_of(catalog, first).codes), set(filter_as_of(catalog, last).codes)

    def entry(code: str, change: str) -> dict:
        rec = catalog[code]
        return {"change": change, "code": code, "kind": rec.kind, "label": rec.label,
                "year": rec.added_in if change == "added" else rec.deleted_in,
                "replaced_by": list(rec.replaced_by) if change == "deleted" else [],
                "evidence": "confirmed" if rec.history_sources else "unconfirmed",
                "sources": list(rec.history_sources)}

    undated = sorted(c for c, r in catalog.codes.items() if r.added_in is None)
    return {"from": first, "to": last,
            "added": [entry(c, "added") for c in sorted(after - before)],
            "deleted": [entry(c, "deleted") for c in sorted(before - after)],
            "codes_without_added_year": len(undated)}


def diff_text(d: dict) -> str:
    from spinekg.graph.textsafe import terminal_text

    lines = [f"code set {d['from']} -> {d['to']}: {len(d['added'])} added, {len(d['deleted'])} deleted"]
    for change in ("added", "deleted"):
        if d[change]:
            lines += ["", f"{change}:"]
        for e in d[change]:
            repl = f"; replaced by {', '.join(e['replaced_by'])}" if e["replaced_by"] else ""
            if change == "deleted" and not e["replaced_by"]:
                repl = "; no replacement code"
            lines.append(f"  {e['code']}  {e['label']}  ({change} {e['year']}{repl})")
            lines += [f"      source: {terminal_text(u)}" for u in e["sources"]] or \
                     ["      source: none read gives the year (unconfirmed)"]
    lines += ["", f"({d['codes_without_added_year']} codes have no known year of addition and count as present "
                  "in every year until deleted)"]
    return "\n".join(lines)


def diff_csv(d: dict) -> str:
    import csv
    import io

    from spinekg.exports.csv_table import cell, neutralise

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(DIFF_COLUMNS)
    for e in d["added"] + d["deleted"]:
        w.writerow([neutralise(cell(e[c])) for c in DIFF_COLUMNS])
    return buf.getvalue().rstrip("\n")


def register(app: typer.Typer) -> None:
    @app.command()
    def diff(
        first: int = typer.Argument(..., metavar="FROM", help="The earlier code-set year, e.g. 2016."),
        last: int = typer.Argument(..., metavar="TO", help="The later code-set year, e.g. 2017."),
        fmt: DiffFormat = typer.Option(DiffFormat.text, "--format", "-f", help="text, json or csv."),
    ) -> None:
        """Codes added, deleted and replaced between two code-set years, with the pages that give the years.

        Example: spinekg diff 2016 2017
        """
        import json

        from spinekg.graph.model import load_catalog

        d = code_set_diff(load_catalog(), first, last)
        if fmt is DiffFormat.json:
            typer.echo(json.dumps(d, indent=2, ensure_ascii=False))
        elif fmt is DiffFormat.csv:
            typer.echo(diff_csv(d))
        else:
            typer.echo(diff_text(d))
