"""Calls to one back-end service, with every failure mapped to one of three exceptions.

A Backend speaks the service's wire format (JSON, pagination, status codes) through a Transport,
which only carries one request to a base URL and brings back status, headers and body. Two exist:
HTTPTransport (here: one urllib3 PoolManager shared by the whole app, thread-safe, keeping connections
alive, so a page under load costs no new TCP handshakes) and WSGITransport (inprocess.py: the service's
WSGI app called directly, when a host runs it in this same process). Each call is bounded by the
configured budget; a listing that spans several pages shares one budget across them.
"""

from __future__ import annotations

import json
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

import urllib3
from service_common.timing import HEADER as SERVER_TIMING
from urllib3.exceptions import HTTPError, MaxRetryError, NewConnectionError, TimeoutError
from urllib3.util import Retry, Timeout

PAGE_LIMIT = 500  # the backends' maximum page size: fewest round trips
MAX_PAGES = 200  # a backend that keeps answering rel="next" must not hold a page forever
REJECTED_STATUSES = frozenset({400, 409, 413, 422})
# Idempotent reads get one retry of the connection only: a refused port stays fast, a slow answer is not retried.
READ_RETRY = Retry(total=1, connect=1, read=0, status=0, other=0, redirect=0)
_LINK = re.compile(r"<([^>]*)>([^<]*)")
_REL = re.compile(r"""\brel\s*=\s*"?([^";,]+)""")
# (service, seconds the call took as the caller saw it, the Server-Timing the service sent: "" for none)
CallHook = Callable[[str, float, str], None]


class BackendError(Exception):
    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"{service}: {reason}")
        self.service, self.reason = service, reason


class Unavailable(BackendError):
    """Down, too slow, failing, or answering something we cannot read."""


class NotFound(BackendError):
    pass


class Rejected(BackendError):
    """The backend refused the input: its message and its per-field errors."""

    def __init__(self, service: str, reason: str, fields: dict[str, list[str]]) -> None:
        super().__init__(service, reason)
        self.fields = fields


@dataclass(frozen=True)
class Reply:
    status: int
    data: Any
    headers: Mapping[str, str]


@dataclass(frozen=True)
class Answer:
    """What a transport brought back, not yet read as the service's wire format."""

    status: int
    headers: Mapping[str, str]  # case-insensitive, as HTTP headers are
    data: bytes


class TransportError(Exception):
    """No answer came: `reason` is "timed out", "unreachable" or why the call failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Transport(ABC):
    """Carries one request to a service and brings its answer back. Thread-safe: one per app."""

    @abstractmethod
    def send(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None,
        headers: Mapping[str, str],
        timeout_s: float,
        connect_s: float,
        idempotent: bool,
    ) -> Answer:
        """The answer to one request, within timeout_s (connect_s of it to reach the service);
        TransportError when there is none."""


def make_pool(maxsize: int) -> urllib3.PoolManager:
    # maxsize per host: at least as many connections as threads that may call one backend at once.
    return urllib3.PoolManager(num_pools=8, maxsize=maxsize, retries=False)


class HTTPTransport(Transport):
    """Over HTTP through a shared urllib3 pool: the chapter's way, and every model's but the monolith's."""

    def __init__(self, pool: urllib3.PoolManager) -> None:
        self.pool = pool

    def send(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None,
        headers: Mapping[str, str],
        timeout_s: float,
        connect_s: float,
        idempotent: bool,
    ) -> Answer:
        try:
            response = self.pool.request(
                method,
                url,
                body=body,
                headers=dict(headers),
                timeout=Timeout(total=timeout_s, connect=min(connect_s, timeout_s)),
                retries=READ_RETRY if idempotent else False,
                redirect=False,
            )
        except HTTPError as exc:
            raise TransportError(_failure(exc)) from None
        return Answer(response.status, response.headers, response.data)


