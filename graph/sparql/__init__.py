"""SPARQL over the spine code graph: safety check, terms, store, saved queries, binding, engines, formats, workers.

* Engines: `OxigraphEngine` (pyoxigraph, the default: about a millisecond per saved query),
  `RdflibEngine` (rdflib's evaluator over `graph.load.load_graph()`, for cross-checking) and
  `RemoteEngine` (an external SPARQL 1.1 Protocol endpoint). All return a `Result`.
* Safety (`safety`): refuses, before anything runs, `SERVICE` in every form, `FROM`/`FROM NAMED`,
  `LOAD` and every update form. Queries run under a timeout and a row cap.
* Parameters (`binding`) are bound as RDF terms through the engine's own mechanism (pyoxigraph
  `substitutions`, rdflib `initBindings`); a remote endpoint has none, so there the terms are
  written as an escaped `VALUES` block inside the WHERE group — user text is never pasted.
* Saved queries (`saved`): `graph/queries/*.rq`, each with `# title:`, `# description:` and `# param` lines.
* `python -m spinekg.graph.sparql worker ENGINE` is the query worker `WorkerPool` starts (the HTTP
  server uses it so a timed-out query is really stopped: the worker process is killed and replaced).

Every public name is importable from here; the submodules hold one concern each.
"""
from spinekg.graph.errors import SpinekgError
from spinekg.graph.sparql.binding import (FACET_CLASSES, bind_params, bind_value, facet_names, parse_param_args,
                                          values_block)
from spinekg.graph.sparql.engines import (DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT, ENGINES, Engine, OxigraphEngine,
                                          RdflibEngine, call_with_timeout, check_timeout, make_engine, run, run_saved,
                                          select_projection)
from spinekg.graph.sparql.errors import (EndpointError, QueryMemoryLimit, QueryRefused, QuerySyntaxError, QueryTimeout,
                                         ServerBusy, UpdateRefused)
from spinekg.graph.sparql.formats import (GRAPH_FORMATS, MEDIA_TYPES, SELECT_FORMATS, SELECT_WRITERS, compact,
                                          format_csv, format_graph, format_json, format_result, format_table,
                                          format_tsv, format_xml)
from spinekg.graph.sparql.lexer import Token, tokenize, unescape_codepoints
from spinekg.graph.sparql.remote import RemoteEngine, check_url, http_request, push
from spinekg.graph.sparql.safety import QueryInfo, check_query
from spinekg.graph.sparql.saved import PARAM_TYPES, QUERIES_DIR, Param, SavedQuery, get_saved, parse_saved, saved_queries
from spinekg.graph.sparql.store import MATERIALISE, build_store, load_store, store_ntriples, user_triples
from spinekg.graph.sparql.terms import (RDF_LANGSTRING, XSD, XSD_INTEGER, XSD_STRING, Result, Term, default_prefixes,
                                        from_ox, from_rdflib, to_ox, to_rdflib)
from spinekg.graph.sparql.workers import DEFAULT_MEMORY_MB, Worker, WorkerPool

__all__ = [
    "DEFAULT_MAX_ROWS", "DEFAULT_TIMEOUT", "ENGINES", "FACET_CLASSES", "GRAPH_FORMATS", "MATERIALISE", "MEDIA_TYPES",
    "PARAM_TYPES", "QUERIES_DIR", "RDF_LANGSTRING", "SELECT_FORMATS", "SELECT_WRITERS", "XSD", "XSD_INTEGER",
    "XSD_STRING", "DEFAULT_MEMORY_MB", "QueryMemoryLimit", "ServerBusy", "Worker", "EndpointError", "Engine", "OxigraphEngine", "Param", "QueryInfo", "QueryRefused",
    "QuerySyntaxError", "QueryTimeout", "RdflibEngine", "RemoteEngine", "Result", "SavedQuery", "SpinekgError",
    "Term", "Token", "UpdateRefused", "WorkerPool", "bind_params", "bind_value", "build_store",
    "call_with_timeout", "check_query", "check_timeout", "check_url", "compact", "default_prefixes", "facet_names", "format_csv",
    "format_graph", "format_json", "format_result", "format_table", "format_tsv", "format_xml", "from_ox",
    "from_rdflib", "get_saved", "http_request", "load_store", "make_engine", "parse_param_args", "parse_saved",
    "push", "run", "run_saved", "saved_queries", "select_projection", "store_ntriples", "to_ox", "to_rdflib",
    "tokenize", "unescape_codepoints", "user_triples", "values_block",
]
