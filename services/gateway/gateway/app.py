"""make_app(config): the gateway's routes, each handler given the config and the upstream pools."""

from __future__ import annotations

import logging

from tornado.web import Application, RequestHandler

from .base import GatewayHandler
from .config import GatewayConfig
from .health import HealthHandler
from .proxy import ChaosHandler, ProxyHandler
from .upstream import UpstreamPool

access_log = logging.getLogger("gateway.access")


def make_app(config: GatewayConfig) -> Application:
    upstreams = {name: UpstreamPool(upstream) for name, upstream in config.upstreams.items()}
    deps = {"config": config, "upstreams": upstreams}
    return Application(
        [
            (r"/healthz", HealthHandler, deps),
            (r"/__chaos__(?:/.*)?", ChaosHandler, deps),
            (r".*", ProxyHandler, deps),
        ],
        default_handler_class=GatewayHandler,
        default_handler_args=deps,
        log_function=log_request,
        upstreams=upstreams,  # so whoever stops the server can close the pools
    )


def close_upstreams(app: Application) -> None:
    for pool in app.settings["upstreams"].values():
        pool.close()


def log_request(handler: RequestHandler) -> None:
    """One line per request: method, path, status, upstream, duration, request id."""
    request = handler.request
    access_log.info(
        "%s %s %d %s %.1fms %s",
        request.method,
        request.path,
        handler.get_status(),
        getattr(handler, "upstream_name", "") or "-",
        request.request_time() * 1000,
        getattr(handler, "request_id", "") or "-",
    )
