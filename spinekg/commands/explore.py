"""`spinekg explore`: the whole graph as one self-contained, offline HTML file.

The page is a pure function of the compiled catalog, the options and the code that renders it, so
it is kept beside the compiled cache: a repeat `explore` writes the kept page without importing
pyvis or networkx. A damaged kept page fails its checksum and is rendered again.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import typer

DEFAULT_OUTPUT = "spinekg-explorer.html"
PAGE_KIND = "explorer"  # cache files explorer-LAYOUT-vN-KEY.json beside the compiled catalog
# what renders the page besides the catalog (whose key, compiled.catalog_key, covers the data, the
# user's descriptors, model.py, labels.py and network.py): each file's name, size and modification
# time are in the page's key, so an edited checkout never serves a stale page (an installed package changes version too)
RENDERER = ("exports/*.py", "exports/assets/*", "graph/search.py", "graph/select.py", "graph/textsafe.py")


def _renderer_digest() -> bytes:
    import importlib.util

    import spinekg.exports
    import spinekg.graph

    roots = {"exports": Path(spinekg.exports.__file__).parent, "graph": Path(spinekg.graph.__file__).parent}
    h = hashlib.sha256()
    for pattern in RENDERER:
        folder, _, glob = pattern.partition("/")
        for path in sorted(roots[folder].glob(glob)):
            try:
                st = path.stat()
            except OSError:
                continue
            h.update(f"{pattern}:{path.name}:{st.st_size}:{st.st_mtime_ns}\0".encode())
    spec = importlib.util.find_spec("pyvis")  # its vis-network script is inlined: its version counts
    where = list(spec.submodule_search_locations or []) if spec else []
    if where:
        try:
            st = Path(where[0], "__init__.py").stat()
            h.update(f"pyvis:{where[0]}:{st.st_size}:{st.st_mtime_ns}".encode())
        except OSError:
            pass
    return h.digest()


def page_key(layout: str) -> str:
    """The kept page's key: the compiled catalog's key, the options, the version and the renderer."""
    from spinekg import __version__
    from spinekg.graph.compiled import catalog_key

    h = hashlib.sha256(f"{catalog_key()}\0{layout}\0{__version__}\0".encode())
    h.update(_renderer_digest())
    return h.hexdigest()[:32]


def explorer_page(layout: str) -> str:
    """The explorer's HTML for the whole graph: the kept page when it is current, else rendered and kept."""
    from spinekg.graph.compiled import read_cached, write_cached

    key, kind = page_key(layout), f"{PAGE_KIND}-{layout}"
    cached = read_cached(key, kind)
    if cached is not None and isinstance(cached.get("html"), str):
        return cached["html"]
    from spinekg.exports.html import render_html
    from spinekg.graph.model import load_catalog

    text = render_html(load_catalog(), layout=layout)
    write_cached(key, {"html": text}, kind)  # best effort: a read-only cache only costs speed
    return text


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
        from spinekg.exports.html_graph import LAYOUTS
        from spinekg.graph.errors import SpinekgError

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
        text = explorer_page(layout)
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
