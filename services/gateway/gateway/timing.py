"""W3C Server-Timing: the gateway's own entry, after whatever the upstream reported for its hops."""

from __future__ import annotations

from collections.abc import Iterable

NAME = "gw"


def gateway_entry(seconds: float) -> str:
    """The gateway's time for one request: from its head arriving to its answer, upstream time included."""
    return f"{NAME};dur={seconds * 1000:.1f}"


def server_timing(upstream: Iterable[str], seconds: float) -> str:
    """The upstream's Server-Timing values in order, then the gateway's entry, as one field value.

    One field rather than one more line: the two are equivalent for a list header (RFC 9110
    section 5.3), but some clients hand a repeated field back as a list (geventhttpclient, under
    Locust's FastHttpUser, does), which every reader of the header would then have to expect.
    """
    return ", ".join([*(value.strip() for value in upstream if value.strip()), gateway_entry(seconds)])
