"""Starting a query worker process without importing the query machinery first, so a starting
server spawns its first worker at once and imports uvicorn and the rest while the worker loads.

`spinekg serve` starts it even sooner: spinekg.cli.main calls spawn_early() with the command line
before it imports click and typer. That first worker is forked from the CLI at that point (one
thread, nothing but the interpreter loaded, no socket open yet), so it does not pay a second
interpreter start either; it then runs exactly what `python -m spinekg.graph.sparql worker`
runs (seals itself, loads the graph, answers on its pipes). Only a command line of known options
with their values qualifies; make_server takes the worker if its engine and memory cap are the
ones the parsed options ask for, and kills it otherwise. A command that fails before (a usage
error, a busy port) kills it at exit; a killed CLI, within 0.1 s (the worker watches its parent).
The workers started later are new interpreters (spawn_worker).
"""
from __future__ import annotations

DEFAULT_MEMORY_MB = 1024  # = graph.sparql.workers.DEFAULT_MEMORY_MB (a test keeps them equal)
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
    """(engine, memory_mb) of `spinekg serve ARGS` when ARGS are only serve's valued options, each
    with a value serve accepts (spinekg.serve_fast.parse); None for anything else (help, a typo,
    --endpoint...), which click then reads."""
    from spinekg.serve_fast import parse

    kw = parse(args)
    return None if kw is None else (kw["engine"], kw["memory_mb"])


def spawn_early(args: list[str]) -> None:
    """Start the first worker of `spinekg serve ARGS` now, if early_options() can read ARGS."""
    import os
    import threading

    wanted = early_options(args)
    if wanted is None or _early:
        return
    if not hasattr(os, "fork") or threading.active_count() > 1:
        spawned = spawn_worker(*wanted)  # fork only a process with one thread
    else:
        spawned = fork_worker(*wanted)
    import atexit

    _early[:] = [wanted, spawned]
    atexit.register(drop_early)


class ForkedWorker:
    """The part of subprocess.Popen that graph.sparql.workers.Worker uses, for a forked child."""

    def __init__(self, pid: int, stdin, stdout):
        import threading

        self.pid, self.stdin, self.stdout = pid, stdin, stdout
        self.returncode: int | None = None
        self._lock = threading.Lock()

    def _reap(self, flags: int) -> int | None:
        import os

        with self._lock:
            if self.returncode is None:
                try:
                    pid, status = os.waitpid(self.pid, flags)
                except ChildProcessError:  # reaped elsewhere: gone
                    pid, status = self.pid, 0
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
            return self.returncode

    def poll(self) -> int | None:
        import os

        return self._reap(os.WNOHANG)

    def wait(self, timeout: float | None = None) -> int | None:
        return self._reap(0)

    def kill(self) -> None:
        import os
        import signal

        if self.poll() is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def fork_worker(engine: str, memory_mb: int = DEFAULT_MEMORY_MB):
    """(ForkedWorker, stderr file) of a worker forked from this process (call it while this
    process has one thread): its stdin and stdout are pipes, its stderr an unnamed file."""
    import os

    to_child, from_parent = os.pipe()[::-1]  # (write end, read end)
    from_child, to_parent = os.pipe()
    err = os.memfd_create("spinekg-worker-stderr") if hasattr(os, "memfd_create") else None
    if err is None:
        import tempfile

        err = os.dup(tempfile.TemporaryFile().fileno())
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the worker: never returns into the CLI
        code = 1
        try:
            os.dup2(from_parent, 0)
            os.dup2(to_parent, 1)
            os.dup2(err, 2)
            os.closerange(3, 1 << 16)  # nothing of the CLI's but the three streams (as Popen's close_fds)
            _worker_child(engine, memory_mb, parent)
            code = 0
        except BaseException:  # noqa: BLE001 (reported on the worker's stderr, as a worker's traceback is)
            try:
                import sys
                import traceback

                traceback.print_exc()
                sys.stderr.flush()
            except BaseException:  # noqa: BLE001
                pass
        finally:
            os._exit(code)
    for fd in (from_parent, to_parent):
        os.close(fd)
    proc = ForkedWorker(pid, open(to_child, "wb"), open(from_child, "rb", buffering=0))
    return proc, open(err, "w+b")


def _worker_child(engine: str, memory_mb: int, parent: int) -> None:
    """In the forked child: the streams as a new interpreter would have them, then the worker."""
    import os
    import sys

    sys.stdin = open(0, "r", closefd=False)
    sys.stdout = open(1, "w", closefd=False)
    sys.stderr = open(2, "w", closefd=False)
    os.environ["SPINEKG_WORKER_PARENT"] = str(parent)
    from spinekg.graph.sparql.workers import watch_parent, worker_main

    watch_parent(parent)
    worker_main(engine, memory_mb, lazy_parser=True)
    sys.stdout.flush()


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
