"""The SPARQL layer's errors, each mapped to one CLI exit / HTTP status by its callers."""
from __future__ import annotations

from spinekg.graph.errors import SpinekgError

class QueryRefused(SpinekgError):
    """The query asks for something a read-only, offline tool never does (HTTP 400)."""


class UpdateRefused(QueryRefused):
    """The request is a SPARQL update; the graph is read-only (HTTP 403)."""


class QuerySyntaxError(SpinekgError):
    """The query cannot be read (HTTP 400)."""


class QueryTimeout(SpinekgError):
    """The query ran past its time limit and was stopped (HTTP 503)."""


class EndpointError(SpinekgError):
    """An external SPARQL server could not be reached or refused the request (HTTP 502)."""



class QueryMemoryLimit(SpinekgError):
    """The query needed more memory than a query may use and was stopped (HTTP 503)."""


class ServerBusy(SpinekgError):
    """Every query worker is busy and the waiting line is full (HTTP 503 with Retry-After)."""
