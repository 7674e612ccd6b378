"""The listening side: Tornado's HTTPServer with every limit set from the config, and a connection cap.

Tornado's defaults suit a trusted client: no body timeout, an hour to send a request head, no cap on
connections. One asyncio loop costs nothing per stalled connection, but each holds a file descriptor
and buffers, so a few hundred half-sent requests (slowloris) could hold the gateway's descriptors for
as long as their senders liked. Here a head must arrive within idle_timeout of the connection's turn
to send one, a body within body_timeout, and at most max_connections are open at once.

Tornado has no cap of its own. A cap that only refused newcomers would hand the gateway to whoever
opened connections first; so at the cap the server closes the connection that has been sending its
request the longest (a stalled client, or an idle keep-alive one) to make room, and refuses a newcomer
only when every open connection is one whose answer the gateway itself is producing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable
from typing import Any

from tornado.httpserver import HTTPServer
from tornado.httputil import (
    HTTPConnection,
    HTTPHeaders,
    HTTPMessageDelegate,
    RequestStartLine,
    ResponseStartLine,
)
from tornado.iostream import IOStream
from tornado.web import Application

from .config import GatewayConfig

log = logging.getLogger("gateway")
_WARN_EVERY_S = 10.0  # under a flood of connections, one warning line per interval rather than one per connection


def make_server(app: Application, config: GatewayConfig) -> CappedHTTPServer:
    """The gateway's HTTP server for app, limited by config; the caller listens (listen or add_sockets)."""
    return CappedHTTPServer(
        app,
        max_connections=config.max_connections,
        # Tornado uses this both for idle keep-alive connections and as the deadline to receive a whole
        # request head, so a client that trickles header bytes is closed too, not just a silent one.
        idle_connection_timeout=config.idle_timeout,
        body_timeout=config.body_timeout,
        max_body_size=config.body_read_limit,
        max_header_size=config.max_header,
    )


class CappedHTTPServer(HTTPServer):
    """An HTTPServer that keeps at most max_connections client connections open."""

    def initialize(self, *args: Any, max_connections: int, **kwargs: Any) -> None:  # type: ignore[override]
        super().initialize(*args, **kwargs)
        self.max_connections = max_connections
        # Connections whose client is sending a request (or is idle between requests), by when that
        # began: insertion order is age order, so the first is the one to close at the cap.
        self.reading: dict[object, float] = {}
        self.closing: set[object] = set()  # closed to make room; Tornado forgets them a loop turn later
        self.evicted = 0
        self.refused = 0
        self._warned_at = float("-inf")  # the first time the cap is hit is logged at once
        self._unwarned = (0, 0)

    @property
    def open_connections(self) -> int:
        return len(self._connections) - len(self.closing)

    def handle_stream(self, stream: IOStream, address: tuple) -> None:
        if self.open_connections >= self.max_connections and not self._make_room():
            self.refused += 1
            self._warn()
            # Closed before anything is read or written: an answer now would race the client's request
            # and reach it as a reset anyway.
            stream.close()
            return
        super().handle_stream(stream, address)

    def start_request(self, server_conn: object, request_conn: HTTPConnection) -> HTTPMessageDelegate:
        # Called when a connection starts waiting for its next request head: the client's turn.
        self.reading.pop(server_conn, None)
        self.reading[server_conn] = time.monotonic()
        return _ClientTurn(self, server_conn, super().start_request(server_conn, request_conn))

    def on_close(self, server_conn: object) -> None:
        self.reading.pop(server_conn, None)
        self.closing.discard(server_conn)
        super().on_close(server_conn)

    def request_read(self, server_conn: object) -> None:
        """The whole request arrived: the connection is the gateway's to answer, not one to close."""
        self.reading.pop(server_conn, None)

    def _make_room(self) -> bool:
        if not self.reading:
            return False
        oldest = next(iter(self.reading))
        del self.reading[oldest]
        self.closing.add(oldest)
        oldest.stream.close()  # type: ignore[attr-defined]  # frees the descriptor now; the loop exits later
        self.evicted += 1
        self._warn()
        return True

    def _warn(self) -> None:
        now = time.monotonic()
        if now - self._warned_at < _WARN_EVERY_S:
            return
        evicted, refused = self.evicted - self._unwarned[0], self.refused - self._unwarned[1]
        self._warned_at, self._unwarned = now, (self.evicted, self.refused)
        log.warning(
            "connection cap %d reached: closed %d connections still sending a request, refused %d new ones",
            self.max_connections,
            evicted,
            refused,
        )


class _ClientTurn(HTTPMessageDelegate):
    """Passes one request through to its delegate, and tells the server when the request is all in."""

    def __init__(self, server: CappedHTTPServer, server_conn: object, delegate: HTTPMessageDelegate) -> None:
        self.server = server
        self.server_conn = server_conn
        self.delegate = delegate

    def headers_received(
        self, start_line: RequestStartLine | ResponseStartLine, headers: HTTPHeaders
    ) -> Awaitable[None] | None:
        return self.delegate.headers_received(start_line, headers)

    def data_received(self, chunk: bytes) -> Awaitable[None] | None:
        return self.delegate.data_received(chunk)

    def finish(self) -> None:
        self.server.request_read(self.server_conn)
        self.delegate.finish()

    def on_connection_close(self) -> None:
        self.delegate.on_connection_close()
