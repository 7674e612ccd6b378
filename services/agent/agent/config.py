"""The agent's settings, read once from the environment at start."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

# systemd unit names without the ".service" suffix: letters, digits and - _ . @ only (never a path or option).
UNIT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class Config:
    host: str  # the machine's private address: the agent never listens anywhere else
    port: int
    token: str
    units: tuple[str, ...]  # the only units the agent reports on and may act on, e.g. ("grades",)
    proc_root: str = "/proc"

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Config:
        token = env.get("AGENT_TOKEN", "")
        if not token:
            raise ConfigError("AGENT_TOKEN is empty: the agent does not run without a token")
        host = env.get("AGENT_HOST", "")
        if not host or host in ("0.0.0.0", "::"):
            raise ConfigError("AGENT_HOST must be the machine's private address")
        try:
            port = int(env.get("AGENT_PORT", "9100"))
        except ValueError:
            raise ConfigError("AGENT_PORT must be a number") from None
        units = tuple(name.strip() for name in env.get("AGENT_UNITS", "").split(",") if name.strip())
        bad = [name for name in units if not UNIT_NAME.match(name)]
        if bad:
            raise ConfigError(f"AGENT_UNITS has invalid unit names: {', '.join(bad)}")
        return cls(host=host, port=port, token=token, units=units, proc_root=env.get("AGENT_PROC", "/proc"))
