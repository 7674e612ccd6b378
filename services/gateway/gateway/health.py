"""GET /healthz (config.health_path): the entry point is healthy when every upstream answers its readiness
path (config.ready_path, /readyz) with 200."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from .base import GatewayHandler
from .upstream import UpstreamError, UpstreamPool


class HealthHandler(GatewayHandler):
    async def get(self) -> None:
        names = sorted(self.upstreams)
        probes = (self._probe(self.upstreams[name]) for name in names)
        results = dict(zip(names, await asyncio.gather(*probes), strict=True))
        ready = all(result["status"] == "ok" for result in results.values())
        self.set_status(200 if ready else 503)
        self.set_header("Cache-Control", "no-store")
        self.finish({"status": "ok" if ready else "unavailable", "upstreams": results})

    async def _probe(self, pool: UpstreamPool) -> dict[str, Any]:
        started = time.monotonic()
        headers = [("Host", pool.authority), ("X-Request-ID", self.request_id)]
        try:
            response = await pool.fetch("GET", self.config.ready_path, headers, timeout=self.config.health_timeout)
        except UpstreamError as exc:
            return {"status": "down", "error": exc.detail}
        result: dict[str, Any] = {"status": "ok" if response.code == 200 else "not ready", "code": response.code}
        result["ms"] = round((time.monotonic() - started) * 1000, 1)
        return result
