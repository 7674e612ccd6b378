"""Every error becomes a readable HTML page with the right status; no traceback ever reaches a user."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

from .backend import NotFound, Rejected, Unavailable

Page = tuple[str, int]


def _unavailable(exc: Unavailable) -> Page:
    message = f"The {exc.service} service is unavailable ({exc.reason}). Please try again in a moment."
    return render_template("error.html", status=503, title=f"{exc.service} is unavailable", message=message), 503


def _not_found(exc: NotFound) -> Page:
    message = f"The {exc.service} service has no such record; it may have been deleted already."
    return render_template("error.html", status=404, title="Not found", message=message), 404


def _rejected(exc: Rejected) -> Page:
    return render_template("error.html", status=400, title="Request refused", message=exc.reason), 400


def _http(exc: HTTPException) -> Page:
    # Flask hands unhandled exceptions here as InternalServerError, after logging them.
    status = exc.code or 500
    return render_template("error.html", status=status, title=exc.name, message=exc.description), status


def init_app(app: Flask) -> None:
    app.register_error_handler(Unavailable, _unavailable)
    app.register_error_handler(NotFound, _not_found)
    app.register_error_handler(Rejected, _rejected)
    app.register_error_handler(HTTPException, _http)
