"""External SPARQL 1.1 servers: the remote engine (Protocol) and `push` (Graph Store Protocol)."""
from __future__ import annotations

import json
import re

from spinekg.graph.errors import SpinekgError
from spinekg.graph.sparql.binding import values_block
from spinekg.graph.sparql.engines import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT, Engine, _cap
from spinekg.graph.sparql.errors import EndpointError, QueryTimeout
from spinekg.graph.sparql.store import store_ntriples
from spinekg.graph.sparql.terms import Result, Term, default_prefixes, from_ox

class RemoteEngine(Engine):
    """An external SPARQL 1.1 Protocol endpoint (e.g. `oxigraph serve`'s /query)."""

    name = "remote"
    needs_network = True

    def __init__(self, url: str, http_timeout: float = DEFAULT_TIMEOUT):
        self.url = check_url(url)
        self.http_timeout = http_timeout

    def query(self, query, bindings=None, *, timeout=DEFAULT_TIMEOUT, max_rows=DEFAULT_MAX_ROWS):
        if timeout:
            self.http_timeout = timeout
        return super().query(query, bindings, timeout=timeout, max_rows=max_rows)

    def _execute(self, info, query, bindings, max_rows):
        from urllib.parse import urlencode

        prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in default_prefixes().items())
        text = prologue + values_block(info, bindings)
        accept = "application/n-triples" if info.is_graph else "application/sparql-results+json"
        body = http_request(self.url, "POST", urlencode({"query": text}).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
                            self.http_timeout)
        if info.is_graph:
            import pyoxigraph as ox

            try:
                parsed = ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
                triples, truncated = _cap(((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)) for t in parsed), max_rows)
            except SyntaxError as e:
                raise EndpointError(f"the endpoint sent unreadable N-Triples: {e}") from None
            return Result(info.form, triples=triples, truncated=truncated)
        try:
            data = json.loads(body)
        except ValueError:
            raise EndpointError("the endpoint did not answer with SPARQL results JSON") from None
        if "boolean" in data:
            return Result("ASK", boolean=bool(data["boolean"]))
        variables = list(data.get("head", {}).get("vars", []))
        bindings = data.get("results", {}).get("bindings", [])
        if info.form == "ASK":  # Virtuoso 7.2 answers ASK as one row of ?__ASK_RETVAL (1 or 0)
            return Result("ASK", boolean=any(b.get(v, {}).get("value") not in (None, "0", "false")
                                             for b in bindings for v in variables))
        rows, truncated = _cap((tuple(_canonical(Term.from_json(b[v])) if v in b else None for v in variables)
                                for b in bindings), max_rows)
        return Result("SELECT", variables, rows, truncated=truncated)


_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


def _canonical(term: Term) -> Term:
    """Booleans in their canonical lexical form: Virtuoso writes true/false as 1/0."""
    if term.datatype == _BOOLEAN and term.value in ("1", "0"):
        return term._replace(value="true" if term.value == "1" else "false")
    return term


def check_url(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SpinekgError(f"endpoint must be an http:// or https:// URL, got {url!r}")
    return url


def http_request(url: str, method: str, body: bytes | None, headers: dict, timeout: float) -> bytes:
    """One HTTP request without redirects; loopback hosts bypass any configured proxy."""
    import ipaddress
    import urllib.error
    import urllib.request
    from urllib.parse import urlsplit

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    host = urlsplit(url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    handlers = [NoRedirect()] + ([urllib.request.ProxyHandler({})] if loopback else [])
    opener = urllib.request.build_opener(*handlers)
    req = urllib.request.Request(url, data=body, method=method, headers={"User-Agent": "spinekg", **headers})
    try:
        with opener.open(req, timeout=timeout) as resp:
            return resp.read()
    except urllib.error.HTTPError as e:
        detail = " ".join(e.read(300).decode("utf-8", "replace").split())
        raise EndpointError(f"{url} answered {e.code} {e.reason}" + (f": {detail}" if detail else "")) from None
    except urllib.error.URLError as e:
        raise EndpointError(f"cannot reach {url}: {e.reason}") from None
    except TimeoutError:
        raise QueryTimeout(f"{url} did not answer within {timeout:g} s") from None
    except OSError as e:
        raise EndpointError(f"cannot reach {url}: {e}") from None


def push(endpoint: str, graph_iri: str | None = None, *, append: bool = False,
         timeout: float = 60.0) -> int:
    """Load the graph into a SPARQL 1.1 Graph Store Protocol endpoint (PUT replaces the target
    graph, POST with append=True adds to it). Returns the number of triples sent."""
    from urllib.parse import urlencode, urlsplit, urlunsplit

    import pyoxigraph as ox

    parts = urlsplit(check_url(endpoint))
    if graph_iri is not None:
        try:
            ox.NamedNode(graph_iri)
        except ValueError:
            raise SpinekgError(f"--graph must be an absolute IRI, got {graph_iri!r}") from None
        if not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", graph_iri):
            raise SpinekgError(f"--graph must be an absolute IRI, got {graph_iri!r}")
        target = urlencode({"graph": graph_iri})
    else:
        target = "default"
    query = f"{parts.query}&{target}" if parts.query else target
    url = urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
    data = store_ntriples()
    http_request(url, "POST" if append else "PUT", data, {"Content-Type": "application/n-triples"}, timeout)
    return data.count(b"\n")


