"""Content negotiation for the SPARQL endpoint: media types, `format=` parameters, Accept q-values."""
from __future__ import annotations

SELECT_TYPES = {  # media type -> format
    "application/sparql-results+json": "json", "application/json": "json",
    "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "text/csv": "csv", "text/tab-separated-values": "tsv", "text/plain": "table",
}
GRAPH_TYPES = {
    "text/turtle": "turtle", "application/x-turtle": "turtle", "application/n-triples": "nt",
    "text/plain": "nt", "application/ld+json": "jsonld", "application/json": "jsonld",
    "application/rdf+xml": "rdfxml", "application/xml": "rdfxml", "text/xml": "rdfxml",
}
FORMAT_ALIASES = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", "turtle": "turtle", "ttl": "turtle",
                  "nt": "nt", "ntriples": "nt", "n-triples": "nt", "jsonld": "jsonld", "json-ld": "jsonld",
                  "rdfxml": "rdfxml", "rdf+xml": "rdfxml", "rdf/xml": "rdfxml"}
CONTENT_TYPES = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                 "csv": "text/csv", "tsv": "text/tab-separated-values", "table": "text/plain",
                 "turtle": "text/turtle", "nt": "application/n-triples", "jsonld": "application/ld+json",
                 "rdfxml": "application/rdf+xml"}
GRAPH_FORMATS = ("turtle", "nt", "jsonld", "rdfxml")


def negotiate(accept: str | None, graph: bool) -> str | None:
    """The best format for an Accept header (q-values honoured); None when nothing fits."""
    table = GRAPH_TYPES if graph else SELECT_TYPES
    default = "turtle" if graph else "json"
    if not accept:
        return default
    from spinekg.http.accept import accept_ranges

    choices = []
    for q, i, media in accept_ranges(accept):
        if media in table:
            choices.append((-q, 0, i, table[media]))
        elif media in ("*/*", "application/*", "text/*"):
            choices.append((-q, 1, i, default))
    return min(choices)[3] if choices else None


def wanted_format(params: dict[str, list[str]], graph: bool) -> str | None:
    """A `format=` / `output=` parameter (as SPARQLWrapper sends) that fits the result kind."""
    wanted = None
    for key in ("format", "output"):
        for v in params.get(key, []):
            f = FORMAT_ALIASES.get(v.lower())
            if f is None and "/" in v:  # a media type, e.g. format=application/rdf+xml
                f = (GRAPH_TYPES if graph else SELECT_TYPES).get(v.lower().split(";")[0].strip())
            if f and ((f in GRAPH_FORMATS) == graph):
                wanted = f
    return wanted
