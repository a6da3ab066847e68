"""The ASGI application of `spinekg serve`: every request's checks (head size, framing, one Host,
Host and Origin, Sec-Fetch-Site, method), the routes (/sparql and /query, /fhir, /, /queries), and
the SPARQL answers, kept in spinekg.http.answers so that a repeated request never waits for a worker."""
from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import parse_qs

from spinekg.http.negotiation import CONTENT_TYPES, GRAPH_TYPES, SELECT_TYPES, negotiate, wanted_format

MAX_BODY = 1 << 20
MAX_HEADER_BYTES = 16 * 1024  # request line + headers (also the parsers' limit: spinekg.http.protocol)
RETRY_AFTER = 2  # seconds, sent with every 503
BODY_TIMEOUT = 10.0  # seconds to receive a whole request body


class Reply(Exception):
    """A finished answer, raised from anywhere in a request's handling."""

    wire = None  # the response's header lines as bytes, built once (a cached reply is sent many times)
    cache_key = None  # set on a successful SPARQL answer: the raw request it answers

    def __init__(self, status: int, body: bytes | str, content_type: str = "text/plain; charset=utf-8",
                 headers: dict | None = None):
        self.status, self.content_type, self.headers = status, content_type, headers or {}
        self.body = body.encode("utf-8") if isinstance(body, str) else body


def error(status: int, message: str, headers: dict | None = None) -> Reply:
    return Reply(status, " ".join(message.split()) + "\n", headers=headers)


class Head:
    """What the checks read from a request head, in one pass over the raw header lines."""

    __slots__ = ("origin", "accept", "content_type")

    def __init__(self, origin: str, accept: str | None, content_type: str):
        self.origin, self.accept, self.content_type = origin, accept, content_type


SPARQL_PATHS = ("/sparql", "/query")


