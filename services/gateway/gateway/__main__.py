"""python -m gateway: read the environment once, listen on GATEWAY_HOST:GATEWAY_PORT, stop on SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

from .app import close_upstreams, make_app
from .config import ConfigError, GatewayConfig

log = logging.getLogger("gateway")


async def serve(config: GatewayConfig) -> None:
    app = make_app(config)
    # Over-limit bodies get the JSON 413 from the handler; this cap only bounds what is read to say so.
    server = app.listen(config.port, config.host, max_body_size=max(16 * config.max_body, 1024 * 1024))
    log.info(
        "gateway listening on http://%s:%d -> %s",
        config.host,
        config.port,
        ", ".join(f"{u.name}={u.host}:{u.port}" for u in config.upstreams.values()),
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
