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

        Search a code, filter by region, approach, procedure or node kind, click a code for its
        card, save the view as PNG. Nothing is loaded from the network; nothing else is written.

        Example: spinekg explore -o spine.html --no-open
        """
        from spinekg.exports.atomic import check_writable, write_atomic
        from spinekg.exports.html import LAYOUTS, render_html
        from spinekg.graph.errors import SpinekgError
        from spinekg.graph.model import load_catalog

        if layout not in LAYOUTS:
            raise SpinekgError(f"unknown layout {layout!r}; valid values: {', '.join(LAYOUTS)}")
        to_stdout = str(output) == "-"
        if not to_stdout:
            check_writable(output, force)  # refuse before doing any work
        text = render_html(load_catalog(), layout=layout)
        path = write_atomic(output, text, force=force)
        if to_stdout:
            return
        size = len(text.encode("utf-8"))
        typer.echo(f"wrote {path} ({size / 1024:.0f} KiB); open it in a web browser, no network needed")
        if open_:
            import webbrowser

            if not webbrowser.open(path.resolve().as_uri()):
                typer.echo("could not start a web browser: open the file yourself", err=True)
