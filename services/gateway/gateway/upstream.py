"""A lean keep-alive HTTP/1.1 client: one pool of idle connections per upstream.

Tornado's SimpleAsyncHTTPClient opens a new connection per request (a sketch with it reached 0.66
of direct throughput); CurlAsyncHTTPClient reuses connections but needs pycurl and libcurl headers.
A reverse proxy needs little: one buffered request out, one buffered response in (Content-Length,
chunked, or read to close), and the connection kept for the next request.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterable
from dataclasses import dataclass

from tornado.httputil import HTTPHeaders, HTTPInputError, parse_response_start_line
from tornado.iostream import IOStream, StreamClosedError
from tornado.tcpclient import TCPClient

from .config import UpstreamConfig

# Methods whose repetition does no harm: the only ones retried after a connection failure.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_MAX_HEAD = 64 * 1024


@dataclass(frozen=True)
class UpstreamResponse:
    code: int
    reason: str
    headers: HTTPHeaders
    body: bytes


class UpstreamError(Exception):
    """The upstream gave no usable answer; the gateway maps each kind to one status."""

    def __init__(self, upstream: str, detail: str) -> None:
        super().__init__(f"{upstream}: {detail}")
        self.upstream = upstream
        self.detail = detail


class UpstreamUnavailable(UpstreamError):
    """Refused, reset or closed the connection, or answered something that is not HTTP (502)."""


class UpstreamTimeout(UpstreamError):
    """No connection or no whole answer in time (504)."""


class _Dropped(Exception):
    """The connection failed before any answer arrived: the request may be sent again."""


class UpstreamPool:
    def __init__(self, config: UpstreamConfig, max_idle: int = 64, max_response: int = 32 * 1024 * 1024) -> None:
        self.config = config
        self.authority = f"{config.host}:{config.port}"
        self.max_idle = max_idle
        self.max_response = max_response
        self.opened = 0  # connections opened so far: few means the pool reuses them
        self._idle: list[IOStream] = []
        self._tcp = TCPClient()

    async def fetch(
        self,
        method: str,
        target: str,
        headers: Iterable[tuple[str, str]],
        body: bytes = b"",
        timeout: float | None = None,
    ) -> UpstreamResponse:
        """Send one request; retry once on a failed connection when the method is idempotent."""
        request = _encode_request(method, target, headers, body)
        timeout = timeout or self.config.request_timeout
        attempts = 2 if method in IDEMPOTENT else 1
        for attempt in range(attempts):
            try:
                return await self._exchange(method, request, timeout)
            except _Dropped as exc:
                if attempt == attempts - 1:
                    raise UpstreamUnavailable(self.config.name, str(exc)) from None
        raise AssertionError("unreachable")

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()

    async def _exchange(self, method: str, request: bytes, timeout: float) -> UpstreamResponse:
        stream = await self._acquire(min(timeout, self.config.connect_timeout))
        # The deadline closes the stream with a TimeoutError, which every pending read then reports.
        timer = asyncio.get_running_loop().call_later(timeout, stream.close, TimeoutError())
        answered = reusable = False
        try:
            await stream.write(request)
            head = await stream.read_until(b"\r\n\r\n", max_bytes=_MAX_HEAD)
            answered = True
            response, reusable = await self._read_response(stream, method, head)
        except StreamClosedError as exc:
            raise self._failure(exc.real_error, answered) from None
        except (HTTPInputError, ValueError) as exc:
            raise UpstreamUnavailable(self.config.name, f"bad response: {exc}") from None
        finally:
            timer.cancel()
            if reusable:
                self._release(stream)
            else:
                stream.close()
        return response

    def _failure(self, cause: BaseException | None, answered: bool) -> Exception:
        if isinstance(cause, TimeoutError):
            return UpstreamTimeout(self.config.name, "no response in time")
        if not answered:
            return _Dropped(f"connection lost: {cause or 'closed by upstream'}")
        return UpstreamUnavailable(self.config.name, f"connection lost mid-response: {cause or 'closed'}")

    async def _acquire(self, connect_timeout: float) -> IOStream:
        while self._idle:
            stream = self._idle.pop()  # the most recently used: least likely to have been timed out
            if not stream.closed():
                stream.set_close_callback(None)
                return stream
        try:
            stream = await self._tcp.connect(
                self.config.host,
                self.config.port,
                timeout=connect_timeout,
                max_buffer_size=self.max_response + _MAX_HEAD,
            )
        except TimeoutError:
            raise UpstreamTimeout(self.config.name, "connect timed out") from None
        except OSError as exc:  # StreamClosedError is one; its real_error says why
            raise _Dropped(f"connect failed: {getattr(exc, 'real_error', None) or exc}") from None
        stream.set_nodelay(True)
        self.opened += 1
        return stream

    def _release(self, stream: IOStream) -> None:
        if len(self._idle) >= self.max_idle:
            stream.close()
            return
        # A close callback makes the stream watch for the upstream closing it while idle.
        stream.set_close_callback(functools.partial(self._forget, stream))
        self._idle.append(stream)

    def _forget(self, stream: IOStream) -> None:
        if stream in self._idle:
            self._idle.remove(stream)

    async def _read_response(self, stream: IOStream, method: str, head: bytes) -> tuple[UpstreamResponse, bool]:
        version, code, reason, headers = _parse_head(head)
        while 100 <= code < 200:  # interim answers (100 Continue) precede the real one
            version, code, reason, headers = _parse_head(await stream.read_until(b"\r\n\r\n", max_bytes=_MAX_HEAD))
        reusable = _keeps_alive(version, headers)
        if method == "HEAD" or code in (204, 304):
            body = b""
        elif "chunked" in headers.get("Transfer-Encoding", "").lower():
            body = await self._read_chunked(stream)
        elif "Content-Length" in headers:
            length = int(headers["Content-Length"])
            if not 0 <= length <= self.max_response:
                raise ValueError(f"Content-Length {length} out of range")
            body = await stream.read_bytes(length) if length else b""
        else:  # HTTP/1.0 style: the body ends where the connection does
            body = await stream.read_until_close()
            reusable = False
        return UpstreamResponse(code, reason, headers, body), reusable

    async def _read_chunked(self, stream: IOStream) -> bytes:
        parts, total = [], 0
        while True:
            size = int((await stream.read_until(b"\r\n", max_bytes=1024)).split(b";", 1)[0], 16)
            if size == 0:
                while await stream.read_until(b"\r\n", max_bytes=_MAX_HEAD) != b"\r\n":
                    pass  # trailers: dropped, as a buffering proxy may
                return b"".join(parts)
            total += size
            if total > self.max_response:
                raise ValueError("chunked body too large")
            parts.append((await stream.read_bytes(size + 2))[:-2])


def _encode_request(method: str, target: str, headers: Iterable[tuple[str, str]], body: bytes) -> bytes:
    lines = [f"{method} {target} HTTP/1.1"]
    lines.extend(f"{name}: {value}" for name, value in headers)
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _parse_head(head: bytes) -> tuple[str, int, str, HTTPHeaders]:
    start_line, _, header_block = head.decode("latin-1").partition("\r\n")
    start = parse_response_start_line(start_line)
    return start.version, start.code, start.reason, HTTPHeaders.parse(header_block)


def _keeps_alive(version: str, headers: HTTPHeaders) -> bool:
    tokens = {token.strip().lower() for token in headers.get("Connection", "").split(",")}
    return "keep-alive" in tokens if version == "HTTP/1.0" else "close" not in tokens
