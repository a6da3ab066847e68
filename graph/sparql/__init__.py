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

Every public name is importable from here, loaded on first use (PEP 562), so a query worker or
a command that needs the engine does not pay for the formats, the remote client and the rest.
The submodules hold one concern each.
"""
from __future__ import annotations

import importlib

_WHERE = {  # public name -> the submodule that defines it
    "SpinekgError": "spinekg.graph.errors",
    "FACET_CLASSES": "spinekg.graph.sparql.binding",
    "bind_params": "spinekg.graph.sparql.binding",
    "bind_value": "spinekg.graph.sparql.binding",
    "facet_names": "spinekg.graph.sparql.binding",
    "parse_param_args": "spinekg.graph.sparql.binding",
    "values_block": "spinekg.graph.sparql.binding",
    "DEFAULT_MAX_ROWS": "spinekg.graph.sparql.engines",
    "DEFAULT_TIMEOUT": "spinekg.graph.sparql.engines",
    "ENGINES": "spinekg.graph.sparql.engines",
    "Engine": "spinekg.graph.sparql.engines",
    "OxigraphEngine": "spinekg.graph.sparql.engines",
    "RdflibEngine": "spinekg.graph.sparql.engines",
    "call_with_timeout": "spinekg.graph.sparql.engines",
    "check_timeout": "spinekg.graph.sparql.limits",
    "make_engine": "spinekg.graph.sparql.engines",
    "run": "spinekg.graph.sparql.engines",
    "run_saved": "spinekg.graph.sparql.engines",
    "select_projection": "spinekg.graph.sparql.engines",
    "EndpointError": "spinekg.graph.sparql.errors",
    "QueryMemoryLimit": "spinekg.graph.sparql.errors",
    "QueryRefused": "spinekg.graph.sparql.errors",
    "QuerySyntaxError": "spinekg.graph.sparql.errors",
    "QueryTimeout": "spinekg.graph.sparql.errors",
    "ServerBusy": "spinekg.graph.sparql.errors",
    "UpdateRefused": "spinekg.graph.sparql.errors",
    "GRAPH_FORMATS": "spinekg.graph.sparql.formats",
    "MEDIA_TYPES": "spinekg.graph.sparql.formats",
    "SELECT_FORMATS": "spinekg.graph.sparql.formats",
    "SELECT_WRITERS": "spinekg.graph.sparql.formats",
    "compact": "spinekg.graph.sparql.formats",
    "format_csv": "spinekg.graph.sparql.formats",
    "format_graph": "spinekg.graph.sparql.formats",
    "format_json": "spinekg.graph.sparql.formats",
    "format_result": "spinekg.graph.sparql.formats",
    "format_table": "spinekg.graph.sparql.formats",
    "format_tsv": "spinekg.graph.sparql.formats",
    "format_xml": "spinekg.graph.sparql.formats",
    "Token": "spinekg.graph.sparql.lexer",
    "tokenize": "spinekg.graph.sparql.lexer",
    "unescape_codepoints": "spinekg.graph.sparql.lexer",
    "RemoteEngine": "spinekg.graph.sparql.remote",
    "check_url": "spinekg.graph.sparql.remote",
    "http_request": "spinekg.graph.sparql.remote",
    "push": "spinekg.graph.sparql.remote",
    "QueryInfo": "spinekg.graph.sparql.safety",
    "check_query": "spinekg.graph.sparql.safety",
    "PARAM_TYPES": "spinekg.graph.sparql.saved",
    "QUERIES_DIR": "spinekg.graph.sparql.saved",
    "Param": "spinekg.graph.sparql.saved",
    "SavedQuery": "spinekg.graph.sparql.saved",
    "get_saved": "spinekg.graph.sparql.saved",
    "parse_saved": "spinekg.graph.sparql.saved",
    "saved_queries": "spinekg.graph.sparql.saved",
    "MATERIALISE": "spinekg.graph.sparql.store",
    "build_store": "spinekg.graph.sparql.store",
    "load_store": "spinekg.graph.sparql.store",
    "store_ntriples": "spinekg.graph.sparql.store",
    "user_triples": "spinekg.graph.sparql.store",
    "RDF_LANGSTRING": "spinekg.graph.sparql.terms",
    "XSD": "spinekg.graph.sparql.terms",
    "XSD_INTEGER": "spinekg.graph.sparql.terms",
    "XSD_STRING": "spinekg.graph.sparql.terms",
    "Result": "spinekg.graph.sparql.terms",
    "Term": "spinekg.graph.sparql.terms",
    "default_prefixes": "spinekg.graph.sparql.terms",
    "from_ox": "spinekg.graph.sparql.terms",
    "from_rdflib": "spinekg.graph.sparql.terms",
    "to_ox": "spinekg.graph.sparql.terms",
    "to_rdflib": "spinekg.graph.sparql.terms",
    "DEFAULT_MEMORY_MB": "spinekg.graph.sparql.workers",
    "Worker": "spinekg.graph.sparql.workers",
    "WorkerPool": "spinekg.graph.sparql.workers",
}

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


def __getattr__(name: str):
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(where), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(_WHERE))
