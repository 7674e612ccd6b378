"""The reverse proxy: route by path prefix, forward the request, pass the upstream's answer back untouched
(but for hop-by-hop headers, and the gateway's own entry added to Server-Timing).

It is a Tornado routing target (an HTTPServerConnectionDelegate) rather than a RequestHandler: a
handler's per-request machinery (default headers, Date formatting, ETag, flush) doubled the
gateway's CPU per request, and on a core shared with the upstream that is throughput lost.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

from service_common.routing import split_chaos_path
from tornado.httputil import (
    HTTPConnection,
    HTTPHeaders,
    HTTPMessageDelegate,
    HTTPServerConnectionDelegate,
    RequestStartLine,
    ResponseStartLine,
    responses,
)
from tornado.log import app_log

from .base import error_json, request_id_for
from .config import GatewayConfig
from .logs import log_access
from .timing import server_timing
from .upstream import UpstreamPool, UpstreamResponse, UpstreamTimeout, UpstreamUnavailable

# Headers that describe one connection, not the message (RFC 9110 section 7.6.1).
_HOP_BY_HOP = (
    "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
    "Proxy-Authenticate", "Proxy-Authorization",
)  # fmt: skip
# Content-Length is recomputed from the buffered body; Expect was answered by this server already.
_NOT_FORWARDED = frozenset(name.lower() for name in (*_HOP_BY_HOP, "Content-Length", "Expect", "X-Request-ID"))
_FORWARDED = frozenset({"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"})
_JSON = "application/json; charset=UTF-8"


class RouteError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Proxy(HTTPServerConnectionDelegate):
    """A routing target that forwards every request by the gateway's route table."""

    def __init__(self, config: GatewayConfig, upstreams: dict[str, UpstreamPool]) -> None:
        self.config = config
        self.upstreams = upstreams

    def start_request(self, server_conn: object, request_conn: HTTPConnection) -> HTTPMessageDelegate:
        return ProxiedRequest(self, request_conn)

    def route(self, path: str, query: str) -> tuple[str, str]:
        """(upstream, request target) for a request, or RouteError."""
        service = self.config.routes.match(path)
        if service is None:
            raise RouteError(404, "no route")
        return service, f"{path}?{query}" if query else path


class ChaosProxy(Proxy):
    """/__chaos__/<service>/<kind> -> <service>'s /__chaos__/<kind>; absent unless a chaos token is set."""

    def route(self, path: str, query: str) -> tuple[str, str]:
        split = split_chaos_path(path, self.config.chaos_prefix) if self.config.chaos_token else None
        if split is None:
            raise RouteError(404, "not found")
        service, target = split
        if service not in self.upstreams:
            raise RouteError(404, f"unknown service {service!r}")
        return service, f"{target}?{query}" if query else target


class ProxiedRequest(HTTPMessageDelegate):
    upstream = ""

    def __init__(self, proxy: Proxy, connection: HTTPConnection) -> None:
        self.proxy = proxy
        self.connection = connection
        self.max_body = proxy.config.max_body
        self.body: list[bytes] = []
        self.body_size = 0
        self.answered = False

    def headers_received(self, start_line: RequestStartLine | ResponseStartLine, headers: HTTPHeaders) -> None:
        assert isinstance(start_line, RequestStartLine)
        self.started = time.monotonic()
        self.method = start_line.method
        self.path, _, query = start_line.path.partition("?")
        self.headers = headers
        self.request_id = request_id_for(headers)
        try:
            self.upstream, self.target = self.proxy.route(self.path, query)
        except RouteError as exc:
            self.fail(exc.status, exc.message)

    def data_received(self, chunk: bytes) -> None:
        # Count, and stop keeping past the limit. The 413 waits for the end of the body: answering while
        # the client still sends makes the server close a socket with unread data, which the client sees
        # as a reset instead of the 413 (Docker's port proxy in front of model D made that visible).
        self.body_size += len(chunk)
        if self.body_size <= self.max_body:
            self.body.append(chunk)

    def finish(self) -> None:
        if self.answered:
            return
        if self.body_size > self.max_body:
            self.fail(413, f"request body larger than {self.max_body} bytes")
            return
        self.task = asyncio.ensure_future(self.forward())  # kept: the loop holds tasks only weakly

    def on_connection_close(self) -> None:
        self.body = []

    async def forward(self) -> None:
        pool = self.proxy.upstreams[self.upstream]
        try:
            response = await pool.fetch(self.method, self.target, self.headers_out(), b"".join(self.body))
            self.relay(response)
        except UpstreamTimeout as exc:
            self.fail(504, f"upstream timed out: {exc.detail}")
        except UpstreamUnavailable as exc:
            self.fail(502, f"upstream unavailable: {exc.detail}")
        except Exception:  # a bug of ours: answer anyway, so the client is not left waiting
            app_log.exception("proxying %s %s", self.method, self.path)
            self.fail(500, "internal error")

    def headers_out(self) -> Iterator[tuple[str, str]]:
        dropped = _NOT_FORWARDED | _FORWARDED | _connection_tokens(self.headers)
        for name, value in self.headers.get_all():
            if name.lower() not in dropped:
                yield name, value
        context = self.connection.context  # type: ignore[attr-defined]
        client = getattr(context, "remote_ip", "")
        forwarded_for = self.headers.get("X-Forwarded-For")
        yield "X-Forwarded-For", f"{forwarded_for}, {client}" if forwarded_for else client
        yield "X-Forwarded-Proto", getattr(context, "protocol", "http")
        yield "X-Forwarded-Host", self.headers.get("Host", "")
        yield "X-Request-ID", self.request_id

    def relay(self, response: UpstreamResponse) -> None:
        headers = response.headers
        for name in (*_HOP_BY_HOP, *_connection_tokens(headers)):
            if name in headers:
                del headers[name]
        # The body is buffered whole, so its length is known; HEAD keeps the upstream's (a GET's) length.
        if self.method != "HEAD" and response.code not in (204, 304) and response.code >= 200:
            headers["Content-Length"] = str(len(response.body))
        self.respond(response.code, response.reason, headers, response.body)

    def fail(self, status: int, message: str) -> None:
        body = error_json(message, self.upstream)
        headers = HTTPHeaders({"Content-Type": _JSON, "Content-Length": str(len(body))})
        self.respond(status, responses.get(status, "Error"), headers, body)

    def respond(self, status: int, reason: str, headers: HTTPHeaders, body: bytes) -> None:
        if self.answered:
            return
        seconds = time.monotonic() - self.started
        headers["X-Request-ID"] = self.request_id
        headers["Server-Timing"] = server_timing(headers.get_list("Server-Timing"), seconds)
        start_line = ResponseStartLine("HTTP/1.1", status, reason or responses.get(status, "Unknown"))
        self.connection.write_headers(start_line, headers, body if body and self.method != "HEAD" else None)
        self.answered = True  # only now: when writing raised, fail() can still answer
        self.connection.finish()
        log_access(self.method, self.path, status, self.upstream, seconds, self.request_id)


def _connection_tokens(headers: HTTPHeaders) -> set[str]:
    """Headers that the Connection header names are hop-by-hop too."""
    return {token.strip().lower() for token in headers.get("Connection", "").split(",") if token.strip()}
