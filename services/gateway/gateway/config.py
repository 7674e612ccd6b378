"""The gateway's configuration, parsed once from the environment at the edge (``python -m gateway``)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from service_common.routing import RouteTable, parse_upstreams

# Defaults of the listening side (why each: services/gateway/README.md, "Limits").
IDLE_TIMEOUT = 15.0  # s: a keep-alive connection's idle time, and the time allowed to send a request head
BODY_TIMEOUT = 15.0  # s: the time allowed to send a request body
MAX_HEADER = 32 * 1024  # bytes of request line and headers
MAX_CONNECTIONS = 512  # client connections open at once


class ConfigError(ValueError):
    """A setting the gateway cannot start with; the message is one line for the operator."""


@dataclass(frozen=True)
class UpstreamConfig:
    name: str
    host: str
    port: int
    connect_timeout: float
    request_timeout: float


@dataclass(frozen=True)
class GatewayConfig:
    upstreams: dict[str, UpstreamConfig]
    routes: RouteTable
    host: str = "127.0.0.1"
    port: int = 8000
    max_body: int = 64 * 1024
    chaos_token: str = ""  # empty: the /__chaos__ routes do not exist
    health_timeout: float = 1.0  # per /readyz probe, so /healthz answers quickly even when an upstream hangs
    idle_timeout: float = IDLE_TIMEOUT
    body_timeout: float = BODY_TIMEOUT
    max_header: int = MAX_HEADER
    max_connections: int = MAX_CONNECTIONS
    # Paths of the lab's contract (services/manifest.toml); the defaults are for running the gateway alone.
    health_path: str = "/healthz"  # the entry's own, aggregated health
    ready_path: str = "/readyz"  # what it asks each upstream
    chaos_prefix: str = "/__chaos__"  # <prefix>/<service>/<kind> goes to <service>'s <prefix>/<kind>

    @property
    def body_read_limit(self) -> int:
        """How much of a request body the server reads before it drops the connection.

        Larger than max_body on purpose: the proxy reads an over-limit body to its end and answers the
        documented JSON 413, where Tornado's own limit would answer a bare 400 and close. This only bounds
        what is read (and discarded) to say so; body_timeout bounds how long that may take.
        """
        return max(16 * self.max_body, 1024 * 1024)

    @classmethod
    def build(
        cls,
        upstreams: str,
        routes: str,
        *,
        connect_timeout: float = 1.0,
        request_timeout: float = 10.0,
        timeouts: str = "",
        host: str = "127.0.0.1",
        port: int = 8000,
        max_body: int = 64 * 1024,
        chaos_token: str = "",
        health_timeout: float = 1.0,
        idle_timeout: float = IDLE_TIMEOUT,
        body_timeout: float = BODY_TIMEOUT,
        max_header: int = MAX_HEADER,
        max_connections: int = MAX_CONNECTIONS,
        health_path: str = "/healthz",
        ready_path: str = "/readyz",
        chaos_prefix: str = "/__chaos__",
    ) -> GatewayConfig:
        """From the specs as they appear in the environment; tests call this directly."""
        try:
            urls = parse_upstreams(upstreams)
            table = RouteTable.parse(routes)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        missing = sorted(table.services - urls.keys())
        if missing:
            raise ConfigError(f"GATEWAY_ROUTES names upstreams missing from GATEWAY_UPSTREAMS: {', '.join(missing)}")
        overrides = _parse_timeouts(timeouts, urls.keys())
        return cls(
            upstreams={
                name: _upstream(name, url, connect_timeout, overrides.get(name, request_timeout))
                for name, url in urls.items()
            },
            routes=table,
            host=host,
            port=port,
            max_body=max_body,
            chaos_token=chaos_token,
            health_timeout=health_timeout,
            idle_timeout=idle_timeout,
            body_timeout=body_timeout,
            max_header=max_header,
            max_connections=max_connections,
            health_path=_path("GATEWAY_HEALTH_PATH", health_path),
            ready_path=_path("GATEWAY_READY_PATH", ready_path),
            chaos_prefix=_path("GATEWAY_CHAOS_PREFIX", chaos_prefix),
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> GatewayConfig:
        for required in ("GATEWAY_UPSTREAMS", "GATEWAY_ROUTES"):
            if not env.get(required, "").strip():
                raise ConfigError(f"{required} is required")
        return cls.build(
            env["GATEWAY_UPSTREAMS"],
            env["GATEWAY_ROUTES"],
            connect_timeout=_number(env, "GATEWAY_CONNECT_TIMEOUT", 1.0),
            request_timeout=_number(env, "GATEWAY_REQUEST_TIMEOUT", 10.0),
            timeouts=env.get("GATEWAY_TIMEOUTS", ""),
            host=env.get("GATEWAY_HOST", "").strip() or "127.0.0.1",
            port=int(_number(env, "GATEWAY_PORT", 8000)),
            max_body=int(_number(env, "GATEWAY_MAX_BODY", 64 * 1024)),
            chaos_token=env.get("CHAOS_TOKEN", "").strip(),
            health_timeout=_number(env, "GATEWAY_HEALTH_TIMEOUT", 1.0),
            idle_timeout=_number(env, "GATEWAY_IDLE_TIMEOUT", IDLE_TIMEOUT),
            body_timeout=_number(env, "GATEWAY_BODY_TIMEOUT", BODY_TIMEOUT),
            max_header=_count(env, "GATEWAY_MAX_HEADER", MAX_HEADER),
            max_connections=_count(env, "GATEWAY_MAX_CONNECTIONS", MAX_CONNECTIONS),
            health_path=env.get("GATEWAY_HEALTH_PATH", "").strip() or "/healthz",
            ready_path=env.get("GATEWAY_READY_PATH", "").strip() or "/readyz",
            chaos_prefix=env.get("GATEWAY_CHAOS_PREFIX", "").strip() or "/__chaos__",
        )


def _path(name: str, value: str) -> str:
    if not value.startswith("/") or value == "/" or any(c.isspace() for c in value):
        raise ConfigError(f"{name} must be an absolute path like /healthz, not {value!r}")
    return value.rstrip("/")


def _upstream(name: str, url: str, connect_timeout: float, request_timeout: float) -> UpstreamConfig:
    parts = urlsplit(url)
    # Every hop of the lab is plain HTTP, on this machine or on networks the lab made.
    if parts.scheme != "http" or not parts.hostname or parts.path:
        raise ConfigError(f"upstream {name}: expected http://host:port, got {url!r}")
    return UpstreamConfig(name, parts.hostname, parts.port or 80, connect_timeout, request_timeout)


def _parse_timeouts(spec: str, names: Collection[str]) -> dict[str, float]:
    """GATEWAY_TIMEOUTS 'grades=2,web=5' -> per-upstream request timeouts in seconds."""
    overrides = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, seconds = (part.strip() for part in item.partition("="))
        if name not in names:
            raise ConfigError(f"GATEWAY_TIMEOUTS names an unknown upstream: {name!r}")
        overrides[name] = _positive(f"GATEWAY_TIMEOUTS {name}", seconds)
    return overrides


def _number(env: Mapping[str, str], key: str, default: float) -> float:
    raw = env.get(key, "").strip()
    return _positive(key, raw) if raw else default


def _count(env: Mapping[str, str], key: str, default: int) -> int:
    """A positive whole number: a size or a count, where 1.5 is more likely a typo than a wish."""
    raw = env.get(key, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) <= 0:
        raise ConfigError(f"{key} must be a positive whole number, got {raw!r}")
    return int(raw)


def _positive(key: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{key} must be a number, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{key} must be positive, got {raw!r}")
    return value
