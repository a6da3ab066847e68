"""`spinekg explore`: the whole graph as one self-contained, offline HTML file."""
from __future__ import annotations

from pathlib import Path

import typer

DEFAULT_OUTPUT = "spinekg-explorer.html"


def register(app) -> None:
    @app.command()
    def explore(
        output: Path = typer.Option(Path(DEFAULT_OUTPUT), "--output", "-o", metavar="FILE",
                                    show_default=False,
                                    help=f"Where to write the page (default: ./{DEFAULT_OUTPUT}; '-' for stdout)."),
        open_: bool = typer.Option(True, "--open/--no-open", help="Open the page in your web browser when written."),
        force: bool = typer.Option(False, "--force", help="Overwrite FILE if it exists."),
        layout: str = typer.Option("force", "--layout", metavar="LAYOUT", help="force or hierarchical."),
    ) -> None:
        """Write the whole graph as one interactive HTML file that works offline (double-click it).

        Families at a glance, a table per family, a focus view per code, comparisons, search with
        coders' words, links that keep the view (#code=63304). A page this command wrote before is
        refreshed; any other existing FILE needs --force. Nothing is loaded from the network.

        Example: spinekg explore -o spine.html --no-open
        """
        from spinekg.exports.atomic import check_writable, write_atomic
        from spinekg.exports.html import LAYOUTS, render_html
        from spinekg.graph.errors import SpinekgError
        from spinekg.graph.model import load_catalog

        if layout not in LAYOUTS:
            raise SpinekgError(f"unknown layout {layout!r}; valid values: {', '.join(LAYOUTS)}")
        to_stdout = str(output) == "-"
        refresh = False
        if not to_stdout and not force and output.is_file():
            # the default page this command wrote before is refreshed, so the README's first
            # command can be run again; any other existing file is left alone without --force
            from spinekg.exports.html import written_by_spinekg

            with open(output, encoding="utf-8", errors="replace") as f:
                refresh = written_by_spinekg(f.read(2048))
        if not to_stdout:
            check_writable(output, force or refresh)  # refuse before doing any work
        text = render_html(load_catalog(), layout=layout)
        path = write_atomic(output, text, force=force or refresh)
        if to_stdout:
            return
        size = len(text.encode("utf-8"))
        verb = "refreshed" if refresh else "wrote"
        typer.echo(f"{verb} {path} ({size / 1024:.0f} KiB); open it in a web browser, no network needed")
        if open_:
            import webbrowser

            if not webbrowser.open(path.resolve().as_uri()):
                typer.echo("could not start a web browser: open the file yourself", err=True)
