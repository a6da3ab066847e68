"""`spinekg search TEXT`: codes, range groups and facet values by code, range, words or coders' words."""
from __future__ import annotations

import typer

from spinekg.options import TextJson, text_json_option


def register(app) -> None:
    @app.command()
    def search(
        text: str = typer.Argument(..., metavar="TEXT", help='A code (63304), part of one (6308), a range (63081-63091) or words (ACDF, "spinal cord tumor").'),
        limit: int = typer.Option(20, "--limit", "-n", min=1, metavar="N", help="Show at most N matches (the count says how many there are)."),
        fmt: TextJson = text_json_option("text or json."),
    ) -> None:
        """Find codes, range groups and facet values, best first; knows coders' words (TLIF, tumor, cage, fusion, level).

        Exact code matches come first. The words are the graph's skos:altLabel / skos:hiddenLabel
        (graph/data/synonyms.ttl), the same the explorer's search box uses. Exit 1 when nothing matches.

        Example: spinekg search TLIF
        """
        import json

        from spinekg.graph.errors import SpinekgError
        from spinekg.graph.model import load_catalog
        from spinekg.graph.search import search as run_search
        from spinekg.graph.search import search_text

        if not text.strip():
            raise SpinekgError("give some text to search for")
        d = run_search(load_catalog(), text, limit=limit)
        if fmt is TextJson.json:
            typer.echo(json.dumps(d, indent=2, ensure_ascii=False))
        else:
            typer.echo(search_text(d))
        if not d["count"]:
            raise typer.Exit(1)
