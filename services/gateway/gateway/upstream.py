"""A lean keep-alive HTTP/1.1 client: one pool of idle connections per upstream.

Tornado's SimpleAsyncHTTPClient opens a new connection per request (a sketch with it reached 0.66
of direct throughput); CurlAsyncHTTPClient reuses connections but needs pycurl and libcurl headers.
A reverse proxy needs little: one buffered request out, one buffered response in (Content-Length,
chunked, or read to close), and the connection kept for the next request. Each connection is an
asyncio Protocol that parses as bytes arrive and resolves one future per response: an IOStream
costs a future, a loop turn and an epoll change per read, which measured twice the CPU.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass

from tornado.httputil import HTTPHeaders, HTTPInputError, parse_response_start_line

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
        self.idle: list[_Connection] = []

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
        while self.idle:
            self.idle.pop().close()

    async def _exchange(self, method: str, request: bytes, timeout: float) -> UpstreamResponse:
        connection = await self._acquire(min(timeout, self.config.connect_timeout))
        timer = asyncio.get_running_loop().call_later(timeout, connection.expire)
        try:
            response = await connection.send(method, request)
        except BaseException:
            connection.close()  # already closed on an upstream failure; not reusable when cancelled
            raise
        finally:
            timer.cancel()
        if connection.reusable and len(self.idle) < self.max_idle:
            self.idle.append(connection)
        else:
            connection.close()
        return response

    async def _acquire(self, connect_timeout: float) -> _Connection:
        while self.idle:
            connection = self.idle.pop()  # the most recently used: least likely to have been timed out
            if connection.reusable:
                return connection
        loop = asyncio.get_running_loop()
        try:
            _, connection = await asyncio.wait_for(
                loop.create_connection(lambda: _Connection(self), self.config.host, self.config.port),
                connect_timeout,
            )
        except TimeoutError:
            raise UpstreamTimeout(self.config.name, "connect timed out") from None
        except OSError as exc:
            raise _Dropped(f"connect failed: {exc.strerror or exc}") from None
        self.opened += 1
        return connection

    def forget(self, connection: _Connection) -> None:
        if connection in self.idle:
            self.idle.remove(connection)


class _Connection(asyncio.Protocol):
    """One upstream connection; reads all the time, so a close while idle is noticed at once."""

    def __init__(self, pool: UpstreamPool) -> None:
        self.pool = pool
        self.name = pool.config.name
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[UpstreamResponse] | None = None
        self.reusable = False  # true while connected and between whole exchanges
        self.timed_out = False
        self.method = ""
        self.head: tuple[str, int, str, HTTPHeaders] | None = None
        self.length: int | None = None  # body bytes still expected; None: chunked or until close
        self.chunked = False
        self.keep_alive = False
        self.chunks: list[bytes] = []
        self.chunks_size = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.reusable = True

    def send(self, method: str, request: bytes) -> asyncio.Future[UpstreamResponse]:
        assert self.transport is not None and self.waiter is None
        self.reusable = False
        self.method = method
        self.head, self.length, self.chunked, self.chunks, self.chunks_size = None, None, False, [], 0
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return self.waiter

    def data_received(self, data: bytes) -> None:
        if self.waiter is None:  # nothing was asked: an idle connection must stay silent
            self.close()
            return
        self.buffer += data
        try:
            self._advance()
        except (HTTPInputError, ValueError) as exc:
            self._fail(UpstreamUnavailable(self.name, f"bad response: {exc}"))

    def eof_received(self) -> bool:
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.reusable = False
        self.pool.forget(self)
        if self.waiter is None:
            return
        if self.timed_out:
            self._fail(UpstreamTimeout(self.name, "no response in time"))
        elif self.head is not None and self.length is None and not self.chunked:
            self._done(bytes(self.buffer))  # the body ended where the connection did
        elif self.head is None and not self.buffer:
            self._fail(_Dropped(f"connection lost: {exc or 'closed by upstream'}"))
        else:
            self._fail(UpstreamUnavailable(self.name, f"connection lost mid-response: {exc or 'closed'}"))

    def expire(self) -> None:
        self.timed_out = True
        self.close()

    def close(self) -> None:
        self.reusable = False
        if self.transport is not None:
            self.transport.abort()

    def _advance(self) -> None:
        while self.head is None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > _MAX_HEAD:
                    raise ValueError("response head too large")
                return
            head = _parse_head(bytes(self.buffer[:end]))
            del self.buffer[: end + 4]
            if not 100 <= head[1] < 200:  # interim answers (100 Continue) precede the real one
                self._start_body(head)
        if self.chunked:
            self._advance_chunked()
        elif self.length is not None and len(self.buffer) >= self.length:
            body = bytes(self.buffer[: self.length])
            del self.buffer[: self.length]
            self._done(body)
        elif self.length is None and len(self.buffer) > self.pool.max_response:
            raise ValueError("body too large")

    def _start_body(self, head: tuple[str, int, str, HTTPHeaders]) -> None:
        self.head = head
        _, code, _, headers = head
        self.keep_alive = _keeps_alive(head[0], headers)
        if self.method == "HEAD" or code in (204, 304):
            self.length = 0
        elif "chunked" in headers.get("Transfer-Encoding", "").lower():
            self.chunked = True
        elif "Content-Length" in headers:
            self.length = int(headers["Content-Length"])
            if not 0 <= self.length <= self.pool.max_response:
                raise ValueError(f"Content-Length {self.length} out of range")
        else:
            self.keep_alive = False  # HTTP/1.0 style: the body ends where the connection does

    def _advance_chunked(self) -> None:
        while True:
            line_end = self.buffer.find(b"\r\n")
            if line_end < 0:
                return
            if self.length is None:  # at a chunk-size line
                size = int(bytes(self.buffer[:line_end]).split(b";", 1)[0], 16)
                if size == 0:
                    self.length = -1  # in the trailers
                else:
                    self.chunks_size += size
                    if self.chunks_size > self.pool.max_response:
                        raise ValueError("chunked body too large")
                    if len(self.buffer) < line_end + 2 + size + 2:
                        self.chunks_size -= size  # counted again when the whole chunk is here
                        return
                    self.chunks.append(bytes(self.buffer[line_end + 2 : line_end + 2 + size]))
                    del self.buffer[: line_end + 2 + size + 2]
                    continue
            elif line_end == 0:  # the blank line after the trailers, which are dropped
                del self.buffer[:2]
                self._done(b"".join(self.chunks))
                return
            del self.buffer[: line_end + 2]

    def _done(self, body: bytes) -> None:
        assert self.head is not None and self.waiter is not None
        version, code, reason, headers = self.head
        waiter, self.waiter = self.waiter, None
        self.reusable = self.keep_alive and not self.buffer and self.transport is not None
        if not waiter.done():
            waiter.set_result(UpstreamResponse(code, reason, headers, body))

    def _fail(self, error: Exception) -> None:
        waiter, self.waiter = self.waiter, None
        self.close()
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)


def _encode_request(method: str, target: str, headers: Iterable[tuple[str, str]], body: bytes) -> bytes:
    lines = [f"{method} {target} HTTP/1.1"]
    lines.extend(f"{name}: {value}" for name, value in headers)
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _parse_head(head: bytes) -> tuple[str, int, str, HTTPHeaders]:
    start_line, *lines = head.decode("latin-1").split("\r\n")
    start = parse_response_start_line(start_line)
    # Half the cost of HTTPHeaders.parse; what it would reject (folded lines, bare names) is still a 502.
    headers = HTTPHeaders()
    for line in lines:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip() or "\n" in value:
            raise ValueError(f"bad header line {line[:40]!r}")
        headers.add(name, value.strip())
    return start.version, start.code, start.reason, headers


def _keeps_alive(version: str, headers: HTTPHeaders) -> bool:
    tokens = {token.strip().lower() for token in headers.get("Connection", "").split(",")}
    return "keep-alive" in tokens if version == "HTTP/1.0" else "close" not in tokens
