"""`python -m spinekg.graph.sparql worker ENGINE [--memory-mb N] [--lazy-parser]`: the query worker WorkerPool and the server start."""
import os
import sys

from spinekg.graph.sparql.workers import DEFAULT_MEMORY_MB, watch_parent, worker_main

_parent = os.environ.get("SPINEKG_WORKER_PARENT", "")
watch_parent(int(_parent) if _parent.isdigit() else os.getppid())

args = sys.argv[1:]
lazy = args[-1:] == ["--lazy-parser"]  # the server's first worker: the parser is imported when needed
if lazy:
    args = args[:-1]
if len(args) in (2, 4) and args[0] == "worker" and (len(args) == 2 or (args[2] == "--memory-mb" and args[3].isdigit())):
    worker_main(args[1], int(args[3]) if len(args) == 4 else DEFAULT_MEMORY_MB, lazy_parser=lazy)
else:
    sys.exit("usage: python -m spinekg.graph.sparql worker oxigraph|rdflib [--memory-mb N] [--lazy-parser]")
