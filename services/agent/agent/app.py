"""The agent's HTTP routes (Bottle). Every route but /healthz wants `Authorization: Bearer <token>`."""

from __future__ import annotations

import hmac
import json
import time
from typing import Any

from bottle import Bottle, HTTPError, HTTPResponse, request, response

from .config import Config
from .procfs import OTHER, ProcFS, Usage
from .systemd import ACTIONS, Systemd


def make_app(config: Config, procfs: ProcFS | None = None, systemd: Systemd | None = None) -> Bottle:
    procfs = procfs or ProcFS(config.proc_root)
    systemd = systemd or Systemd()
    app = Bottle()

    def authorized() -> None:
        given = request.get_header("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {config.token}".encode()):
            raise HTTPError(401, "a valid Authorization: Bearer token is required")

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"ok": True}

    @app.get("/metrics")
    def metrics() -> dict[str, Any]:
        authorized()
        units, others = procfs.by_unit(config.units)
        states = systemd.states(config.units)
        total = Usage()
        for usage in others.values():
            total.add(usage)
        return {
            "t": time.time(),
            "host": {"memory": procfs.memory(), "uptime_s": procfs.uptime()},
            "units": {name: {**usage.to_json(), "state": states.get(name, "unknown")} for name, usage in units.items()},
            OTHER: {**total.to_json(), "by_unit": {name: u.to_json() for name, u in sorted(others.items())}},
        }

    @app.post("/units/<name>/<action>")
    def act(name: str, action: str) -> dict[str, Any]:
        authorized()
        if name not in config.units or action not in ACTIONS:
            raise HTTPError(404, f"no unit {name!r} with action {action!r} here")
        code, output = systemd.act(name, action)
        if code:
            raise HTTPResponse(json.dumps({"error": f"systemctl {action} {name} failed", "output": output[-2000:]}),
                               status=502, headers={"Content-Type": "application/json"})
        return {"unit": name, "action": action, "ok": True}

    def error_json(error: HTTPError) -> str:
        response.content_type = "application/json"
        return json.dumps({"error": error.body if isinstance(error.body, str) else error.status_line})

    app.default_error_handler = error_json  # JSON for 401/404/405/500 instead of Bottle's HTML page
    return app
