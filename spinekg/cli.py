"""The `spinekg` command's entry point (spinekg.cli_app holds the typer app and its commands).

main() first starts what a command can start before its command line is parsed: serve's first
query worker (spinekg/http/spawn.py), a query's kept graph on another core. `spinekg serve` with
plain options is then answered without click and typer (spinekg/serve_fast.py); everything else,
and any serve command line it does not read, goes to the typer app.
"""
from __future__ import annotations

import sys


def main() -> None:
    """Console entry point: user errors become one line on stderr, never a traceback."""
    args = sys.argv[1:]
    if args[:1] == ["serve"]:
        from spinekg.http.spawn import spawn_early

        spawn_early(args[1:])  # the worker loads the graph while this process imports the server
        from spinekg.serve_fast import serve

        code = serve(args[1:])
        if code is not None:
            sys.exit(code)
    elif args[:1] == ["query"] and not any(a.startswith(("--endpoint", "--engine", "--list", "-h", "--help"))
                                           for a in args[1:]):
        from spinekg.graph.sparql.store import prefetch  # the kept graph loads on another core meanwhile

        prefetch()
    from spinekg.cli_app import main as run_app

    run_app()


def __getattr__(name: str):
    """`from spinekg.cli import app` (and the app module's other names), as before the split."""
    if name.startswith("__"):  # the import system asks for __path__ and the like: not the app's
        raise AttributeError(f"module 'spinekg.cli' has no attribute {name!r}")
    import spinekg.cli_app

    try:
        return getattr(spinekg.cli_app, name)
    except AttributeError:
        raise AttributeError(f"module 'spinekg.cli' has no attribute {name!r}") from None
