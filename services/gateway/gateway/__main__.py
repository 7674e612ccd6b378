"""python -m gateway: read the environment once, listen on GATEWAY_HOST:GATEWAY_PORT, stop on SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

from .app import close_upstreams, make_app
from .config import ConfigError, GatewayConfig
from .server import make_server

log = logging.getLogger("gateway")


async def serve(config: GatewayConfig) -> None:
    app = make_app(config)
    server = make_server(app, config)
    server.listen(config.port, config.host)
    log.info(
        "gateway listening on http://%s:%d -> %s (idle %gs, body %gs, at most %d connections)",
        config.host,
        config.port,
        ", ".join(f"{u.name}={u.host}:{u.port}" for u in config.upstreams.values()),
        config.idle_timeout,
        config.body_timeout,
        config.max_connections,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    server.stop()
    await server.close_all_connections()
    close_upstreams(app)
    log.info("gateway stopped")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        config = GatewayConfig.from_env(os.environ)
    except ConfigError as exc:
        sys.exit(f"gateway: {exc}")
    asyncio.run(serve(config))


if __name__ == "__main__":
    main()
