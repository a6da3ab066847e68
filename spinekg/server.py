"""`spinekg serve`: the graph over the SPARQL 1.1 Protocol, read-only, on uvicorn, plus /fhir and a query page.

* GET /sparql?query=…, POST form (query=…), POST application/sparql-query; /query is an alias.
* Results by content negotiation: SPARQL JSON/XML, CSV, TSV; graphs as Turtle, N-Triples,
  JSON-LD, RDF/XML (a `format=` parameter, as SPARQLWrapper sends, overrides Accept); 406 only
  when the Accept header names nothing we offer.
* Updates → 403; SERVICE / FROM / LOAD and dataset parameters → 400; timeout → 503; memory cap
  → 503; busy → 503 with Retry-After; all with a one-line text/plain message.
* Binds 127.0.0.1 by default (a warning on any other address); a request whose Host is not the
  server's own is refused (DNS rebinding), so is one whose Origin is another site unless named
  with --cors-origin (no cross-site form POST); CORS never `*`, never credentials.
* uvicorn's parser is httptools (h11 without it): spinekg.http.protocol; the checks and routes
  are spinekg.http.app; answers are kept in the server process (spinekg.http.answers).
* Queries run in sealed worker processes (graph.sparql.workers) behind spinekg.http.lanes; the
  server returns once one worker is ready, the others start when needed or 5 s later.
* /fhir/… goes to spinekg.fhir.service.handle (imported on first use) after the same checks.
"""
from __future__ import annotations

import asyncio
import socket
import threading

from spinekg.http.app import MAX_HEADER_BYTES, App  # noqa: F401 (MAX_HEADER_BYTES: the one head limit)
from spinekg.http.negotiation import negotiate  # noqa: F401 (part of this module's interface)

LOOPBACK = ("127.0.0.1", "::1", "localhost")
__all__ = ["negotiate", "make_server", "start_in_thread", "close", "run_server", "SparqlServer"]


class SparqlServer:
    """A bound socket, the lanes and a uvicorn server; serve_forever() runs it on this thread."""

    def __init__(self, sock: socket.socket, lanes, app: App, parser: str | None = None):
        import uvicorn

        from spinekg.http.protocol import MAX_HEADER_BYTES, HardenedHttpToolsProtocol, protocol_class

        self.socket, self.runner, self.app = sock, lanes, app
        self.http_parser = "httptools" if protocol_class(parser) is HardenedHttpToolsProtocol else "h11"
        self.server_address = sock.getsockname()[:2]
        config = uvicorn.Config(app, http=protocol_class(parser), loop="asyncio", lifespan="off", ws="none",
                                log_level="critical", access_log=False, server_header=False,
                                log_config=None,  # no dictConfig (~10 ms at start): uvicorn logs only critical errors
                                timeout_keep_alive=5, h11_max_incomplete_event_size=MAX_HEADER_BYTES,
                                backlog=4096, timeout_graceful_shutdown=2, proxy_headers=False)
        self.uvicorn = uvicorn.Server(config)
        self.stopped = threading.Event()

    @property
    def url(self) -> str:
        host, port = self.server_address
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def serve_forever(self) -> None:
        self.uvicorn.install_signal_handlers = lambda: None  # Ctrl-C arrives as KeyboardInterrupt
        try:
            asyncio.run(self._serve())
        finally:
            self.stopped.set()

    async def _serve(self) -> None:
        self.runner.attach(asyncio.get_running_loop())  # workers that start from now on are handed over here
        import gc

        gc.freeze()  # what start-up built lives as long as the server: a full collection need not scan it
        await self.uvicorn.serve(sockets=[self.socket])

    def shutdown(self) -> None:
        self.uvicorn.should_exit = True
        self.stopped.wait(10)


def allowed_hosts(host: str, port: int, extra) -> set[str]:
    out = {h.lower() for h in extra} | {f"{host}:{port}".lower()}
    if host in (*LOOPBACK, "0.0.0.0", "::"):
        out |= {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}
    return out


