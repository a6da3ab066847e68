"""`python -m spinekg.graph.sparql worker ENGINE`: the query worker that WorkerPool starts."""
import sys

from spinekg.graph.sparql.workers import worker_main

if len(sys.argv) == 3 and sys.argv[1] == "worker":
    worker_main(sys.argv[2])
else:
    sys.exit("usage: python -m spinekg.graph.sparql worker oxigraph|rdflib")
