"""`python -m spinekg.graph.sparql worker ENGINE [--memory-mb N] [--lazy-parser]`: the query worker WorkerPool and the server start."""
import os
import sys
import threading
import time


def _die_with_parent(parent: int) -> None:
    """A worker whose server is gone (killed, SIGTERM without cleanup) stops within 0.1 s, even
    while it is still loading, instead of finishing its start-up on a core the next one needs.
    The parent names itself (a parent that died before this line ran would otherwise go unseen)."""
    while True:
        time.sleep(0.1)
        if os.getppid() != parent:
            os._exit(0)


_parent = os.environ.get("SPINEKG_WORKER_PARENT", "")
threading.Thread(target=_die_with_parent, args=(int(_parent) if _parent.isdigit() else os.getppid(),), daemon=True,
                 name="spinekg-parent-watch").start()

from spinekg.graph.sparql.workers import DEFAULT_MEMORY_MB, worker_main  # noqa: E402

args = sys.argv[1:]
lazy = args[-1:] == ["--lazy-parser"]  # the server's first worker: the parser is imported when needed
if lazy:
    args = args[:-1]
if len(args) in (2, 4) and args[0] == "worker" and (len(args) == 2 or (args[2] == "--memory-mb" and args[3].isdigit())):
    worker_main(args[1], int(args[3]) if len(args) == 4 else DEFAULT_MEMORY_MB, lazy_parser=lazy)
else:
    sys.exit("usage: python -m spinekg.graph.sparql worker oxigraph|rdflib [--memory-mb N] [--lazy-parser]")
