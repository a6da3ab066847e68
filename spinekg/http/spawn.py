"""Starting a query worker process without importing the query machinery first, so a starting
server spawns its first worker at once and imports uvicorn and the rest while the worker loads.

`spinekg serve` starts it even sooner: spinekg.cli calls spawn_early() with the command line
before it imports click and typer (60-100 ms the worker then spends loading the graph). Only a
command line of known options with their values qualifies; make_server takes the worker if its
engine and memory cap are the ones the parsed options ask for, and kills it otherwise. A command
that fails before (a usage error, a busy port) kills it at exit; a killed CLI, within 0.1 s (the
worker watches its parent).
"""
from __future__ import annotations

DEFAULT_MEMORY_MB = 1024  # = graph.sparql.workers.DEFAULT_MEMORY_MB (a test keeps them equal)
_VALUED = frozenset({"--host", "--port", "--timeout", "--max-rows", "--workers", "--fast-workers", "--queue",
                     "--cors-origin", "--allow-host", "--engine", "--memory-mb"})  # serve's options, less --endpoint
_early: list = []  # [(engine, memory_mb), (process, stderr file)] of the worker spawn_early started


def spawn_worker(engine: str, memory_mb: int = DEFAULT_MEMORY_MB):
    """(process, stderr file) of `python -m spinekg.graph.sparql worker ENGINE`; hand both to
    graph.sparql.workers.Worker(spawned=...), which waits for its `ready` line. This first worker
    imports rdflib's SPARQL parser only for a query whose verdict is not on disk (the first
    answer does not wait for it); the workers started after it import it before they are ready."""
    import os
    import subprocess
    import sys
    import tempfile

    stderr = tempfile.TemporaryFile()  # unnamed: nothing is left behind, whatever happens
    proc = subprocess.Popen([sys.executable, "-m", "spinekg.graph.sparql", "worker", engine,
                             "--memory-mb", str(memory_mb), "--lazy-parser"],
                            env={**os.environ, "SPINEKG_WORKER_PARENT": str(os.getpid())},
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr)
    return proc, stderr


def early_options(args: list[str]) -> tuple[str, int] | None:
    """(engine, memory_mb) of `spinekg serve ARGS` when ARGS are only serve's valued options
    (`--opt VALUE` or `--opt=VALUE`, not --endpoint); None for anything else (help, a typo...)."""
    opts = {"--engine": "oxigraph", "--memory-mb": str(DEFAULT_MEMORY_MB)}
    i = 0
    while i < len(args):
        name, eq, value = args[i].partition("=")
        if name not in _VALUED:
            return None
        if not eq:
            i += 1
            if i == len(args):
                return None
            value = args[i]
        opts[name] = value
        i += 1
    engine, mb = opts["--engine"], opts["--memory-mb"]
    if engine not in ("oxigraph", "rdflib") or not mb.isdigit() or not 64 <= int(mb) <= 1 << 20:
        return None
    return engine, int(mb)


def spawn_early(args: list[str]) -> None:
    """Start the first worker of `spinekg serve ARGS` now, if early_options() can read ARGS."""
    wanted = early_options(args)
    if wanted is None or _early:
        return
    import atexit

    _early[:] = [wanted, spawn_worker(*wanted)]
    atexit.register(drop_early)


def take_early(engine: str, memory_mb: int):
    """The worker spawn_early started, if it has this engine and cap (else it is killed): None when none fits."""
    if not _early:
        return None
    wanted, spawned = _early
    _early.clear()
    if wanted == (engine, memory_mb):
        return spawned
    _kill(spawned)
    return None


def drop_early() -> None:
    """Kill the early worker nobody took (the command failed, or serves another endpoint)."""
    if _early:
        spawned = _early[1]
        _early.clear()
        _kill(spawned)


def _kill(spawned) -> None:
    proc, stderr = spawned
    try:
        proc.kill()
        proc.wait()
    finally:
        for f in (proc.stdin, proc.stdout, stderr):
            try:
                f.close()
            except OSError:
                pass
