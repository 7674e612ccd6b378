"""The in-process transport: a backend's WSGI application called directly, with no socket at all.

When a host runs Students and Grades in the same process as Web (model A as a true monolith), it
gives Web's factory their WSGI callables, `create_app(config, backends={"students": app, "grades": app})`,
and Web's calls to them become function calls: the same request a client would send (method, path,
query, headers with Host and X-Request-ID, body) is turned into a WSGI environ, the app is called in
the calling thread, and its status, headers and body come back as an Answer. Everything above the
transport — the wire format, pagination, the mapping of failures to pages — is the same code as over
HTTP. The app should be the service's full WSGI callable, the one its own server would be given, so
its fault-injection middleware applies to these calls as to any other.

What cannot be the same as over HTTP is the budget: a function call cannot be abandoned half way.
  - A slow backend holds the calling thread for as long as it takes (a latency assault of 3 s holds
    it 3 s). An answer that came after the call's budget counts as "timed out", so the page is the
    one HTTP would give (Students: a 503 page; Grades: the degraded page); only it comes late.
    Grades is fetched on Web's pool thread while the page waits for it at most the budget (services.py),
    so a slow Grades still degrades the page on time; it is the pool thread that stays held.
  - An app that raises (a bug below the app's own error handling, in a middleware) is a failed call:
    "unavailable", the same page as a 500 over HTTP, and the traceback is logged here.
  - Anything that is not an Exception (a SystemExit, the process exiting) is the process's, not the call's.
"""

from __future__ import annotations

import io
import logging
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from urllib3 import HTTPHeaderDict

from .backend import Answer, Transport, TransportError
from .config import ConfigError

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]

log = logging.getLogger(__name__)
DEFAULT_PORTS = {"http": "80", "https": "443"}
CALLER_ADDRESS = "127.0.0.1"  # the caller is this very process


def environ_for(method: str, url: str, body: bytes | None, headers: Mapping[str, str]) -> dict[str, Any]:
    """The WSGI environ (PEP 3333) of the request an HTTP client would send to `url`: the Host header is
    the URL's host and port, PATH_INFO the decoded path, SCRIPT_NAME empty (the app is mounted at /)."""
    parts = urlsplit(url)
    data = body or b""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method.upper(),
        "SCRIPT_NAME": "",
        # PEP 3333: the path's bytes, as a latin-1 string, as every WSGI server passes them
        "PATH_INFO": unquote_to_bytes(parts.path or "/").decode("latin-1"),
        "QUERY_STRING": parts.query,
        "SERVER_NAME": parts.hostname or "localhost",
        "SERVER_PORT": str(parts.port) if parts.port else DEFAULT_PORTS.get(parts.scheme, "80"),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": CALLER_ADDRESS,
        "HTTP_HOST": parts.netloc,
        "CONTENT_LENGTH": str(len(data)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": parts.scheme or "http",
        "wsgi.input": io.BytesIO(data),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.input_terminated": True,
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        elif key != "HOST":  # the URL's, as an HTTP client sends it
            environ["HTTP_" + key] = value
    environ["CONTENT_LENGTH"] = str(len(data))  # whatever was said, the body is what it is
    return environ


class WSGITransport(Transport):
    """Calls `app` in the calling thread. Thread-safe as far as the app is: WSGI apps are called by
    many server threads at once, and this is one more caller."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def send(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None,
        headers: Mapping[str, str],
        timeout_s: float,
        connect_s: float,  # nothing to connect to
        idempotent: bool,  # nothing to retry: no connection can be refused
    ) -> Answer:
        started = time.monotonic()
        status, response_headers, chunks = self._call(environ_for(method, url, body, headers))
        if time.monotonic() - started > timeout_s:
            raise TransportError("timed out")  # answered, but after the budget: as HTTP would have given up
        try:
            code = int(status.split(None, 1)[0])
        except ValueError:
            raise TransportError(f"answered a bad status {status!r}") from None
        return Answer(code, HTTPHeaderDict(response_headers), b"".join(chunks))

    def _call(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], list[bytes]]:
        status: list[str] = []
        response_headers: list[tuple[str, str]] = []
        chunks: list[bytes] = []

        def start_response(
            new_status: str, new_headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
        ) -> Callable[[bytes], None]:
            if exc_info is not None and status and chunks:  # PEP 3333: too late to change the answer
                raise exc_info[1].with_traceback(exc_info[2])
            status[:] = [new_status]
            response_headers[:] = list(new_headers)
            return chunks.append  # the legacy write() callable

        try:
            result = self.app(environ, start_response)
            try:
                chunks.extend(bytes(chunk) for chunk in result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()  # Django sends request_finished here: connections go back, as after any request
        except Exception as exc:
            log.exception("in-process call %s %s failed", environ["REQUEST_METHOD"], environ["PATH_INFO"])
            raise TransportError(f"failed in-process ({type(exc).__name__})") from None
        if not status:
            raise TransportError("answered without a status")
        return status[0], response_headers, chunks


def transports(backends: Mapping[str, WSGIApp] | None, known: Iterable[str]) -> dict[str, Transport]:
    """{name: WSGITransport} for the backends given as WSGI apps; a name Web does not call is an error,
    as a misspelt one would silently leave that backend on HTTP."""
    given = dict(backends or {})
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise ConfigError(f"in-process backends: no backend named {', '.join(map(repr, unknown))}; "
                         f"Web calls {', '.join(sorted(known))}")
    for name, app in given.items():
        if not callable(app):
            raise ConfigError(f"in-process backend {name!r} is not a WSGI application")
    return {name: WSGITransport(app) for name, app in given.items()}
