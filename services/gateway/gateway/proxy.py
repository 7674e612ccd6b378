"""The reverse proxy: route by path prefix, forward the request, pass the upstream's answer back untouched."""

from __future__ import annotations

from collections.abc import Iterable

from routing import split_chaos_path
from tornado.httputil import HTTPHeaders
from tornado.web import stream_request_body

from .base import GatewayError, GatewayHandler
from .upstream import UpstreamResponse, UpstreamTimeout, UpstreamUnavailable

# Headers that describe one connection, not the message (RFC 9110 section 7.6.1); Content-Length is
# recomputed, and Expect was already answered by this server.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "proxy-authenticate",
        "proxy-authorization",
    }
)
_NOT_FORWARDED = _HOP_BY_HOP | {"content-length", "expect", "x-request-id", "x-forwarded-proto", "x-forwarded-host"}
# The upstream's Content-Length stays: it is the body's length, and for HEAD the length a GET would send.
_NOT_RETURNED = _HOP_BY_HOP | {"x-request-id"}


@stream_request_body
class ProxyHandler(GatewayHandler):
    SUPPORTED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

    def prepare(self) -> None:
        super().prepare()
        self.upstream_name, self.target = self.route()
        self._body: list[bytes] = []
        self._body_size = 0
        declared = self.request.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.config.max_body:
            raise GatewayError(413, f"request body larger than {self.config.max_body} bytes")

    def route(self) -> tuple[str, str]:
        """(upstream, request target) for this request."""
        service = self.config.routes.match(self.request.path)
        if service is None:
            raise GatewayError(404, "no route")
        return service, self.request.uri or "/"

    def data_received(self, chunk: bytes) -> None:
        # Chunked uploads have no Content-Length to check up front: count, and stop keeping past the limit.
        self._body_size += len(chunk)
        if self._body_size <= self.config.max_body:
            self._body.append(chunk)

    async def proxy(self, *_: str) -> None:
        if self._body_size > self.config.max_body:
            raise GatewayError(413, f"request body larger than {self.config.max_body} bytes")
        pool = self.upstreams[self.upstream_name]
        try:
            response = await pool.fetch(
                self.request.method or "GET", self.target, self._headers_out(), b"".join(self._body)
            )
        except UpstreamTimeout as exc:
            raise GatewayError(504, f"upstream timed out: {exc.detail}") from None
        except UpstreamUnavailable as exc:
            raise GatewayError(502, f"upstream unavailable: {exc.detail}") from None
        self._relay(response)

    get = head = post = put = patch = delete = options = proxy

    def _headers_out(self) -> Iterable[tuple[str, str]]:
        request = self.request
        dropped = _NOT_FORWARDED | _connection_tokens(request.headers)
        forwarded_for = request.headers.get("X-Forwarded-For")
        client = request.remote_ip or ""
        for name, value in request.headers.get_all():
            lowered = name.lower()
            if lowered == "x-forwarded-for":
                continue
            if lowered not in dropped:
                yield name, value
        yield "X-Forwarded-For", f"{forwarded_for}, {client}" if forwarded_for else client
        yield "X-Forwarded-Proto", request.protocol
        yield "X-Forwarded-Host", request.host
        yield "X-Request-ID", self.request_id

    def _relay(self, response: UpstreamResponse) -> None:
        self.set_status(response.code, response.reason or None)
        for name in ("Content-Type", "Server", "Date"):  # Tornado's defaults: the upstream's own win
            self.clear_header(name)
        dropped = _NOT_RETURNED | _connection_tokens(response.headers)
        for name, value in response.headers.get_all():
            if name.lower() not in dropped:
                self.add_header(name, value)
        self.finish(response.body)


class ChaosHandler(ProxyHandler):
    """/__chaos__/<service>/<kind> -> <service>'s /__chaos__/<kind>; absent unless a chaos token is set."""

    def route(self) -> tuple[str, str]:
        split = split_chaos_path(self.request.path) if self.config.chaos_token else None
        if split is None:
            raise GatewayError(404, "not found")
        service, path = split
        if service not in self.upstreams:
            raise GatewayError(404, f"unknown service {service!r}")
        return service, f"{path}?{self.request.query}" if self.request.query else path


def _connection_tokens(headers: HTTPHeaders) -> set[str]:
    """Headers that the Connection header names are hop-by-hop too."""
    return {token.strip().lower() for token in headers.get("Connection", "").split(",") if token.strip()}
