"""`spinekg import descriptors|ncci-addon|ncci-ptp|ncci-mue` and `spinekg check addons|claim|claims`."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from spinekg.options import TextJson, text_json_option


def _setting(value: Optional[str]) -> Optional[str]:
    from spinekg.graph.claims import check_setting

    return check_setting(value) if value is not None else None


def _removing(kind: str, file, remove: bool, quarter: Optional[str], everything: bool) -> bool:
    """Handle --remove (True when done); refuse a missing FILE or FILE together with --remove."""
    from spinekg.graph import ncci
    from spinekg.graph.errors import SpinekgError

    if everything and not remove:
        raise SpinekgError("--all goes with --remove")
    if remove:
        if file is not None:
            raise SpinekgError("give either a FILE or --remove, not both")
        n = ncci.remove_ncci(kind, quarter, everything)
        what = "NCCI imports" if everything else f"imported NCCI {kind.upper()} files" + (f" of {quarter}" if quarter else "")
        typer.echo(f"removed {n} {what}" if n else f"no {what} were imported")
        return True
    if file is None:
        raise SpinekgError("missing FILE (or --remove)")
    return False


def register(app: typer.Typer) -> None:
    imports = typer.Typer(help="Load your own licensed files (kept in your data folder, never in the repository).\n\n"
                               "Example: spinekg import descriptors my-cpt-descriptors.csv",
                          no_args_is_help=True, rich_markup_mode=None)
    check = typer.Typer(help="Check claims against the graph and CMS's NCCI edits; compare the graph with imported files.\n\n"
                             "Example: spinekg check claim 22551 22552 22853x2",
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
        file: Optional[Path] = typer.Argument(None, help="CMS's NCCI add-on code edit file (fixed-width .txt, .xlsx, or a .csv/.tsv export)."),
        quarter: Optional[str] = typer.Option(None, "--quarter", help="The file's quarter, e.g. 2026Q1 (default: from the file name AOC_V2026Q1-…)."),
        remove: bool = typer.Option(False, "--remove", help="Remove the imported add-on edits (of --quarter only, if given)."),
        remove_all: bool = typer.Option(False, "--all", help="With --remove: remove every NCCI import (AOC, PTP and MUE)."),
    ) -> None:
        """Import CMS's NCCI add-on code edits as dated, typed add-on edges (quarters side by side).

        Example: spinekg import ncci-addon AOC_V2026Q1-MCR.txt
        """
        from spinekg.graph import ncci
        from spinekg.graph.claims import curated_catalog

        if _removing("aoc", file, remove, quarter, remove_all):
            return
        stored, read = ncci.import_ncci(file, set(curated_catalog().codes), quarter=quarter)
        typer.echo(f"imported {stored} of {read} edits from {file.name} (those touching codes in the graph)")

    @imports.command("ncci-ptp")
    def import_ptp(
        files: Optional[list[Path]] = typer.Argument(None, help="CMS's PTP edit file(s) of one release (.txt or .xlsx; the parts f1…f4 together or one by one)."),
        setting: Optional[str] = typer.Option(None, "--setting", help="practitioner or hospital (default: from the file name ccipra-/ccioph-)."),
        quarter: Optional[str] = typer.Option(None, "--quarter", help="The release's quarter, e.g. 2026Q2 (default: from the version in the file name)."),
        remove: bool = typer.Option(False, "--remove", help="Remove the imported PTP edits (of --quarter only, if given)."),
    ) -> None:
        """Import CMS's NCCI procedure-to-procedure edits (pairs not paid together on one day).

        Every row is checked first: a malformed row is reported with its line number and nothing is
        imported. Only edits touching a code in the graph are kept, with the file, version, quarter
        and dates; `check claim` applies the ones in force on the date of service.

        Example: spinekg import ncci-ptp ccipra-v321r0-f1.txt ccipra-v321r0-f2.txt
        """
        from spinekg.graph import ncci
        from spinekg.graph.claims import curated_catalog

        if _removing("ptp", files[0] if files else None, remove, quarter, False):
            return
        imp, read = ncci.import_ptp(files, set(curated_catalog().codes), quarter=quarter, setting=_setting(setting))
        typer.echo(f"imported {len(imp.rows)} of {read} PTP edits from {imp.source_file} "
                   f"({imp.setting}, {imp.quarter or 'quarter not given'}; those touching codes in the graph)")

    @imports.command("ncci-mue")
    def import_mue(
        file: Optional[Path] = typer.Argument(None, help="CMS's MUE table (.csv or .xlsx), practitioner or outpatient hospital."),
        setting: Optional[str] = typer.Option(None, "--setting", help="practitioner or hospital (default: from the file name)."),
        quarter: Optional[str] = typer.Option(None, "--quarter", help="The table's quarter, e.g. 2026Q1 (default: from …_Eff_MM-DD-YYYY in the name)."),
        remove: bool = typer.Option(False, "--remove", help="Remove the imported MUE tables (of --quarter only, if given)."),
    ) -> None:
        """Import CMS's NCCI medically unlikely edits (most units per code per day or line).

        Example: spinekg import ncci-mue MCR_MUE_PractitionerServices_Eff_01-01-2026.csv
        """
        from spinekg.graph import ncci
        from spinekg.graph.claims import curated_catalog

        if _removing("mue", file, remove, quarter, False):
            return
        imp, read = ncci.import_mue(file, set(curated_catalog().codes), quarter=quarter, setting=_setting(setting))
        typer.echo(f"imported {len(imp.rows)} of {read} MUE limits from {imp.source_file} "
                   f"({imp.setting}, {imp.quarter}; those for codes in the graph)")

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
        from spinekg.graph.claims import curated_catalog

        try:
            day = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
        except ValueError:
            raise SpinekgError(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)") from None
        record = ncci.aoc_record(day)
        if record is None:
            raise SpinekgError("no NCCI edits imported for add-ons; run `spinekg import ncci-addon FILE` first")
        diff = ncci.compare(curated_catalog(), record, day)
        if fmt is TextJson.json:
            typer.echo(json.dumps(diff.to_json(), indent=2))
        else:
            quarter = f" {record['quarter']}" if record["quarter"] else ""
            typer.echo(f"add-on edits compared as of {day} (CMS file {record['source_file']}{quarter}, imported {record['imported_on']})")
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

    from spinekg.commands.claims import register as register_claims

    register_claims(check)
