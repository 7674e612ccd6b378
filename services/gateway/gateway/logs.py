"""The access log: one line per request, whichever path answered it."""

from __future__ import annotations

import logging

from tornado.web import RequestHandler

access_log = logging.getLogger("gateway.access")


def log_access(method: str, path: str, status: int, upstream: str, seconds: float, request_id: str) -> None:
    access_log.info("%s %s %d %s %.1fms %s", method, path, status, upstream or "-", seconds * 1000, request_id or "-")


def log_request(handler: RequestHandler) -> None:
    """The Application's log_function, for the requests that RequestHandlers answer."""
    request = handler.request
    upstream, request_id = getattr(handler, "upstream_name", ""), getattr(handler, "request_id", "")
    log_access(request.method or "-", request.path, handler.get_status(), upstream, request.request_time(), request_id)
