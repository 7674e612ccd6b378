"""Server-Timing of Web's answers: its calls to Students and Grades, as Web saw them from the outside.

For each call a request made, in the order the calls ended: the entries the service sent for itself,
forwarded as they came (`students;dur=1.9`), then the call's time as Web saw it (`web-students;dur=3.2`):
over HTTP, connecting, the network and the service's queue included; in-process (the monolith), the
function call's. The difference of the two is that REST hop's cost. Web's own entry, `web;dur=`, comes
after them, from service_common's middleware around the whole app.

The services' entries are forwarded rather than left out: the page's answer alone then says where its
time went, hop by hop, and a load test's per-request log needs nothing else to split a page's time.

A request's calls are collected through a context variable, set when the request starts and cleared when
it ends. Grades is fetched on Web's pool thread in a copy of the request's context (services.py), so its
call lands in the same request. A call still running when the answer is sent has no entry.
"""

from __future__ import annotations

import threading
from contextvars import ContextVar

from flask import Flask, Response
from service_common.timing import HEADER, entry, joined

PREFIX = "web-"


class Calls:
    """One request's backend calls as Server-Timing entries; added to from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[str] = []

    def add(self, service: str, seconds: float, forwarded: str) -> None:
        own = entry(PREFIX + service.lower(), seconds)
        with self._lock:
            self._entries += [forwarded, own] if forwarded.strip() else [own]

    def entries(self) -> list[str]:
        with self._lock:
            return list(self._entries)


_current: ContextVar[Calls | None] = ContextVar("web_backend_calls", default=None)


def record(service: str, seconds: float, forwarded: str) -> None:
    """A Backend's on_call: one call ended after `seconds`, and the service sent `forwarded` ("" for none)."""
    calls = _current.get()
    if calls is not None:  # outside a request (a test's own call) there is no answer to put it in
        calls.add(service, seconds, forwarded)


def _start() -> None:
    _current.set(Calls())


def _answer(response: Response) -> Response:
    calls = _current.get()
    entries = calls.entries() if calls is not None else []
    if entries:
        response.headers[HEADER] = joined(response.headers.getlist(HEADER), *entries)
    return response


def _end(_: BaseException | None) -> None:
    _current.set(None)  # the server's thread goes on to other requests: none may add to this one's


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_answer)
    app.teardown_request(_end)
