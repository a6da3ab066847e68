"""uvicorn's HTTP protocols for the endpoint, with a header timeout and a head-size limit (negotiation: spinekg.http.negotiation).

Parser: httptools (llhttp, Node's parser: strict RFC 9112 framing, in C) when installed, else h11.
llhttp refuses, before the app sees anything, Content-Length with Transfer-Encoding, a duplicate
or negative Content-Length, an unknown transfer coding, bare LF line ends, obs-fold and control
characters; each gets a one-line 400 and the connection is closed. h11 refuses the same framing
errors and the app checks CL+TE again for it. uvicorn's httptools protocol has no head-size limit,
so here a head over MAX_HEADER_BYTES gets 431 (counted on what the parser reports, and on the raw
bytes of every later read while a head is still incomplete, so a head trickled in forever is cut).

uvicorn arms its keep-alive timer only after a response and cancels it on any byte, so a
connection that trickles (or never sends) a request head would stay open forever; here a
second timer closes a connection whose next request head is not complete within HEADER_TIMEOUT.
"""
from __future__ import annotations

import functools

from spinekg.http.negotiation import (CONTENT_TYPES, FORMAT_ALIASES, GRAPH_FORMATS, GRAPH_TYPES,  # noqa: F401
                                     SELECT_TYPES, negotiate, wanted_format)

HEADER_TIMEOUT = 10.0  # seconds for a new connection to deliver a complete request head
from spinekg.http.app import MAX_HEADER_BYTES  # noqa: E402 (one limit, for both parsers and the app)


class CorkedTransport:
    """The writes of one turn of the event loop leave in one send: uvicorn writes a response's
    head, body and end separately, which costs a system call and a TCP segment each."""

    def __init__(self, transport, loop):
        self._transport, self._loop, self._pending = transport, loop, []

    def write(self, data) -> None:
        if not data:
            return
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(bytes(data))

    def flush(self) -> None:
        if self._pending:
            data, self._pending = b"".join(self._pending), []
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def __getattr__(self, name):  # everything else is the real transport's
        return getattr(self._transport, name)


class HeadTimer:
    """The header timeout, for either uvicorn protocol (both keep the current request in `cycle`)."""

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


@functools.cache
def h11_protocol():
    """uvicorn's h11 protocol + the header timeout; defined on first use, as h11 and uvicorn's
    h11 module take ~20 ms to import and a server on httptools never needs them."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeaderTimeoutProtocol(HeadTimer, H11Protocol):
        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(CorkedTransport(transport, self.loop))
            self._arm_head_timer()

    return HeaderTimeoutProtocol


def refusal(status: int, message: str) -> bytes:
    reason = {400: "Bad Request", 431: "Request Header Fields Too Large"}[status]
    body = message.encode("ascii", "replace") + b"\n"
    return (f"HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain; charset=utf-8\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n").encode() + body


try:
    import httptools
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # h11 only
    HttpToolsProtocol = HardenedHttpToolsProtocol = None
else:
    class HardenedHttpToolsProtocol(HeadTimer, HttpToolsProtocol):
        """uvicorn's httptools protocol + the header timeout, a head-size limit, one-line 400s."""

        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(CorkedTransport(transport, self.loop))
            self._head_size = 0  # what the parser reported of the current head
            self._head_raw = 0  # bytes of the later reads that all went into the current, incomplete head
            self._head_open = False  # a head began in an earlier read and is not complete
            self._in_head = False
            self._arm_head_timer()

        def data_received(self, data: bytes) -> None:
            self._unset_keepalive_if_required()
            try:
                self.parser.feed_data(data)
            except httptools.HttpParserCallbackError as e:
                if isinstance(e.__context__, HeadTooLarge):
                    return self._refuse(431, f"request head over {MAX_HEADER_BYTES} bytes")
                raise
            except httptools.HttpParserError as e:
                why = " ".join(str(e).split())
                if "Transfer-Encoding" in why and "Content-Length" in why:
                    why = "a request may not carry both Content-Length and Transfer-Encoding"
                return self._refuse(400, f"malformed request: {why}")
            except httptools.HttpParserUpgrade:
                return self._refuse(400, "protocol upgrades are not supported")
            if self._in_head:  # still incomplete: the parser holds a partial line it has not reported
                self._head_raw = self._head_raw + len(data) if self._head_open else 0
                if self._head_raw > MAX_HEADER_BYTES:
                    return self._refuse(431, f"request head over {MAX_HEADER_BYTES} bytes")
            self._head_open = self._in_head

        def _refuse(self, status: int, message: str) -> None:
            self._in_head = self._head_open = False
            if not self.transport.is_closing():
                self.transport.write(refusal(status, message))
                self.transport.close()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._head_size, self._in_head = 0, True

        def on_url(self, url: bytes) -> None:
            self._grow(len(url))
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._grow(len(name) + len(value) + 4)
            super().on_header(name, value)

        def _grow(self, n: int) -> None:
            self._head_size += n
            if self._head_size > MAX_HEADER_BYTES:
                raise HeadTooLarge

        def on_headers_complete(self) -> None:
            self._in_head = self._head_open = False
            super().on_headers_complete()


class HeadTooLarge(Exception):
    """Raised from a parser callback: the request head passed MAX_HEADER_BYTES."""


def protocol_class(parser: str | None = None):
    """The uvicorn protocol to serve with: "httptools" (the default when installed) or "h11"."""
    if parser not in (None, "httptools", "h11"):
        raise ValueError(parser)
    if parser == "h11" or HttpToolsProtocol is None:
        if parser == "httptools":
            raise ImportError("httptools is not installed")
        return h11_protocol()
    return HardenedHttpToolsProtocol
