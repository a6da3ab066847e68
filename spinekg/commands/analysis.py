"""Analysts' commands: `query` (SPARQL), `neighbors`, `path`, `compare`, `family`, `find`, `serve`, `push`.

Thin: the work is in graph/sparql.py, graph/traverse.py, graph/finder.py and spinekg/server.py.
"""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from spinekg.options import TextJson, facet_option, text_json_option
from spinekg.serve_fast import OPTIONS as SERVE  # serve's defaults and ranges: one table for both parsers


class EngineName(str, Enum):
    oxigraph = "oxigraph"
    rdflib = "rdflib"


QUERY_FORMATS = ("table", "csv", "tsv", "json", "xml", "turtle", "nt", "jsonld", "rdfxml")


def _emit(data, fmt: TextJson, text_fn) -> None:
    import json

    if fmt is TextJson.json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        typer.echo(text_fn(data))


def _read_query(stream, what: str) -> str:
    """At most the query size limit (+1 to notice more), decoded strictly: one-line errors."""
    from spinekg.graph.errors import SpinekgError
    from spinekg.graph.sparql.safety import MAX_QUERY_CHARS

    data = stream.read(MAX_QUERY_CHARS * 4 + 1)
    if len(data) > MAX_QUERY_CHARS * 4:
        raise SpinekgError(f"{what} holds more than a query may ({MAX_QUERY_CHARS:,} characters)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SpinekgError(f"{what} is not valid UTF-8 (byte {e.start + 1})") from None


def _read_query_file(file: str) -> str:
    import os
    import stat

    from spinekg.graph.errors import SpinekgError

    try:
        fd = os.open(file, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise SpinekgError(f"no such query file: {file}") from None
    except OSError as e:
        raise SpinekgError(f"cannot read the query file {file}: {e.strerror}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise SpinekgError(f"{file} is not a regular file")
    with os.fdopen(fd, "rb") as f:
        try:
            return _read_query(f, file)
        except OSError as e:
            raise SpinekgError(f"cannot read the query file {file}: {e.strerror}") from None


def register(app: typer.Typer) -> None:
    @app.command()
    def query(
        file: Optional[str] = typer.Argument(None, metavar="[FILE]", help="A .rq file to run ('-' reads standard input)."),
        expr: Optional[str] = typer.Option(None, "-e", "--expr", metavar="SPARQL", help="The query text itself."),
        name: Optional[str] = typer.Option(None, "--name", "-n", metavar="NAME", help="A saved query (see --list)."),
        list_saved: bool = typer.Option(False, "--list", help="List the saved queries with their titles and parameters."),
        param: Optional[List[str]] = typer.Option(None, "--param", "-p", metavar="NAME=VALUE",
                                                  help="Bind ?NAME to VALUE as an RDF term (codes become code IRIs, numbers integers). Repeatable."),
        fmt: Optional[str] = typer.Option(None, "--format", "-f", metavar="FORMAT",
                                          help="SELECT/ASK: table (default), csv, tsv, json, xml. CONSTRUCT/DESCRIBE: turtle (default), nt, jsonld, rdfxml."),
        engine: EngineName = typer.Option(EngineName.oxigraph, "--engine", help="oxigraph (fast, default) or rdflib."),
        endpoint: Optional[str] = typer.Option(None, "--endpoint", metavar="URL", help="Run against an external SPARQL 1.1 endpoint instead of the embedded graph."),
        timeout: float = typer.Option(10.0, "--timeout", metavar="SECONDS", help="Stop the query after this long (0 = no limit)."),
        max_rows: int = typer.Option(10_000, "--max-rows", metavar="N", help="Return at most N rows (or triples); a notice says when the result was cut."),
        output: str = typer.Option("-", "--output", "-o", metavar="PATH", help="Write here instead of standard output."),
        force: bool = typer.Option(False, "--force", help="Overwrite --output if it exists."),
        compact: Optional[bool] = typer.Option(None, "--compact/--full-iris",
                                               help="table, csv, tsv: codes as 63304, facet values by name, other IRIs "
                                                    "as prefixed names (default: on for table, off for csv/tsv)."),
    ) -> None:
        """Run a SPARQL query (inline, from a file, or a saved one) on the graph, read-only.

        SERVICE, FROM, LOAD and updates are refused before anything runs.

        Example: spinekg query --name addons-of-primary --param primary=63304 --format csv
        """
        if not list_saved and endpoint is None and engine is EngineName.oxigraph:
            from spinekg.graph.sparql.store import prefetch

            prefetch()  # the graph loads on another core while the query is read and checked
        import sys

        from spinekg.graph import sparql
        from spinekg.graph.errors import SpinekgError

        if list_saved:
            if file or expr or name:
                raise SpinekgError("--list takes no query")
            for q in sparql.saved_queries().values():
                params = "  " + " ".join(f"--param {p.name}={p.example}" for p in q.params) if q.params else ""
                typer.echo(f"{q.name:<30} {q.title}{params}")
            return
        if sum(x is not None for x in (file, expr, name)) != 1:
            raise SpinekgError("give exactly one query: FILE, -e SPARQL or --name NAME (or --list)")
        if fmt is not None and fmt not in QUERY_FORMATS:
            raise SpinekgError(f"unknown format {fmt!r}; choose one of {', '.join(QUERY_FORMATS)}")
        if max_rows < 1:
            raise SpinekgError("--max-rows must be 1 or more")
        if output != "-":
            from spinekg.exports.atomic import check_writable

            check_writable(Path(output), force)
        saved = None
        if name is not None:
            saved = sparql.get_saved(name)
            text = saved.text
        elif expr is not None:
            text = expr
        elif file == "-":
            text = _read_query(sys.stdin.buffer, "standard input")
        else:
            text = _read_query_file(file)
        timeout = sparql.check_timeout(timeout)
        # refuse before anything loads or runs; rdflib's parser is pure Python, so the timeout stops it too
        info = sparql.call_with_timeout(lambda: sparql.check_query(text), timeout)
        if fmt is not None and (fmt in sparql.GRAPH_FORMATS) != info.is_graph:
            kinds = sparql.GRAPH_FORMATS if info.is_graph else sparql.SELECT_FORMATS
            raise SpinekgError(f"--format {fmt} does not fit a {info.form} query; use {', '.join(kinds)}")
        notes: list[str] = []
        eng = sparql.make_engine(engine.value, endpoint)
        result = sparql.run(text, sparql.parse_param_args(param), saved=saved, engine=eng,
                            timeout=timeout, max_rows=max_rows, notes=notes)
        for note in notes:
            typer.echo(f"note: {note}", err=True)
        chosen = fmt or ("turtle" if result.is_graph else "table")
        if compact and chosen not in ("table", "csv", "tsv"):
            raise SpinekgError(f"--compact is for table, csv and tsv output, not {chosen}")
        if compact or (compact is None and chosen == "table"):
            from spinekg.graph.sparql.formats import compact_result

            result = compact_result(result)
        out = sparql.format_result(result, fmt)
        if output == "-":
            typer.echo(out.rstrip("\n"))
        else:
            from spinekg.exports.atomic import write_atomic

            write_atomic(output, out, force=force)
        if result.truncated:
            typer.echo(f"warning: truncated: only the first {max_rows} "
                       f"{'triples' if result.is_graph else 'rows'} are shown (raise --max-rows)", err=True)

    @app.command()
    def neighbors(
        code: str = typer.Argument(..., help="A code, e.g. 63304."),
        depth: int = typer.Option(1, "--depth", "-d", min=1, max=6, help="How many relations away (1-6)."),
        fmt: TextJson = text_json_option("text or json."),
    ) -> None:
        """List what a code is related to (regions, approaches, groups, add-ons, ...), up to N steps away.

        Example: spinekg neighbors 63304 --depth 2
        """
        from spinekg.graph import traverse

        _emit(traverse.neighbors(code, depth), fmt, traverse.neighbors_text)

    @app.command()
    def path(
        a: str = typer.Argument(..., metavar="A", help="A code."),
        b: str = typer.Argument(..., metavar="B", help="Another code."),
        fmt: TextJson = text_json_option("text or json."),
    ) -> None:
        """The shortest chain of relations between two codes, each step named.

        Example: spinekg path 63304 63081
        """
        from spinekg.graph import traverse

        _emit(traverse.path(a, b), fmt, traverse.path_text)

    @app.command()
    def compare(
        codes: List[str] = typer.Argument(..., metavar="A B [C] [D]", help="Two to four codes."),
        fmt: TextJson = text_json_option("text or json."),
    ) -> None:
        """Compare 2-4 codes facet by facet, then their add-ons, primaries and reported-with codes.

        Example: spinekg compare 63081 63085
        """
        from spinekg.graph import traverse

        _emit(traverse.compare(*codes), fmt, traverse.compare_text)

    @app.command()
    def family(
        code: str = typer.Argument(..., help="A code, e.g. 63304 (with --table also a range, e.g. 63081-63091)."),
        table: bool = typer.Option(False, "--table", help="Show the code's range group as a table of the facets that vary in it."),
        fmt: TextJson = text_json_option("text or json."),
    ) -> None:
        """Codes that differ from a code in exactly one facet, grouped by that facet; or, with
        --table, its family (range group) laid out by the facets that vary inside it.

        Example: spinekg family 63081 --table
        """
        from spinekg.graph import traverse

        if not table:
            _emit(traverse.family(code), fmt, traverse.family_text)
            return
        from spinekg.exports.family_table import build_table, table_text
        from spinekg.graph.errors import SpinekgError
        from spinekg.graph.model import load_catalog
        from spinekg.graph.select import get_code

        catalog = load_catalog()
        given = code.strip().replace("\u2013", "-")
        group = given if given in catalog.groups else get_code(catalog, given).group
        if not any(m in catalog.codes for m in catalog.groups[group]["members"]):
            raise SpinekgError(f"{group} holds no codes directly; give a code or one of its smaller ranges")
        _emit(build_table(catalog, group), fmt, table_text)

    @app.command()
    def find(
        procedure: Optional[List[str]] = facet_option("procedure"),
        region: Optional[List[str]] = facet_option("region"),
        approach: Optional[List[str]] = facet_option("approach"),
        lesion: Optional[List[str]] = facet_option("lesion"),
        access: Optional[List[str]] = facet_option("access"),
        imaging: Optional[List[str]] = facet_option("imaging"),
        agent: Optional[List[str]] = facet_option("agent"),
        delivery: Optional[List[str]] = facet_option("delivery"),
        device: Optional[List[str]] = facet_option("device"),
        device_action: Optional[List[str]] = facet_option("device_action"),
        units: Optional[int] = typer.Option(None, "--units", metavar="N", help="How many segments or interspaces the operation covers."),
        unit: Optional[str] = typer.Option(None, "--unit", metavar="NAME", help='What --units counts, e.g. interspace or "vertebral segment".'),
        as_of: Optional[int] = typer.Option(None, "--as-of", metavar="YEAR", help="Answer from the code set as it stood in that year."),
        fmt: TextJson = text_json_option("text or json."),
    ) -> None:
        """Which codes to report for an operation, how many times, and why (exit 1 when nothing fits).

        Example: spinekg find --procedure corpectomy --region lumbar --approach "lateral extracavitary" --units 3
        """
        from spinekg.graph.finder import find as run_find
        from spinekg.graph.finder import find_text
        from spinekg.graph.model import load_catalog

        d = run_find(load_catalog(), procedure=procedure, region=region, approach=approach, lesion=lesion,
                     units=units, unit=unit, as_of=as_of, access=access, imaging=imaging, agent=agent,
                     delivery=delivery, device=device, device_action=device_action)
        _emit(d, fmt, find_text)
        if not d["solutions"]:
            raise typer.Exit(1)

    @app.command()
    def serve(
        host: str = typer.Option(SERVE["--host"].default, "--host", help="Address to listen on (loopback by default)."),
        port: int = typer.Option(SERVE["--port"].default, "--port", min=SERVE["--port"].lo, max=SERVE["--port"].hi, help="Port (0 = any free port)."),
        engine: EngineName = typer.Option(EngineName(SERVE["--engine"].default), "--engine", help="oxigraph (default) or rdflib."),
        endpoint: Optional[str] = typer.Option(None, "--endpoint", metavar="URL", help="Proxy to an external SPARQL endpoint instead of the embedded graph."),
        timeout: float = typer.Option(SERVE["--timeout"].default, "--timeout", metavar="SECONDS", help="Stop a query after this long."),
        max_rows: int = typer.Option(SERVE["--max-rows"].default, "--max-rows", metavar="N", help="Cap on rows per result."),
        workers: int = typer.Option(SERVE["--workers"].default, "--workers", min=SERVE["--workers"].lo, max=SERVE["--workers"].hi, help="Query worker processes for any query (a timed-out one is killed and replaced)."),
        fast_workers: int = typer.Option(SERVE["--fast-workers"].default, "--fast-workers", min=SERVE["--fast-workers"].lo, max=SERVE["--fast-workers"].hi, help="Extra workers kept for queries that look cheap, so they are answered while slow ones run."),
        memory_mb: int = typer.Option(SERVE["--memory-mb"].default, "--memory-mb", min=SERVE["--memory-mb"].lo, max=SERVE["--memory-mb"].hi, metavar="MB", help="Memory one query may use in a worker; past it the query is stopped (503)."),
        queue: int = typer.Option(SERVE["--queue"].default, "--queue", min=SERVE["--queue"].lo, max=SERVE["--queue"].hi, metavar="N", help="Queries that may wait for a worker; more get 503 with Retry-After."),
        cors_origin: Optional[List[str]] = typer.Option(None, "--cors-origin", metavar="ORIGIN", help="Let this web origin read results (repeatable; never '*')."),
        allow_host: Optional[List[str]] = typer.Option(None, "--allow-host", metavar="HOST[:PORT]", help="Extra Host header to accept (e.g. behind a reverse proxy)."),
    ) -> None:
        """Serve the graph over the SPARQL 1.1 Protocol (read-only), with a query page at / and FHIR at /fhir.

        Listens on 127.0.0.1 only unless --host says otherwise (then it warns: anyone who can reach
        the address can query the graph and your imported descriptors).

        Example: spinekg serve --port 8000
        """
        from spinekg.server import run_server

        run_server(host=host, port=port, engine=engine.value, endpoint=endpoint, timeout=timeout,
                   max_rows=max_rows, workers=workers, fast_workers=fast_workers, memory_mb=memory_mb,
                   queue_limit=queue, cors_origins=list(cors_origin or []),
                   allow_hosts=list(allow_host or []), announce=lambda msg: typer.echo(msg, err=True))

    @app.command()
    def push(
        endpoint: str = typer.Option(..., "--endpoint", metavar="URL", help="The Graph Store Protocol URL, e.g. http://127.0.0.1:7878/store."),
        graph: Optional[str] = typer.Option(None, "--graph", metavar="IRI", help="Named graph to load into (default: the default graph)."),
        append: bool = typer.Option(False, "--append", help="Add to the graph (POST) instead of replacing it (PUT)."),
        timeout: float = typer.Option(60.0, "--timeout", metavar="SECONDS", help="HTTP timeout."),
    ) -> None:
        """Load the graph into an external SPARQL server via the SPARQL 1.1 Graph Store Protocol.

        Example: spinekg push --endpoint http://127.0.0.1:7878/store --graph https://w3id.org/spinekg/graph
        """
        from spinekg.graph.sparql import check_timeout
        from spinekg.graph.sparql import push as run_push

        n = run_push(endpoint, graph, append=append, timeout=check_timeout(timeout) or 3600.0)
        where = f"graph <{graph}>" if graph else "the default graph"
        typer.echo(f"{'added' if append else 'loaded'} {n} triples into {where} at {endpoint}")
