"""Starting a query worker process without importing the query machinery first, so a starting
server spawns its first worker at once and imports uvicorn and the rest while the worker loads."""
from __future__ import annotations

DEFAULT_MEMORY_MB = 1024  # = graph.sparql.workers.DEFAULT_MEMORY_MB (a test keeps them equal)


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