def make_server(host: str = "127.0.0.1", port: int = 8000, *, engine: str = "oxigraph", endpoint: str | None = None,
                timeout: float = 10.0, max_rows: int = 10_000, workers: int = 2, fast_workers: int = 1,
                memory_mb: int | None = None, queue_limit: int = 512, answer_cache: int = 256, cors_origins=(),
                allow_hosts=(), http_parser: str | None = None, wait_all: bool = False) -> SparqlServer:
    """A ready server (call serve_forever(); then shutdown() and close()). It returns once one query
    worker is ready; the others start in the background (all of them first with wait_all)."""
    from spinekg.graph.errors import SpinekgError

    if "*" in cors_origins:
        raise SpinekgError("--cors-origin '*' is not allowed; name the origins")
    if max_rows < 1:
        raise SpinekgError("--max-rows must be 1 or more")
    try:
        # an ASCII host as bytes: a str is encoded with the idna codec, a ~5 ms import at start
        infos = socket.getaddrinfo(host.encode("ascii") if host.isascii() else host, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
        family, _, proto, _, address = infos[0]
        # the protocol number matters: asyncio turns Nagle off only on IPPROTO_TCP sockets, and with
        # Nagle on, a response written in parts waits 40 ms for the client's delayed ACK
        sock = socket.socket(family, socket.SOCK_STREAM, proto or socket.IPPROTO_TCP)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # inherited by accepted sockets
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(4096)
    except (OSError, UnicodeError) as e:
        raise SpinekgError(f"cannot listen on {host}:{port}: {getattr(e, 'strerror', None) or e}") from None
    first = None
    try:
        from spinekg.http.spawn import DEFAULT_MEMORY_MB, drop_early, spawn_worker, take_early

        if endpoint:
            drop_early()
        else:  # the first worker starts now (or started before the CLI read its options: spawn_early),
            # so it loads the graph while this process imports the rest
            memory_mb = memory_mb or DEFAULT_MEMORY_MB
            first = take_early(engine, memory_mb) or spawn_worker(engine, memory_mb)
        from spinekg.graph.sparql.limits import check_timeout
        from spinekg.http.lanes import Lanes, RemoteLane

        timeout = check_timeout(timeout) or 3600.0
        lanes = RemoteLane(endpoint) if endpoint else Lanes(engine, workers, fast_workers, queue_limit=queue_limit,
                                                             memory_mb=memory_mb, first=first)
    except BaseException:
        sock.close()
        if first is not None:
            first[0].kill()
            first[0].wait()
        raise
    bound_host, bound_port = sock.getsockname()[:2]
    try:
        app = App(lanes, timeout=timeout, max_rows=max_rows, cors_origins=cors_origins,
                  allowed_hosts=allowed_hosts(bound_host, bound_port, allow_hosts), answer_cache=answer_cache)
        server = SparqlServer(sock, lanes, app, http_parser)  # imports uvicorn while the first worker starts
        import spinekg.graph.sparql.formats  # noqa: F401 (the first answer's writers, also meanwhile)
        from spinekg.graph.sparql.lexer import _token_re

        _token_re()  # the answer cache's key tokenizes each query (spinekg.http.answers): compiled meanwhile

        server.uvicorn.config.load()
        lanes.start(wait_all=wait_all)
    except BaseException:
        sock.close()
        lanes.close()
        raise
    return server


def close(server: SparqlServer) -> None:
    server.socket.close()
    server.runner.close()


def exposure_warning(host: str) -> str | None:
    if host in LOOPBACK:
        return None
    return (f"warning: listening on {host}, not only this machine: anyone who can reach it can run read-only "
            "queries on the graph (and your imported descriptors) and read the FHIR service; use --host 127.0.0.1 "
            "unless you mean that")


def run_server(*, announce=print, **kw) -> None:
    server = make_server(**kw)
    warning = exposure_warning(kw.get("host", "127.0.0.1"))
    if warning:
        announce(warning)
    source = f"proxying {kw['endpoint']}" if kw.get("endpoint") else f"{kw.get('engine', 'oxigraph')} engine"
    announce(f"spinekg SPARQL endpoint: {server.url}/sparql  (query page: {server.url}/ ; {source}; Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        close(server)


def start_in_thread(**kw) -> tuple[SparqlServer, threading.Thread]:
    """Start a server on a background thread (used by tests and embedding applications), every
    query worker ready."""
    kw.setdefault("wait_all", True)
    server = make_server(**kw)
    t = threading.Thread(target=server.serve_forever, daemon=True, name="spinekg-serve")
    t.start()
    import time

    deadline = time.monotonic() + 10
    while not server.uvicorn.started and t.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    return server, t
