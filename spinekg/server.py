"""`spinekg serve`: the graph over the SPARQL 1.1 Protocol, read-only, plus an offline query page.

* GET /sparql?query=…, POST form (query=…), POST application/sparql-query; /query is an alias.
* Results by content negotiation: SPARQL JSON/XML, CSV, TSV; graphs as Turtle, N-Triples, JSON-LD
  (a `format=` parameter, as SPARQLWrapper sends, overrides Accept).
* Updates → 403; SERVICE / FROM / LOAD and dataset parameters → 400; timeout → 503; all with a
  one-line text/plain message.
* Binds 127.0.0.1 by default; a request whose Host header is not the server's own is refused
  (DNS rebinding); CORS only for origins given with --cors-origin, never `*`, never credentials.
* Threaded: one slow query does not block others. Embedded queries run in worker processes
  (graph.sparql.WorkerPool) so a timed-out query is killed, not left running.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from urllib.parse import parse_qs, urlsplit

MAX_BODY = 1 << 20
SELECT_TYPES = {  # media type -> format
    "application/sparql-results+json": "json", "application/json": "json",
    "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "text/csv": "csv", "text/tab-separated-values": "tsv", "text/plain": "table",
}
GRAPH_TYPES = {
    "text/turtle": "turtle", "application/x-turtle": "turtle", "application/n-triples": "nt",
    "text/plain": "nt", "application/ld+json": "jsonld", "application/json": "jsonld",
}
FORMAT_ALIASES = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", "turtle": "turtle", "ttl": "turtle",
                  "nt": "nt", "ntriples": "nt", "n-triples": "nt", "jsonld": "jsonld", "json-ld": "jsonld"}
CONTENT_TYPES = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                 "csv": "text/csv", "tsv": "text/tab-separated-values", "table": "text/plain",
                 "turtle": "text/turtle", "nt": "application/n-triples", "jsonld": "application/ld+json"}


def negotiate(accept: str | None, graph: bool) -> str | None:
    """The best format for an Accept header (q-values honoured); None when nothing fits."""
    table = GRAPH_TYPES if graph else SELECT_TYPES
    default = "turtle" if graph else "json"
    if not accept:
        return default
    choices = []
    for i, part in enumerate(accept.split(",")):
        bits = [b.strip() for b in part.split(";")]
        media, q = bits[0].lower(), 1.0
        for b in bits[1:]:
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        if media in table:
            choices.append((-q, 0, i, table[media]))
        elif media in ("*/*", "application/*", "text/*"):
            choices.append((-q, 1, i, default))
    return min(choices)[3] if choices else None


class SparqlServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, runner, *, timeout: float, max_rows: int, cors_origins=(), allow_hosts=(),
                 endpoint: str | None = None):
        super().__init__(address, Handler)
        self.runner = runner
        self.query_timeout = timeout
        self.max_rows = max_rows
        self.cors_origins = {o.rstrip("/") for o in cors_origins if o and o != "*"}
        host, port = self.server_address[:2]
        self.allowed_hosts = {h.lower() for h in allow_hosts}
        self.allowed_hosts |= {f"{host}:{port}".lower()}
        if host in ("127.0.0.1", "::1", "localhost", "0.0.0.0", "::"):
            self.allowed_hosts |= {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}
        self.endpoint = endpoint

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class Handler(BaseHTTPRequestHandler):
    server: SparqlServer
    server_version = "spinekg"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    # headers and body go out as two writes; with Nagle on, keep-alive clients stall ~40 ms on each
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):  # quiet by default
        pass

    # ---- plumbing

    def _send(self, status: int, body: bytes | str, content_type: str = "text/plain; charset=utf-8",
              extra: dict | None = None) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Vary", "Accept, Origin")
        origin = self.headers.get("Origin", "").rstrip("/")
        if origin and origin in self.server.cors_origins:
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Access-Control-Expose-Headers", "X-Spinekg-Truncated")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _error(self, status: int, message: str) -> None:
        self._send(status, message.rstrip("\n") + "\n")

    def _host_ok(self) -> bool:
        host = (self.headers.get("Host") or "").strip().lower()
        if host in self.server.allowed_hosts:
            return True
        self._error(403, f"refused: Host {host or '(none)'!r} is not this server's own address")
        return False

    # ---- routes

    def do_OPTIONS(self):
        if not self._host_ok():
            return
        extra = {"Allow": "GET, POST, OPTIONS"}
        origin = self.headers.get("Origin", "").rstrip("/")
        if origin in self.server.cors_origins:
            extra.update({"Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                          "Access-Control-Allow-Headers": "Content-Type, Accept", "Access-Control-Max-Age": "600"})
        self._send(204, b"", extra=extra)

    def do_GET(self):
        if not self._host_ok():
            return
        parts = urlsplit(self.path)
        if parts.path in ("/", "/index.html"):
            return self._page()
        if parts.path == "/queries":
            from spinekg.graph.sparql import saved_queries

            body = json.dumps([q.to_json() for q in saved_queries().values()], indent=2, ensure_ascii=False)
            return self._send(200, body, "application/json; charset=utf-8")
        if parts.path in ("/sparql", "/query"):
            params = parse_qs(parts.query, keep_blank_values=True)
            return self._sparql(params)
        self._error(404, f"not found: {parts.path}; the SPARQL endpoint is /sparql")

    do_HEAD = do_GET

    def do_POST(self):
        if not self._host_ok():
            return
        parts = urlsplit(self.path)
        if parts.path not in ("/sparql", "/query", "/update"):
            return self._error(404, f"not found: {parts.path}; the SPARQL endpoint is /sparql")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return self._error(400, "bad Content-Length")
        if length > MAX_BODY:
            return self._error(413, f"request body over {MAX_BODY} bytes")
        body = self.rfile.read(length) if length else b""
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if parts.path == "/update" or ctype == "application/sparql-update":
            return self._error(403, "updates are not allowed: this endpoint is read-only")
        params = parse_qs(parts.query, keep_blank_values=True)
        if ctype == "application/x-www-form-urlencoded":
            for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items():
                params.setdefault(k, []).extend(v)
        elif ctype == "application/sparql-query":
            if "query" in params:
                return self._error(400, "the query is in the body; do not also pass query= in the URL")
            params["query"] = [body.decode("utf-8", "replace")]
        else:
            return self._error(415, "send application/sparql-query or application/x-www-form-urlencoded")
        return self._sparql(params)

    def _page(self) -> None:
        import html

        from spinekg.graph.sparql import saved_queries

        template = (files("spinekg") / "assets" / "query.html").read_text(encoding="utf-8")
        lib = [q.to_json() for q in saved_queries().values()]
        items = "\n".join(f'<li><button type="button" data-name="{html.escape(q["name"])}">{html.escape(q["title"])}</button>'
                          f' <span class="desc">{html.escape(q["description"])}</span></li>' for q in lib)
        data = json.dumps(lib, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        page = template.replace("<!--SAVED_LIST-->", items).replace("/*SAVED_JSON*/[]", data)
        csp = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
        self._send(200, page, "text/html; charset=utf-8",
                   {"Content-Security-Policy": csp, "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"})

    def _sparql(self, params: dict) -> None:
        from spinekg.graph import sparql
        from spinekg.graph.errors import SpinekgError

        if "update" in params:
            return self._error(403, "updates are not allowed: this endpoint is read-only")
        if params.get("default-graph-uri") or params.get("named-graph-uri"):
            return self._error(400, "default-graph-uri / named-graph-uri are not allowed: queries read only this graph")
        queries = params.get("query", [])
        if len(queries) != 1 or not queries[0].strip():
            if not queries and self.command == "GET":
                return self._error(400, "missing query= parameter (the query page is at /)")
            return self._error(400, "give exactly one non-empty query")
        text = queries[0]
        try:
            info = sparql.check_query(text)
        except sparql.UpdateRefused as e:
            return self._error(403, str(e))
        except SpinekgError as e:
            return self._error(400, str(e))
        wanted = None
        for key in ("format", "output"):
            for v in params.get(key, []):
                f = FORMAT_ALIASES.get(v.lower())
                if f and ((f in sparql.GRAPH_FORMATS) == info.is_graph):
                    wanted = f
        fmt = wanted or negotiate(self.headers.get("Accept"), info.is_graph)
        if fmt is None:
            kinds = GRAPH_TYPES if info.is_graph else SELECT_TYPES
            return self._error(406, f"cannot answer in {self.headers.get('Accept')}; offered: {', '.join(sorted(set(kinds)))}")
        try:
            result = self.server.runner.query(text, None, timeout=self.server.query_timeout,
                                              max_rows=self.server.max_rows)
        except sparql.QueryTimeout as e:
            return self._error(503, str(e))
        except sparql.UpdateRefused as e:
            return self._error(403, str(e))
        except sparql.EndpointError as e:
            return self._error(502, str(e))
        except SpinekgError as e:
            return self._error(400, str(e))
        body = sparql.format_result(result, fmt)
        extra = {"X-Spinekg-Truncated": str(self.server.max_rows)} if result.truncated else {}
        self._send(200, body, CONTENT_TYPES[fmt] + "; charset=utf-8", extra)


class _RemoteRunner:
    def __init__(self, endpoint: str):
        from spinekg.graph.sparql import RemoteEngine

        self.engine = RemoteEngine(endpoint)

    def query(self, text, bindings=None, *, timeout, max_rows):
        return self.engine.query(text, bindings, timeout=timeout, max_rows=max_rows)

    def close(self):
        pass


def make_server(host: str = "127.0.0.1", port: int = 8000, *, engine: str = "oxigraph", endpoint: str | None = None,
                timeout: float = 10.0, max_rows: int = 10_000, workers: int = 2, cors_origins=(),
                allow_hosts=()) -> SparqlServer:
    """A ready server (call serve_forever(); then shutdown() and close())."""
    from spinekg.graph.errors import SpinekgError
    from spinekg.graph.sparql import WorkerPool

    if "*" in cors_origins:
        raise SpinekgError("--cors-origin '*' is not allowed; name the origins")
    runner = _RemoteRunner(endpoint) if endpoint else WorkerPool(engine, workers)
    try:
        server = SparqlServer((host, port), runner, timeout=timeout, max_rows=max_rows,
                              cors_origins=cors_origins, allow_hosts=allow_hosts, endpoint=endpoint)
    except OSError as e:
        runner.close()
        raise SpinekgError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    return server


def close(server: SparqlServer) -> None:
    server.server_close()
    server.runner.close()


def run_server(*, announce=print, **kw) -> None:
    server = make_server(**kw)
    source = f"proxying {kw['endpoint']}" if kw.get("endpoint") else f"{kw.get('engine', 'oxigraph')} engine"
    announce(f"spinekg SPARQL endpoint: {server.url}/sparql  (query page: {server.url}/ ; {source}; Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        close(server)


def start_in_thread(**kw) -> tuple[SparqlServer, threading.Thread]:
    """Start a server on a background thread (used by tests and embedding applications)."""
    server = make_server(**kw)
    t = threading.Thread(target=server.serve_forever, daemon=True, name="spinekg-serve")
    t.start()
    return server, t
