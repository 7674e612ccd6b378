"""make_app(config): the gateway's routes, each given the config and the upstream pools."""

from __future__ import annotations

import re

from tornado.web import Application

from .config import GatewayConfig
from .health import HealthHandler
from .logs import log_request
from .proxy import ChaosProxy, Proxy
from .upstream import UpstreamPool


def make_app(config: GatewayConfig) -> Application:
    upstreams = {name: UpstreamPool(upstream) for name, upstream in config.upstreams.items()}
    deps = {"config": config, "upstreams": upstreams}
    return Application(
        [
            (re.escape(config.health_path), HealthHandler, deps),
            (re.escape(config.chaos_prefix) + r"(?:/.*)?", ChaosProxy(config, upstreams)),
            (r".*", Proxy(config, upstreams)),
        ],
        log_function=log_request,
        upstreams=upstreams,  # so whoever stops the server can close the pools
    )


def close_upstreams(app: Application) -> None:
    for pool in app.settings["upstreams"].values():
        pool.close()
