"""W3C Server-Timing: each hop's own entry, `name;dur=<ms>`, after the entries of the hops it called.

Standard library only. Students, Grades and Web wrap their WSGI app in ServerTiming (outside the chaos
middleware, so that an injected delay or error shows in the entry); the gateway builds its own entry with
`entry` and `joined`. Read from the outside in, an answer that passed every hop says where its time went:
`students;dur=1.9, web-students;dur=3.2, …, web;dur=9.1, gw;dur=10.0`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from .chaos import StartResponse, WSGIApp

HEADER = "Server-Timing"


def entry(name: str, seconds: float) -> str:
    return f"{name};dur={seconds * 1000:.1f}"


def joined(values: Iterable[str], *entries: str) -> str:
    """The Server-Timing values in order, then `entries`, as one field value.

    One field rather than one more line: the two are equivalent for a list header (RFC 9110
    section 5.3), but some clients hand a repeated field back as a list (geventhttpclient, under
    Locust's FastHttpUser, does), which every reader of the header would then have to expect.
    """
    return ", ".join([*(value.strip() for value in values if value.strip()), *entries])


class ServerTiming:
    """WSGI middleware: every answer of `app` gets `<name>;dur=<ms>` appended to its Server-Timing.

    The time runs from the call to the app until it starts its answer (start_response): the whole of it for
    an answer built before it is sent, as every answer of the lab's services is. Each app wraps itself with
    its own name in its factory, so it is named the same whether it runs alone or beside the others in
    one process.
    """

    def __init__(self, app: WSGIApp, name: str, *, clock: Callable[[], float] = time.perf_counter) -> None:
        self.app, self.name, self.clock = app, name, clock

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        started = self.clock()

        def timed(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            found = [value for key, value in headers if key.lower() == HEADER.lower()]
            kept = [(key, value) for key, value in headers if key.lower() != HEADER.lower()]
            kept.append((HEADER, joined(found, entry(self.name, self.clock() - started))))
            return start_response(status, kept) if exc_info is None else start_response(status, kept, exc_info)

        return self.app(environ, timed)
