"""Every error leaves the service as JSON: {"error": "...", "fields": {"name": ["..."]}}."""

from __future__ import annotations

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    """A client error found by our own code, with the status and field messages to send back."""

    def __init__(self, status: int, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.fields = status, message, fields or {}


def _api_error(exc: ApiError) -> tuple[Response, int]:
    body: dict[str, object] = {"error": exc.message}
    if exc.fields or exc.status == 400:
        body["fields"] = exc.fields
    return jsonify(body), exc.status


def _http_error(exc: HTTPException) -> Response:
    # Werkzeug's own response keeps what matters (status, Allow on 405); only the HTML body goes.
    # Unhandled exceptions arrive here as InternalServerError, already logged, so no traceback leaks.
    response = exc.get_response()
    response.set_data(jsonify({"error": (exc.name or "error").lower()}).get_data())
    response.content_type = "application/json"
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)
