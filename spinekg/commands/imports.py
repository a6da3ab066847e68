"""`spinekg import descriptors|ncci-addon` and `spinekg check addons`: the user's own licensed data."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from spinekg.options import TextJson, text_json_option


def register(app: typer.Typer) -> None:
    imports = typer.Typer(help="Load your own licensed files (kept in your data folder, never in the repository).\n\n"
                               "Example: spinekg import descriptors my-cpt-descriptors.csv",
                          no_args_is_help=True, rich_markup_mode=None)
    check = typer.Typer(help="Compare the curated graph with imported files.\n\nExample: spinekg check addons",
                        no_args_is_help=True, rich_markup_mode=None)
    app.add_typer(imports, name="import")
    app.add_typer(check, name="check")

    @imports.command("descriptors")
    def import_descriptors(
        file: Optional[Path] = typer.Argument(None, help="Your CPT descriptor file (.csv, .tsv or .xlsx)."),
        code_column: Optional[str] = typer.Option(None, "--code-column", help="Column holding the code (default: code, cpt code, hcpcs …)."),
        descriptor_column: Optional[str] = typer.Option(None, "--descriptor-column", help="Column holding the text (default: descriptor, long descriptor, description …)."),
        remove: bool = typer.Option(False, "--remove", help="Remove the imported descriptors."),
    ) -> None:
        """Import official descriptors from your own licensed file; they then appear beside the labels.

        Every row is checked first (malformed rows are reported with their line numbers and nothing is
        imported); codes not in the graph are counted and skipped. Stored in your data folder
        ($SPINEKG_HOME, default ~/.local/share/spinekg) with the file name, date and SHA-256.

        Example: spinekg import descriptors my-cpt-descriptors.csv --code-column "CPT Code"
        """
        from spinekg.graph import descriptors
        from spinekg.graph.errors import SpinekgError
        from spinekg.graph.model import load_catalog

        if remove:
            if file is not None:
                raise SpinekgError("give either a FILE or --remove, not both")
            removed = descriptors.remove_descriptors()
            typer.echo("removed the imported descriptors" if removed else "no descriptors were imported")
            return
        if file is None:
            raise SpinekgError("missing FILE (or --remove)")
        report = descriptors.import_descriptors(file, set(load_catalog().codes), code_column=code_column,
                                                text_column=descriptor_column)
        typer.echo(f"imported {report.stored} descriptors from {file.name} (sha256 {report.sha256[:12]}…) into {report.path}")
        if report.unknown:
            sample = ", ".join(report.unknown[:8]) + (" …" if len(report.unknown) > 8 else "")
            typer.echo(f"skipped {len(report.unknown)} codes not in the graph: {sample}")

    @imports.command("ncci-addon")
    def import_ncci(
        file: Optional[Path] = typer.Argument(None, help="CMS's NCCI add-on code edit file (.xlsx, or its .csv/.tsv export)."),
        remove: bool = typer.Option(False, "--remove", help="Remove the imported edits."),
    ) -> None:
        """Import CMS's NCCI add-on code edits as dated, typed add-on edges.

        Example: spinekg import ncci-addon AOC_V2026Q1-MCR.csv
        """
        from spinekg.graph import ncci
        from spinekg.graph.errors import SpinekgError
        from spinekg.graph.model import load_catalog

        if remove:
            if file is not None:
                raise SpinekgError("give either a FILE or --remove, not both")
            typer.echo("removed the imported NCCI edits" if ncci.remove_ncci() else "no NCCI edits were imported")
            return
        if file is None:
            raise SpinekgError("missing FILE (or --remove)")
        stored, read = ncci.import_ncci(file, set(load_catalog().codes))
        typer.echo(f"imported {stored} of {read} edits from {file.name} (those touching codes in the graph)")

    @check.command("addons")
    def check_addons(
        as_of: Optional[str] = typer.Option(None, "--as-of", help="Compare with the edits in force on this date (YYYY-MM-DD; default today)."),
        fmt: TextJson = text_json_option("text or json."),
    ) -> None:
        """List add-on → primary pairs the curated graph has and CMS lacks, and the reverse (exit 1 if any).

        Example: spinekg check addons --as-of 2026-01-01
        """
        import datetime as dt
        import json

        from spinekg.graph import ncci
        from spinekg.graph.errors import SpinekgError
        from spinekg.graph.model import load_catalog

        record = ncci.load_ncci()
        if record is None:
            raise SpinekgError("no NCCI edits imported; run `spinekg import ncci-addon FILE` first")
        try:
            day = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
        except ValueError:
            raise SpinekgError(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)") from None
        diff = ncci.compare(load_catalog(), record, day)
        if fmt is TextJson.json:
            typer.echo(json.dumps(diff.to_json(), indent=2))
        else:
            typer.echo(f"add-on edits compared as of {day} (CMS file {record['source_file']}, imported {record['imported_on']})")
            typer.echo(f"in spinekg, not in CMS ({len(diff.only_curated)}):")
            for a, p in diff.only_curated:
                typer.echo(f"  {a} → {p}")
            typer.echo(f"in CMS, not in spinekg ({len(diff.only_cms)}):")
            for a, p in diff.only_cms:
                typer.echo(f"  {a} → {p}")
            if diff.no_specific_primary:
                typer.echo(f"CMS names no specific primary for: {', '.join(diff.no_specific_primary)}")
            if diff.not_in_cms:
                typer.echo(f"add-ons the CMS file does not list ({len(diff.not_in_cms)}): {', '.join(diff.not_in_cms)}")
        if diff.only_curated or diff.only_cms:
            raise typer.Exit(1)