class App:
    """The ASGI application: checks every request, then routes it. A repeated SPARQL request is
    answered from spinekg.http.answers without parsing its parameters or asking a worker."""

    def __init__(self, lanes, *, timeout: float, max_rows: int, cors_origins, allowed_hosts: set[str],
                 answer_cache: int = 256):
        from spinekg.http.answers import AnswerCache

        self.lanes, self.timeout, self.max_rows = lanes, timeout, max_rows
        self.answers = AnswerCache(answer_cache)
        self.cors_origins = {o.rstrip("/").lower() for o in cors_origins if o and o != "*"}
        self.allowed_hosts = allowed_hosts
        self.own_origins = {f"http://{h}" for h in allowed_hosts}
        self.fhir_executor = None
        self.inflight: dict = {}  # normalised query -> the future of its running evaluation

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":  # lifespan is off; websockets are off
            return
        lanes = self.lanes  # it starts its spare workers when no request is in flight
        lanes.busy += 1
        try:
            await self.answer(scope, receive, send)
        finally:
            lanes.busy -= 1
            lanes.last_request = time.monotonic()

    async def answer(self, scope, receive, send):
        origin = ""
        try:
            head = self.check_request(scope)
            origin = head.origin
            reply = None
            if scope["method"] in ("GET", "HEAD") and scope["path"] in SPARQL_PATHS:
                reply = self.answers.replies.get((b"G", scope["query_string"], head.accept))
            if reply is None:
                reply = await self.handle(scope, receive, head)
                if reply.cache_key is not None:
                    from spinekg.http.answers import MAX_ANSWER_BYTES, MAX_KEY_BYTES

                    if len(reply.body) <= MAX_ANSWER_BYTES and sum(map(len, reply.cache_key[1:-1])) <= MAX_KEY_BYTES:
                        self.answers.replies.put(reply.cache_key, reply, len(reply.body) + 512)
        except Reply as r:
            reply = r
            if not origin:  # refused by the checks: an allowed origin may still read why
                raw = next((v for k, v in scope["headers"] if k == b"origin"), b"")
                origin = raw.decode("latin-1").rstrip("/")
        except Exception as e:  # noqa: BLE001 (a bug must still answer one line, never a traceback page)
            reply = error(500, f"internal error: {type(e).__name__}: {e}")
        await self.respond(send, scope, reply, origin)

    async def respond(self, send, scope, reply: Reply, origin: str) -> None:
        wire = reply.wire
        if wire is None:
            out = {"content-type": reply.content_type, "content-length": str(len(reply.body)),
                   "x-content-type-options": "nosniff", "cache-control": "no-store", "vary": "Accept, Origin"}
            out.update({k.lower(): v for k, v in reply.headers.items()})
            wire = reply.wire = [(k.encode("latin-1"), str(v).encode("latin-1")) for k, v in out.items()]
        if origin and origin.lower() in self.cors_origins:
            wire = [*wire, (b"access-control-allow-origin", origin.encode("latin-1")),
                    (b"access-control-expose-headers", b"X-Spinekg-Truncated")]
        await send({"type": "http.response.start", "status": reply.status, "headers": wire})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else reply.body})

    def check_request(self, scope) -> Head:
        size = len(scope["raw_path"]) + len(scope["query_string"])
        hosts = []
        origin = site = accept = ctype = None
        framing = 0
        for k, v in scope["headers"]:  # names arrive lower-cased from the parser
            size += len(k) + len(v) + 4
            if k == b"host":
                hosts.append(v)
            elif k == b"origin":
                origin = v if origin is None else origin
            elif k == b"accept":
                accept = v if accept is None else accept
            elif k == b"content-type":
                ctype = v if ctype is None else ctype
            elif k == b"sec-fetch-site":
                site = v if site is None else site
            elif k == b"content-length":
                framing |= 1
            elif k == b"transfer-encoding":
                framing |= 2
        if size > MAX_HEADER_BYTES:
            raise error(431, f"request head over {MAX_HEADER_BYTES} bytes", {"Connection": "close"})
        if framing == 3:  # RFC 9112 §6.1: reject, then close
            raise error(400, "a request may not carry both Content-Length and Transfer-Encoding",
                        {"Connection": "close"})
        if len(hosts) != 1:
            raise error(400, f"a request needs exactly one Host header (got {len(hosts)})")
        host = hosts[0].decode("latin-1").strip().lower()
        if host not in self.allowed_hosts:
            raise error(403, f"refused: Host {host or '(none)'!r} is not this server's own address")
        origin = (origin or b"").decode("latin-1").rstrip("/")
        if origin and origin.lower() not in self.own_origins and origin.lower() not in self.cors_origins:
            raise error(403, f"refused: Origin {origin!r} is another site; start the server with --cors-origin {origin} to allow it")
        if site is not None and site.decode("latin-1").lower() == "cross-site" and not origin:
            raise error(403, "refused: a cross-site request without an Origin header")
        if scope["method"] not in ("GET", "HEAD", "POST", "OPTIONS"):
            raise error(405, f"method {scope['method']} is not allowed", {"Allow": "GET, HEAD, POST, OPTIONS"})
        return Head(origin, None if accept is None else accept.decode("latin-1"),
                    (ctype or b"").decode("latin-1"))

    async def handle(self, scope, receive, head: Head) -> Reply:
        method, path, origin = scope["method"], scope["path"], head.origin
        if method == "OPTIONS":
            extra = {"Allow": "GET, HEAD, POST, OPTIONS"}
            if origin.lower() in self.cors_origins:
                extra.update({"Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                              "Access-Control-Allow-Headers": "Content-Type, Accept", "Access-Control-Max-Age": "600"})
            return Reply(204, b"", headers=extra)
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        body = await read_body(receive, headers) if method == "POST" else b""
        query = parse_query_string(scope["query_string"])
        if path == "/fhir" or path.startswith("/fhir/"):
            return await self.fhir(method, path, query, headers, body)
        if method in ("GET", "HEAD") and path in ("/", "/index.html"):
            return query_page()
        if method in ("GET", "HEAD") and path == "/queries":
            from spinekg.graph.sparql import saved_queries

            data = json.dumps([q.to_json() for q in saved_queries().values()], indent=2, ensure_ascii=False)
            return Reply(200, data, "application/json; charset=utf-8")
        if path not in (*SPARQL_PATHS, "/update"):
            raise error(404, f"not found: {path}; the SPARQL endpoint is /sparql")
        if method == "POST":
            ctype = head.content_type.split(";")[0].strip().lower()
            if path == "/update" or ctype == "application/sparql-update":
                raise error(403, "updates are not allowed: this endpoint is read-only")
            if ctype == "application/x-www-form-urlencoded":
                for k, v in parse_query_string(body).items():
                    query.setdefault(k, []).extend(v)
            elif ctype == "application/sparql-query":
                if "query" in query:
                    raise error(400, "the query is in the body; do not also pass query= in the URL")
                query["query"] = [decode(body)]
            else:
                raise error(415, "send application/sparql-query or application/x-www-form-urlencoded")
            key = (b"P", scope["query_string"], ctype.encode("latin-1"), body, head.accept)
        elif path == "/update":
            raise error(403, "updates are not allowed: this endpoint is read-only")
        else:
            key = (b"G", scope["query_string"], head.accept)
        reply = await self.sparql(query, head.accept, method)
        if reply.status == 200:
            reply.cache_key = key
        return reply

    async def sparql(self, params: dict, accept: str | None, method: str) -> Reply:
        from spinekg.graph import sparql
        from spinekg.graph.errors import SpinekgError

        if "update" in params:
            raise error(403, "updates are not allowed: this endpoint is read-only")
        if params.get("default-graph-uri") or params.get("named-graph-uri"):
            raise error(400, "default-graph-uri / named-graph-uri are not allowed: queries read only this graph")
        queries = params.get("query", [])
        if len(queries) != 1 or not queries[0].strip():
            if not queries and method in ("GET", "HEAD"):
                raise error(400, "missing query= parameter (the query page is at /)")
            raise error(400, "give exactly one non-empty query")
        text = queries[0]
        from spinekg.http.answers import MAX_ANSWER_BYTES, normalised

        nkey = normalised(text)
        result = self.answers.results.get(nkey) if nkey is not None else None
        fresh = result is None
        if fresh:
            if wanted_format(params, False) is None and wanted_format(params, True) is None:
                if negotiate(accept, False) is None and negotiate(accept, True) is None:
                    raise error(406, f"cannot answer in {accept}; offered: "
                                     f"{', '.join(sorted(set(SELECT_TYPES) | set(GRAPH_TYPES)))}")
            try:
                # the parse (10 ms to 1 s in rdflib) happens in the worker: killable, sealed, off the event loop
                result = await self.shared_query(nkey, text)
            except (sparql.QueryTimeout, sparql.QueryMemoryLimit) as e:
                raise error(503, str(e)) from None
            except sparql.ServerBusy as e:
                raise error(503, str(e), {"Retry-After": str(RETRY_AFTER)}) from None
            except sparql.UpdateRefused as e:
                raise error(403, str(e)) from None
            except sparql.EndpointError as e:
                raise error(502, str(e)) from None
            except SpinekgError as e:
                raise error(400, str(e)) from None
        fmt = choose_format(params, accept, result.is_graph)
        extra = {"X-Spinekg-Truncated": str(self.max_rows)} if result.truncated else {}
        reply = Reply(200, sparql.format_result(result, fmt), CONTENT_TYPES[fmt] + "; charset=utf-8", extra)
        if fresh and nkey is not None and len(reply.body) <= MAX_ANSWER_BYTES:
            self.answers.results.put(nkey, result, 2 * len(reply.body) + 512)  # rows weigh about twice their JSON
        return reply

    async def shared_query(self, nkey, text: str):
        """One evaluation for identical queries that arrive together (a cold answer cache under
        load): the others wait for its result (or its error) instead of taking more workers."""
        if nkey is None:
            return await self.lanes.query(text, timeout=self.timeout, max_rows=self.max_rows)
        running = self.inflight.get(nkey)
        if running is not None:
            try:
                return await asyncio.shield(running)
            except asyncio.CancelledError:
                if not running.cancelled():
                    raise  # this request itself was cancelled
            # the first asker was cancelled: evaluate it here
            return await self.lanes.query(text, timeout=self.timeout, max_rows=self.max_rows)
        fut = asyncio.get_running_loop().create_future()
        self.inflight[nkey] = fut
        try:
            result = await self.lanes.query(text, timeout=self.timeout, max_rows=self.max_rows)
        except asyncio.CancelledError:
            fut.cancel()
            raise
        except BaseException as e:
            fut.set_exception(e)
            fut.exception()  # retrieved: no "never retrieved" warning when nobody else waited
            raise
        else:
            fut.set_result(result)
            return result
        finally:
            self.inflight.pop(nkey, None)

    async def fhir(self, method, path, query, headers, body) -> Reply:
        try:
            from spinekg.fhir.service import handle
        except ModuleNotFoundError as e:
            if e.name not in ("spinekg.fhir", "spinekg.fhir.service"):
                raise
            raise error(404, "not found: this spinekg has no FHIR terminology service") from None
        if method not in ("GET", "HEAD", "POST"):
            raise error(405, f"method {method} is not allowed on /fhir", {"Allow": "GET, HEAD, POST"})
        joined: dict[str, str] = {}
        for k, v in headers:
            joined[k] = f"{joined[k]}, {v}" if k in joined else v
        if self.fhir_executor is None:
            from concurrent.futures import ThreadPoolExecutor

            self.fhir_executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="spinekg-fhir")
        loop = asyncio.get_running_loop()
        status, out_headers, data = await loop.run_in_executor(
            self.fhir_executor, handle, "GET" if method == "HEAD" else method, path, query, joined, body)
        ctype = next((v for k, v in out_headers.items() if k.lower() == "content-type"), "application/fhir+json")
        return Reply(status, data, ctype, {k: v for k, v in out_headers.items() if k.lower() != "content-type"})


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise error(400, f"the request is not valid UTF-8 (byte {e.start + 1})") from None


def parse_query_string(data: bytes) -> dict[str, list[str]]:
    try:
        return parse_qs(data.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as e:
        raise error(400, f"a parameter is not valid UTF-8 once percent-decoded (byte {e.start + 1})") from None


def choose_format(params, accept, graph: bool) -> str:
    fmt = wanted_format(params, graph) or negotiate(accept, graph)
    if fmt is None:
        kinds = GRAPH_TYPES if graph else SELECT_TYPES
        raise error(406, f"cannot answer in {accept}; offered: {', '.join(sorted(set(kinds)))}")
    return fmt


async def read_body(receive, headers) -> bytes:
    """The whole body, at most MAX_BODY bytes, within BODY_TIMEOUT (h11 has already framed it)."""
    length = next((v for k, v in headers if k == "content-length"), None)
    if length is not None and length.strip().isdigit() and int(length) > MAX_BODY:
        raise error(413, f"request body over {MAX_BODY} bytes")
    chunks, size = [], 0

    async def pull():
        nonlocal size
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise error(400, "the client went away")
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > MAX_BODY:
                raise error(413, f"request body over {MAX_BODY} bytes")
            if not message.get("more_body"):
                return

    try:
        await asyncio.wait_for(pull(), BODY_TIMEOUT)
    except asyncio.TimeoutError:
        raise error(408, f"the request body did not arrive within {BODY_TIMEOUT:g} s") from None
    return b"".join(chunks)


def query_page() -> Reply:
    import html
    from importlib.resources import files

    from spinekg.graph.sparql import saved_queries

    template = (files("spinekg") / "assets" / "query.html").read_text(encoding="utf-8")
    lib = [q.to_json() for q in saved_queries().values()]
    items = "\n".join(f'<li><button type="button" data-name="{html.escape(q["name"])}">{html.escape(q["title"])}</button>'
                      f' <span class="desc">{html.escape(q["description"])}</span></li>' for q in lib)
    data = json.dumps(lib, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    page = template.replace("<!--SAVED_LIST-->", items).replace("/*SAVED_JSON*/[]", data)
    csp = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
           "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
    return Reply(200, page, "text/html; charset=utf-8",
                 {"Content-Security-Policy": csp, "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"})
