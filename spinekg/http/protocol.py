"""HTTP details for the endpoint: uvicorn's h11 protocol with a header timeout, and content negotiation.

uvicorn arms its keep-alive timer only after a response and cancels it on any byte, so a
connection that trickles (or never sends) a request head would stay open forever; here a
second timer closes a connection whose next request head is not complete within HEADER_TIMEOUT.
"""
from __future__ import annotations

from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT = 10.0  # seconds for a new connection to deliver a complete request head
MAX_HEADER_BYTES = 16 * 1024  # request line + headers (h11's incomplete-event limit)

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


class HeaderTimeoutProtocol(H11Protocol):
    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def _arm_head_timer(self) -> None:
        self._head_cycle = self.cycle  # a new request head replaces the cycle
        self._head_timer = self.loop.call_later(HEADER_TIMEOUT, self._head_timeout)

    def _head_timeout(self) -> None:
        if self.cycle is self._head_cycle and not self.transport.is_closing():
            self.transport.close()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._head_timer.cancel()
        if not self.transport.is_closing():
            self._arm_head_timer()

    def connection_lost(self, exc) -> None:
        self._head_timer.cancel()
        super().connection_lost(exc)


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
