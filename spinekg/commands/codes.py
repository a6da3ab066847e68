"""The code commands: `show` (one code's card), `list` (codes by facets) and `validate` (SHACL)."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from spinekg.options import TextJson, facet_filters, facet_option, text_json_option


class ListFormat(str, Enum):
    text = "text"
    json = "json"
    csv = "csv"
    tsv = "tsv"


def _code_as_of(catalog, code: str, year: int):
    """The record of a code that was in that year's code set; else a one-line error saying why not."""
    from spinekg.graph.errors import SpinekgError
    from spinekg.graph.select import get_code, in_code_set, parse_year

    rec = get_code(catalog, code)
    year = parse_year(year)
    if not in_code_set(rec, year):
        why = f"added {rec.added_in}" if rec.added_in and rec.added_in > year else f"deleted {rec.deleted_in}"
        raise SpinekgError(f"{rec.code} is not in the {year} code set ({why})")
    return rec


def register(app: typer.Typer) -> None:
    @app.command()
    def show(
        code: str = typer.Argument(..., help="A five-digit code, e.g. 63304."),
        as_of: Optional[int] = typer.Option(None, "--as-of", metavar="YEAR", help="Show the code as it stood in that year's code set."),
        fmt: TextJson = text_json_option(),
    ) -> None:
        """Show one code: its label, facts, evidence, history, add-ons or primaries, siblings and sources.

        Example: spinekg show 22853 --format json
        """
        import json

        from spinekg.graph.model import load_catalog
        from spinekg.graph.select import filter_as_of, get_code
        from spinekg.render import card, record_json

        catalog = load_catalog()
        if as_of is not None:
            found = _code_as_of(catalog, code, as_of)
            catalog = filter_as_of(catalog, as_of)
            rec = catalog[found.code]
        else:
            rec = get_code(catalog, code)
        if fmt is TextJson.json:
            typer.echo(json.dumps(record_json(rec), indent=2, ensure_ascii=False))
        else:
            typer.echo(card(rec, catalog))

    @app.command("list")
    def list_codes(
        region: Optional[List[str]] = facet_option("region"),
        approach: Optional[List[str]] = facet_option("approach"),
        procedure: Optional[List[str]] = facet_option("procedure"),
        lesion: Optional[List[str]] = facet_option("lesion"),
        access: Optional[List[str]] = facet_option("access"),
        imaging: Optional[List[str]] = facet_option("imaging"),
        agent: Optional[List[str]] = facet_option("agent"),
        delivery: Optional[List[str]] = facet_option("delivery"),
        device: Optional[List[str]] = facet_option("device"),
        device_action: Optional[List[str]] = facet_option("device_action"),
        kind: Optional[List[str]] = typer.Option(None, "--kind", metavar="KIND", help="primary or add-on."),
        evidence: Optional[List[str]] = typer.Option(None, "--evidence", metavar="LEVEL", help="confirmed, inferred or unconfirmed: keep only codes, and links, of these levels."),
        as_of: Optional[int] = typer.Option(None, "--as-of", metavar="YEAR", help="The code set as it stood in that year (codes added later absent, deleted later present)."),
        fmt: ListFormat = typer.Option(ListFormat.text, "--format", "-f", help="text, json, csv or tsv (json, csv and tsv share the columns of export csv)."),
    ) -> None:
        """List codes, filtered by facets, evidence and year.

        Repeat a filter or give a comma list for any of several values (OR); different filters must all hold (AND).

        Example: spinekg list --procedure corpectomy --region lumbar,sacral --evidence confirmed
        """
        from spinekg.graph.model import load_catalog
        from spinekg.graph.select import filter_codes
        from spinekg.render import list_output

        records = filter_codes(load_catalog(), kind=kind, evidence=evidence, as_of=as_of,
                               **facet_filters(region=region, approach=approach, procedure=procedure, lesion=lesion,
                                               access=access, imaging=imaging, agent=agent, delivery=delivery,
                                               device=device, device_action=device_action))
        typer.echo(list_output(records, fmt.value))

    @app.command()
    def validate(
        files: Optional[List[Path]] = typer.Argument(None, help="Extra Turtle (.ttl) or N-Triples (.nt) files to check with the graph."),
    ) -> None:
        """Check the graph (plus any files given) against the SHACL shapes; exit 1 on any violation.

        Example: spinekg validate my-extra-codes.ttl
        """
        from spinekg.graph.validate import validate as run

        violations = run(list(files or []))
        for v in violations:
            typer.echo(str(v))
        if violations:
            typer.echo(f"{len(violations)} violation{'s' if len(violations) != 1 else ''}", err=True)
            raise typer.Exit(1)
        typer.echo("conforms: no SHACL violations")
