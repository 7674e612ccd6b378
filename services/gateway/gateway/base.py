"""The one base handler (JSON errors, request ids, dependencies) and the pieces the proxy shares with it."""

from __future__ import annotations

import json
import re
import uuid
from asyncio import Future
from typing import Any

from tornado.httputil import HTTPHeaders
from tornado.web import HTTPError, RequestHandler

from .config import GatewayConfig
from .timing import gateway_entry
from .upstream import UpstreamPool

# Ids from clients are kept only when they are short and plain, so they are safe in logs and headers.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_for(headers: HTTPHeaders) -> str:
    incoming = headers.get("X-Request-ID", "")
    return incoming if _REQUEST_ID.fullmatch(incoming) else str(uuid.uuid4())


def error_document(message: str, upstream: str = "") -> dict[str, str]:
    return {"error": message, "upstream": upstream} if upstream else {"error": message}


def error_json(message: str, upstream: str = "") -> bytes:
    return json.dumps(error_document(message, upstream)).encode()


class GatewayError(HTTPError):
    """An error answered as JSON: {"error": message}."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(status_code)
        self.message = message


class GatewayHandler(RequestHandler):
    upstream_name = ""  # for the JSON error and the access log
    request_id = ""

    def initialize(self, config: GatewayConfig, upstreams: dict[str, UpstreamPool]) -> None:
        self.config = config
        self.upstreams = upstreams

    def prepare(self) -> None:
        self.request_id = request_id_for(self.request.headers)
        self.set_header("X-Request-ID", self.request_id)

    def finish(self, chunk: str | bytes | dict | None = None) -> Future[None]:
        # Here rather than in each handler, so errors (write_error, after send_error's clear()) have it too.
        if not self._headers_written:
            self.set_header("Server-Timing", gateway_entry(self.request.request_time()))
        return super().finish(chunk)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        message = exc.message if isinstance(exc, GatewayError) else self._reason.lower()
        if self.request_id:  # send_error() cleared the headers
            self.set_header("X-Request-ID", self.request_id)
        self.finish(error_document(message, self.upstream_name))
