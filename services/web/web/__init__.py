"""The Web front end: one page that joins Students and Grades, and keeps working when Grades does not."""

from __future__ import annotations

import os
from collections.abc import Mapping

from flask import Flask
from service_common.chaos import ChaosMiddleware
from service_common.timing import ServerTiming

from . import csrf, errors, health, hosts, inprocess, request_id, timing, views
from .config import WebConfig
from .inprocess import WSGIApp
from .services import BACKENDS, Services

MAX_BODY = 64 * 1024  # the lab's body cap: a larger form is answered 413, never read
STATIC_MAX_AGE_S = 3600  # the vendored stylesheet only changes with a deployment


def create_app(
    config: Mapping[str, str | float] | None = None, backends: Mapping[str, WSGIApp] | None = None
) -> Flask:
    """config=None reads the environment (how waitress-serve --call starts us); tests pass a mapping.

    backends: {"students": wsgi_app, "grades": wsgi_app} calls that service's app in this process instead
    of over HTTP (inprocess.py) — how a host that runs the three apps in one process makes a monolith.
    The app should be the service's full WSGI callable, fault injection included. Its URL setting is
    still required: it is the base those requests are made for (their Host header and origin)."""
    settings = WebConfig.from_mapping(os.environ if config is None else config)
    transports = inprocess.transports(backends, BACKENDS)
    app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_BODY,
        MAX_FORM_MEMORY_SIZE=MAX_BODY,
        SEND_FILE_MAX_AGE_DEFAULT=STATIC_MAX_AGE_S,
        WEB=settings,
    )
    app.extensions["web"] = Services.build(settings, transports)
    hosts.init_app(app, settings.allowed_hosts, exempt=health.PATHS)
    csrf.init_app(app)
    request_id.init_app(app)
    timing.init_app(app)
    errors.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(health.bp)
    # the timing outside the chaos, so that an injected delay or error shows in Web's own entry
    app.wsgi_app = ServerTiming(ChaosMiddleware(app.wsgi_app, settings.chaos_token, "web"), "web")
    return app
