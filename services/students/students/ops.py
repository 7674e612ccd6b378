"""What operators and the lab ask of the service: liveness, readiness, and its API description."""

from __future__ import annotations

import json
import sqlite3
from importlib import resources
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from .db import get_db

bp = Blueprint("ops", __name__)

OPENAPI: dict[str, Any] = json.loads(resources.files(__package__).joinpath("openapi.json").read_text())


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> Response | tuple[Response, int]:
    # Touch the table, not just the connection: a missing or broken database file must fail here.
    if not Path(current_app.config["STUDENTS_DB"]).exists():
        return jsonify(status="unavailable", error="database: the file is gone"), 503
    try:
        get_db().execute("SELECT 1 FROM student LIMIT 1").fetchall()
    except sqlite3.Error as exc:
        return jsonify(status="unavailable", error=f"database: {exc}"), 503
    return jsonify(status="ready")


# Under the API's prefix, so that the entry routes it here in every model; /openapi.json stays for
# whoever asks the service's own port (at the entry that path is Web's). The id route takes integers
# only, so "openapi.json" can never be a student's id.
@bp.get("/students/openapi.json")
@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(OPENAPI)
