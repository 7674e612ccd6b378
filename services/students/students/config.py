"""The service's settings, read from the environment once (only when create_app gets no mapping)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

# The names Students answers to whatever is configured: loopback, and "students", the name by which
# model D's containers (Web, the gateway's probes) reach it. Any IP address is accepted too (hosts.py).
DEFAULT_ALLOWED_HOSTS = ("127.0.0.1", "localhost", "[::1]", "students")
# A host name or IPv4 address, or an IPv6 address in brackets as a Host header carries it; never a port.
HOST_NAME = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\]")


class ConfigError(RuntimeError):
    """A setting is missing or wrong: the service refuses to start rather than guess."""


def from_env(environ: Mapping[str, str]) -> dict[str, str]:
    return {
        "STUDENTS_DB": environ.get("STUDENTS_DB", "").strip(),
        "CHAOS_TOKEN": environ.get("CHAOS_TOKEN", ""),  # empty: fault injection is off
        "STUDENTS_ALLOWED_HOSTS": environ.get("STUDENTS_ALLOWED_HOSTS", ""),  # comma list, added to the defaults
    }


def allowed_hosts(value: str | Iterable[str]) -> tuple[str, ...]:
    """The defaults plus the names given (a comma list, or a sequence from a test's mapping): a deployment
    adds the names it reaches Students by, and cannot lock out loopback by forgetting it."""
    items = value.split(",") if isinstance(value, str) else value
    extra = [host for item in items if (host := item.strip().lower().rstrip("."))]
    for host in extra:
        if not HOST_NAME.fullmatch(host):
            raise ConfigError(
                f"STUDENTS_ALLOWED_HOSTS: {host!r} is not a host name or address (give no scheme, port or path)"
            )
    return tuple(dict.fromkeys([*DEFAULT_ALLOWED_HOSTS, *extra]))
