"""Students: a Flask REST API over SQLite, in the shape of the Flask tutorial (flaskr).

Served by `waitress-serve --call students:create_app`: with no config the factory reads the
environment once, here at the edge, and everything below gets its settings from app.config.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from service_common.chaos import ChaosMiddleware
from service_common.timing import ServerTiming

from . import api, db, errors, hosts, ops
from .config import ConfigError, allowed_hosts, from_env

MAX_BODY = 64 * 1024

__all__ = ["ConfigError", "create_app"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    settings = from_env(os.environ) if config is None else dict(config)
    if not settings.get("STUDENTS_DB"):
        raise ConfigError("STUDENTS_DB is not set: give the path of the Students SQLite database")
    app = Flask(__name__, static_folder=None)
    app.config.from_mapping(MAX_CONTENT_LENGTH=MAX_BODY, CHAOS_TOKEN="")
    app.config.from_mapping(settings)
    app.config["STUDENTS_ALLOWED_HOSTS"] = allowed_hosts(settings.get("STUDENTS_ALLOWED_HOSTS", ""))
    app.json.sort_keys = False  # keep id, name, grade in the chapter's order

    db.init_app(app)
    errors.init_app(app)
    hosts.init_app(app, app.config["STUDENTS_ALLOWED_HOSTS"])
    app.register_blueprint(api.bp)
    app.register_blueprint(ops.bp)

    # Keep the Flask app as what the factory returns (test_client keeps working) and wrap only its WSGI callable;
    # the timing outside the chaos, so that an injected delay or error shows in the entry.
    chaos = ChaosMiddleware(app.wsgi_app, app.config["CHAOS_TOKEN"], service="students")
    app.wsgi_app = ServerTiming(chaos, "students")  # type: ignore[method-assign]
    return app
