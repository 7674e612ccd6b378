"""W3C Server-Timing: the gateway's own entry, after whatever the upstream reported for its hops
(the format and the one-field rule: service_common/timing.py, shared with the services)."""

from __future__ import annotations

from collections.abc import Iterable

from service_common.timing import entry, joined

NAME = "gw"


def gateway_entry(seconds: float) -> str:
    """The gateway's time for one request: from its head arriving to its answer, upstream time included."""
    return entry(NAME, seconds)


def server_timing(upstream: Iterable[str], seconds: float) -> str:
    """The upstream's Server-Timing values in order, then the gateway's entry, as one field value."""
    return joined(upstream, gateway_entry(seconds))
