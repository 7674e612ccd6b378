"""The one base handler: request ids, JSON errors, and the dependencies every handler gets."""

from __future__ import annotations

import re
import uuid
from typing import Any

from tornado.web import HTTPError, RequestHandler

from .config import GatewayConfig
from .upstream import UpstreamPool

# Ids from clients are kept only when they are short and plain, so they are safe in logs and headers.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class GatewayError(HTTPError):
    """An error answered as JSON: {"error": message, "upstream": name}."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(status_code)
        self.message = message


class GatewayHandler(RequestHandler):
    upstream_name = ""  # the upstream this request went to, for the JSON error and the access log
    request_id = ""

    def initialize(self, config: GatewayConfig, upstreams: dict[str, UpstreamPool]) -> None:
        self.config = config
        self.upstreams = upstreams

    def prepare(self) -> None:
        incoming = self.request.headers.get("X-Request-ID", "")
        self.request_id = incoming if _REQUEST_ID.fullmatch(incoming) else str(uuid.uuid4())
        self.set_header("X-Request-ID", self.request_id)

    def compute_etag(self) -> None:
        return None  # a proxy passes the upstream's validators on, and never turns a 200 into a 304

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        body = {"error": exc.message if isinstance(exc, GatewayError) else self._reason.lower()}
        if self.upstream_name:
            body["upstream"] = self.upstream_name
        if self.request_id:  # send_error() cleared the headers
            self.set_header("X-Request-ID", self.request_id)
        self.finish(body)
