"""`spinekg check claim CODE...` and `spinekg check claims FILE` (registered in the `check` group)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from spinekg.options import TextJson, text_json_option


def register(check: typer.Typer) -> None:
    @check.command("claim")
    def check_claim(
        items: list[str] = typer.Argument(..., help="The claim's lines: CODE[xUNITS][-MODIFIER...], e.g. 63048x2-59."),
        date: Optional[str] = typer.Option(None, "--date", help="Date of service, YYYY-MM-DD (default today)."),
        setting: str = typer.Option("practitioner", "--setting", help="practitioner or hospital: which imported PTP/MUE files apply."),
        fmt: TextJson = text_json_option("text (one line per finding) or json."),
    ) -> None:
        """Check one claim: add-ons without a primary, units, deleted codes, NCCI PTP/MUE/add-on edits.

        Each finding is one line: severity, rule, codes, why (with the facts and their source) and a fix.
        Exit status 0 when there is no error, 1 when there is one, 2 on bad input (unknown code,
        malformed units).

        Example: spinekg check claim 22551 22552 22853x2 22845 20930 --date 2026-03-02
        """
        import json

        from spinekg.graph.claims import check_claim as run, parse_date

        day = parse_date(date) if date else None
        findings = run(items, date=day, setting=setting)
        errors = sum(f.severity == "error" for f in findings)
        if fmt is TextJson.json:
            import datetime as dt

            typer.echo(json.dumps({"date": (day or dt.date.today()).isoformat(), "setting": setting,
                                   "errors": errors, "warnings": sum(f.severity == "warning" for f in findings),
                                   "findings": [f.to_json() for f in findings]}, indent=2, ensure_ascii=False))
        else:
            for f in findings:
                typer.echo(f.text())
            if not errors:
                typer.echo("no errors" + ("" if findings else ": the claim is clean"))
        if errors:
            raise typer.Exit(1)

    @check.command("claims")
    def check_claims(
        file: Path = typer.Argument(..., help="Claim lines (.csv, .tsv or .xlsx) with claim_id, date_of_service, code, units, modifiers."),
        output: str = typer.Option("-", "--output", "-o", help="Findings file (default: standard output)."),
        fmt: str = typer.Option("csv", "--format", "-f", help="csv or json."),
        force: bool = typer.Option(False, "--force", help="Overwrite the output file."),
        setting: str = typer.Option("practitioner", "--setting", help="practitioner or hospital."),
        claim_id_column: Optional[str] = typer.Option(None, "--claim-id-column", help="Column holding the claim id (default claim_id)."),
        date_column: Optional[str] = typer.Option(None, "--date-column", help="Column holding the date of service (default date_of_service)."),
        code_column: Optional[str] = typer.Option(None, "--code-column", help="Column holding the code (default code)."),
        units_column: Optional[str] = typer.Option(None, "--units-column", help="Column holding the units (default units; 1 when absent)."),
        modifiers_column: Optional[str] = typer.Option(None, "--modifiers-column", help="Column holding the modifiers, e.g. '59 XS' (default modifiers)."),
        jobs: Optional[int] = typer.Option(None, "--jobs", "-j", help="Processes to use (default: one per core for large CSV/TSV files)."),
    ) -> None:
        """Check every claim in a file; write the findings, print a summary per rule on stderr.

        The file is streamed (memory stays flat); the lines of one claim must sit together.
        Exit status 1 when any claim has an error, 2 on bad input (nothing is written then).

        Example: spinekg check claims claims.csv -o findings.csv
        """
        import sys
        import time

        from spinekg.graph.claims import check_setting
        from spinekg.graph.claims_file import FindingsWriter, check_file
        from spinekg.graph.errors import SpinekgError

        if fmt not in ("csv", "json"):
            raise SpinekgError(f"--format {fmt!r}: use csv or json")
        check_setting(setting)
        if not file.is_file():
            raise SpinekgError(f"{file}: no such file")
        names = {"claim_id": claim_id_column, "date": date_column, "code": code_column,
                 "units": units_column, "modifiers": modifiers_column}
        progress = None
        if sys.stderr.isatty():
            start = time.monotonic()

            def progress(n: int) -> None:
                sys.stderr.write(f"\r  {n:,} lines checked ({time.monotonic() - start:.0f} s)")
                sys.stderr.flush()

        from spinekg.graph.claims_parallel import check_file_parallel, default_jobs

        if jobs is not None and not 1 <= jobs <= 64:
            raise SpinekgError(f"--jobs {jobs}: use 1 to 64")
        jobs = jobs or default_jobs(file)
        writer = FindingsWriter(output, fmt, force)
        ok = False
        try:
            summary = None
            if jobs > 1 and file.suffix.lower() != ".xlsx":
                summary = check_file_parallel(file, writer, jobs=jobs, setting=setting, names=names, progress=progress)
            if summary is None:
                summary = check_file(file, setting=setting, names=names, emit=writer.write, progress=progress)
            ok = True
        finally:
            writer.close(ok)
            if progress is not None:
                sys.stderr.write("\r\033[K")
        for line in summary.text():
            typer.echo(line, err=True)
        if summary.errors:
            raise typer.Exit(1)
