"""`python -m spinekg.graph.sparql worker ENGINE [--memory-mb N]`: the query worker WorkerPool starts."""
import sys

from spinekg.graph.sparql.workers import DEFAULT_MEMORY_MB, worker_main

args = sys.argv[1:]
if len(args) in (2, 4) and args[0] == "worker" and (len(args) == 2 or (args[2] == "--memory-mb" and args[3].isdigit())):
    worker_main(args[1], int(args[3]) if len(args) == 4 else DEFAULT_MEMORY_MB)
else:
    sys.exit("usage: python -m spinekg.graph.sparql worker oxigraph|rdflib [--memory-mb N]")
