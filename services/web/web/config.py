"""The Web front end's settings, parsed once at the edge.

The same parser reads the process environment (production) and a plain mapping (tests), so
both meet the same checks. A missing or malformed setting stops the app at start, naming it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_TIMEOUT_S = 1.0  # the whole budget for one backend call, connect included
MAX_TIMEOUT_S = 60.0
CONNECT_SHARE = 0.3  # of the budget: a refused or unroutable backend is known quickly
# The names the app answers to whatever is configured: loopback, and "web", by which the containers of
# model D reach it. The gateway and model A pass the client's own Host on (127.0.0.1:8000).
DEFAULT_ALLOWED_HOSTS = ("127.0.0.1", "localhost", "web")
# A host name or IPv4 address, or an IPv6 address in brackets as a Host header carries it; never a port.
HOST_NAME = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\]")


class ConfigError(RuntimeError):
    pass


@dataclass(frozen=True)
class WebConfig:
    students_url: str
    grades_url: str
    timeout_s: float = DEFAULT_TIMEOUT_S
    chaos_token: str = ""
    allowed_hosts: tuple[str, ...] = DEFAULT_ALLOWED_HOSTS

    @property
    def connect_timeout_s(self) -> float:
        return self.timeout_s * CONNECT_SHARE

    @classmethod
    def from_mapping(cls, values: Mapping[str, str | float]) -> WebConfig:
        return cls(
            students_url=_base_url(values, "STUDENTS_URL"),
            grades_url=_base_url(values, "GRADES_URL"),
            timeout_s=_timeout(values, "WEB_BACKEND_TIMEOUT"),
            chaos_token=str(values.get("CHAOS_TOKEN") or ""),
            allowed_hosts=_allowed_hosts(values, "WEB_ALLOWED_HOSTS"),
        )


def _base_url(values: Mapping[str, str | float], name: str) -> str:
    raw = str(values.get(name) or "").strip()
    if not raw:
        raise ConfigError(f"{name} is required: the base URL of that service, e.g. http://127.0.0.1:<port>")
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{name}={raw!r} is not an http(s) URL with a host")
    if parts.query or parts.fragment:
        raise ConfigError(f"{name}={raw!r} must be a base URL without query or fragment")
    return raw.rstrip("/")


def _timeout(values: Mapping[str, str | float], name: str) -> float:
    raw = values.get(name)
    if raw is None or raw == "":
        return DEFAULT_TIMEOUT_S
    try:
        seconds = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number of seconds") from None
    if not math.isfinite(seconds) or not 0 < seconds <= MAX_TIMEOUT_S:
        raise ConfigError(f"{name}={raw!r} must be more than 0 and at most {MAX_TIMEOUT_S:g} seconds")
    return seconds


def _allowed_hosts(values: Mapping[str, str | float], name: str) -> tuple[str, ...]:
    """The defaults plus a comma-separated list: a model adds the names it reaches Web by, and cannot
    lock out loopback by forgetting it."""
    extra = [host for item in str(values.get(name) or "").split(",") if (host := item.strip().lower().rstrip("."))]
    for host in extra:
        if not HOST_NAME.fullmatch(host):
            raise ConfigError(f"{name}: {host!r} is not a host name or address (give no scheme, port or path)")
    return tuple(dict.fromkeys([*DEFAULT_ALLOWED_HOSTS, *extra]))
