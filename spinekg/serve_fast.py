"""`spinekg serve` with plain options, answered without loading click and typer (~15 ms of CPU at
start, on the core the first query worker needs).

spinekg.cli.main hands `spinekg serve ARGS` here first. OPTIONS is the one table of serve's
valued options: the typer command (spinekg/commands/analysis.py) takes its defaults and ranges
from it. parse() accepts only what that command accepts in the same way: each value converted as
click converts it (int(), float()) and checked against the same closed range. Anything else
(help, a typo, a missing, out-of-range or dash-led value, --endpoint) gives None and goes to
click, which reports it or runs it. tests/test_serve_fast.py checks that both paths hand
run_server the same arguments.
"""
from __future__ import annotations

import sys
from typing import NamedTuple

from spinekg.http.spawn import DEFAULT_MEMORY_MB


class Opt(NamedTuple):
    kwarg: str  # spinekg.server.run_server's keyword
    convert: type  # as click converts the text: int, float or str
    default: object
    lo: int | None = None  # click.IntRange's closed bounds, as typer.Option(min=, max=) makes them
    hi: int | None = None
    multiple: bool = False


ENGINES = ("oxigraph", "rdflib")
OPTIONS = {
    "--host": Opt("host", str, "127.0.0.1"),
    "--port": Opt("port", int, 8000, 0, 65535),
    "--engine": Opt("engine", str, "oxigraph"),  # one of ENGINES
    "--timeout": Opt("timeout", float, 10.0),
    "--max-rows": Opt("max_rows", int, 10_000),
    "--workers": Opt("workers", int, 2, 1, 32),
    "--fast-workers": Opt("fast_workers", int, 1, 0, 32),
    "--memory-mb": Opt("memory_mb", int, DEFAULT_MEMORY_MB, 64, 1 << 20),
    "--queue": Opt("queue_limit", int, 512, 1, 100_000),
    "--cors-origin": Opt("cors_origins", str, (), multiple=True),
    "--allow-host": Opt("allow_hosts", str, (), multiple=True),
}


def parse(args: list[str]) -> dict | None:
    """run_server's keywords for `spinekg serve ARGS`, or None when click should read ARGS."""
    kw = {o.kwarg: ([] if o.multiple else o.default) for o in OPTIONS.values()}
    i = 0
    while i < len(args):
        name, eq, value = args[i].partition("=")
        opt = OPTIONS.get(name)
        if opt is None:
            return None
        if not eq:
            i += 1
            if i == len(args):
                return None
            value = args[i]
        if value.startswith("-"):
            return None
        try:
            converted = opt.convert(value)
        except ValueError:
            return None
        if (opt.lo is not None and converted < opt.lo) or (opt.hi is not None and converted > opt.hi):
            return None
        if opt.multiple:
            kw[opt.kwarg].append(converted)
        else:
            kw[opt.kwarg] = converted
        i += 1
    if kw["engine"] not in ENGINES:
        return None
    return kw


def serve(args: list[str]) -> int | None:
    """Run `spinekg serve ARGS` and return its exit status; None (nothing done) when click should."""
    kw = parse(args)
    if kw is None:
        return None
    from spinekg.graph.errors import SpinekgError
    from spinekg.server import run_server

    try:
        run_server(**kw, announce=_announce)
    except SpinekgError as e:  # as spinekg.cli_app.SpinekgGroup.invoke reports it
        from spinekg.graph.textsafe import terminal_text

        sys.stderr.write(f"error: {terminal_text(str(e))}\n")
        return e.exit_code
    except KeyboardInterrupt:
        return 130
    except OSError as e:  # e.g. standard error gone: one line, as spinekg.cli_app._main says it
        from spinekg.graph.userfiles import os_error_message

        sys.stderr.write(f"error: {os_error_message(e.filename or 'standard error', e, 'write')}\n")
        return 2
    return 0


def _announce(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()