class Backend:
    """One service at base_url. `transport` may be a urllib3 PoolManager, which means HTTP through it.
    `on_call` hears of every call once it ended, answered or not (how Web times its calls: timing.py)."""

    def __init__(
        self,
        service: str,
        base_url: str,
        transport: Transport | urllib3.PoolManager,
        timeout_s: float,
        connect_s: float,
        on_call: CallHook | None = None,
    ) -> None:
        self.service, self.base_url = service, base_url
        self.transport = transport if isinstance(transport, Transport) else HTTPTransport(transport)
        self.timeout_s, self.connect_s = timeout_s, connect_s
        self.on_call = on_call
        origin = urlsplit(base_url)
        self._origin = (origin.scheme, origin.netloc)

    def request(
        self,
        method: str,
        path: str,
        request_id: str,
        *,
        form: Mapping[str, str] | None = None,
        url: str | None = None,
        deadline: float | None = None,
    ) -> Reply:
        headers = {"Accept": "application/json", "X-Request-ID": request_id}
        body = None
        if form is not None:
            body = urlencode(form).encode("ascii")  # percent-encoded: ASCII whatever the input
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        budget_s = self._budget(deadline)
        started = time.perf_counter()
        forwarded = ""
        try:
            answer = self.transport.send(
                method,
                url or self.base_url + path,
                body=body,
                headers=headers,
                timeout_s=budget_s,
                connect_s=min(self.connect_s, budget_s),
                idempotent=method == "GET",
            )
            forwarded = answer.headers.get(SERVER_TIMING, "")
        except TransportError as exc:
            raise Unavailable(self.service, exc.reason) from None
        finally:
            if self.on_call is not None:
                self.on_call(self.service, time.perf_counter() - started, forwarded)
        return self._reply(answer)

    def list_all(self, path: str, request_id: str) -> list[Any]:
        """Every item of a paginated listing, following Link: rel="next" within one time budget."""
        deadline = time.monotonic() + self.timeout_s
        url: str | None = f"{self.base_url}{path}?limit={PAGE_LIMIT}"
        seen: set[str] = set()
        items: list[Any] = []
        while url is not None:
            if url in seen or len(seen) >= MAX_PAGES:
                raise Unavailable(self.service, "pagination does not end")
            seen.add(url)
            try:
                reply = self.request("GET", path, request_id, url=url, deadline=deadline)
            except NotFound:
                raise Unavailable(self.service, "listing not found") from None
            if not isinstance(reply.data, list):
                raise Unavailable(self.service, "answered a listing that is not a JSON array")
            items.extend(reply.data)
            url = self._next_page(reply.headers.get("Link", ""), url)
        return items

    def _budget(self, deadline: float | None) -> float:
        """Seconds this call may take: the whole budget, or what a listing's shared deadline has left."""
        if deadline is None:
            return self.timeout_s
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise Unavailable(self.service, "timed out")
        return remaining

    def _reply(self, answer: Answer) -> Reply:
        status = answer.status
        data = None
        if answer.data:
            try:
                data = json.loads(answer.data)
            except ValueError:
                if 200 <= status < 300:
                    raise Unavailable(self.service, "answered something that is not JSON") from None
        if 200 <= status < 300:
            return Reply(status, data, answer.headers)
        if status == 404:
            raise NotFound(self.service, "not found")
        if status in REJECTED_STATUSES:
            raise Rejected(self.service, _message(data, status), _fields(data))
        raise Unavailable(self.service, f"answered {status}")

    def _next_page(self, link_header: str, current: str) -> str | None:
        """The next page's URL, always on our configured origin: the backend may sit behind a proxy
        that names another host, and the web tier must only ever call the services it was given."""
        for target, params in _LINK.findall(link_header):
            rels = {rel.lower() for match in _REL.findall(params) for rel in match.split()}
            if "next" in rels:
                resolved = urlsplit(urljoin(current, target.strip()))
                return urlunsplit((*self._origin, resolved.path, resolved.query, ""))
        return None


def _failure(exc: HTTPError) -> str:
    cause = exc.reason if isinstance(exc, MaxRetryError) and exc.reason else exc
    # NewConnectionError subclasses ConnectTimeoutError in urllib3 2, yet a refused port is no timeout.
    if isinstance(cause, TimeoutError) and not isinstance(cause, NewConnectionError):
        return "timed out"
    return "unreachable"


def _message(data: Any, status: int) -> str:
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return data["error"]
    return f"rejected ({status})"


def _fields(data: Any) -> dict[str, list[str]]:
    """Students sends {"fields": {...}}; DRF sends the field map itself. Both become {field: [messages]}."""
    if not isinstance(data, dict):
        return {}
    raw = data.get("fields") if isinstance(data.get("fields"), dict) else data
    fields: dict[str, list[str]] = {}
    for name, messages in raw.items():
        if name == "error":
            continue
        listed = messages if isinstance(messages, list) else [messages]
        fields[str(name)] = [str(message) for message in listed]
    return fields
