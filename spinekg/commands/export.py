"""`spinekg export FORMAT`: write the graph for other tools. The formats come from exports/registry.py."""
from __future__ import annotations

from enum import Enum
from typing import List, Optional

import typer

from spinekg.exports.registry import FORMATS, format_names
from spinekg.options import facet_filters, facet_option


class Layout(str, Enum):
    force = "force"
    hierarchical = "hierarchical"


def _help() -> str:
    width = max(len(n) for n in FORMATS)
    lines = [f"  {name:<{width}}  {fmt.summary} [{fmt.filename}{'/' if fmt.multi_file else ''}]"
             for name, fmt in FORMATS.items()]
    return (
        "Export the graph (or the codes the filters select) for terminology and graph tools.\n\n"
        "FORMAT is one of:\n\n\b\n" + "\n".join(lines) + "\n"
        f"  {'all':<{width}}  every format above into one folder, with manifest.json (sha256, counts)\n\n"
        "Nothing is overwritten without --force; files are written atomically; -o - writes a one-file "
        "format to stdout. The default output is the name in brackets, in the current folder.\n\n"
        "Example: spinekg export fhir -o spine.json --region lumbar"
    )


def register(app) -> None:
    def export(
        fmt: str = typer.Argument(..., metavar="FORMAT", help=f"One of: {', '.join(format_names(with_all=True))}."),
        output: Optional[str] = typer.Option(None, "--output", "-o", metavar="PATH",
                                             help="File, folder, or - for stdout (default: see above)."),
        force: bool = typer.Option(False, "--force", help="Overwrite existing files."),
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
        evidence: Optional[List[str]] = typer.Option(None, "--evidence", metavar="LEVEL", help="confirmed, inferred or unconfirmed: only codes of these levels."),
        as_of: Optional[int] = typer.Option(None, "--as-of", metavar="YEAR", help="The code set as it stood in that year."),
        focus: Optional[str] = typer.Option(None, "--focus", metavar="CODE", help="html: centre on this code."),
        depth: Optional[int] = typer.Option(None, "--depth", metavar="N", min=0, help="html: steps around --focus (default 1)."),
        layout: Optional[Layout] = typer.Option(None, "--layout", help="html: force or hierarchical (default force)."),
    ) -> None:
        import sys

        from spinekg.exports import manifest
        from spinekg.exports.registry import ExportSource, get_format
        from spinekg.graph.errors import SpinekgError
        from spinekg import __version__

        name = fmt.strip().lower()
        options = {"focus": focus, "depth": depth, "layout": layout.value if layout else None}
        given = [f"--{k}" for k, v in options.items() if v is not None]
        if name != "all":
            target_fmt = get_format(name)  # unknown format: error listing the valid ones
            if given and not set(target_fmt.options) >= {g[2:] for g in given}:
                raise SpinekgError(f"{', '.join(given)} appl{'ies' if len(given) == 1 else 'y'} to html only")
        # the filters of `spinekg list`, with its meaning: OR within a filter, AND across filters
        filters = {**facet_filters(region=region, approach=approach, procedure=procedure, lesion=lesion, access=access,
                                   imaging=imaging, agent=agent, delivery=delivery, device=device,
                                   device_action=device_action),
                   "kind": kind, "evidence": evidence, "as_of": as_of}

        # 1. check every target before any work
        if name == "all":
            outdir, plan = manifest.plan_all(output, force=force)
        else:
            fmt_obj, target = manifest.plan_one(name, output, force=force)

        # 2. select the codes
        codes = None
        if any(v is not None and v != [] for v in filters.values()):
            from spinekg.graph.model import load_catalog
            from spinekg.graph.select import filter_codes

            records = filter_codes(load_catalog(), **filters)
            if not records:
                raise SpinekgError("no codes match the filters; nothing exported")
            codes = [r.code for r in records]
        source = ExportSource.load(codes, version=__version__)

        # 3. build and write
        if name == "all":
            done = manifest.export_all(outdir, plan, source, force=force, options=options, filters=filters)
            for e in done["files"]:
                typer.echo(f"wrote {outdir / e['file']} ({manifest.describe(e)})", err=True)
            typer.echo(f"wrote {outdir / manifest.MANIFEST} ({len(done['files'])} files, "
                       f"{done['codes']} codes)", err=True)
        else:
            entries = manifest.export_one(fmt_obj, target, source, force=force, options=options)
            if target != "-":
                where = target if not fmt_obj.multi_file else f"{target}/"
                total = ", ".join(f"{e['file'].rsplit('/', 1)[-1]}: {manifest.describe(e)}" for e in entries) \
                    if fmt_obj.multi_file else manifest.describe(entries[0])
                typer.echo(f"wrote {where} ({total})", err=True)
            else:
                sys.stdout.flush()

    export.__doc__ = _help()
    app.command("export", help=_help())(export)
