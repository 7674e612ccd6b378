"""The Host header against an allow-list: a request made under a name that is not ours is a 400.

DNS rebinding: a page on evil.example re-resolves its own name to 127.0.0.1 (or to the address of a
machine of the lab) and then calls this API as if same-origin. Its requests still say
`Host: evil.example`, so answering only to our own names stops it.

Any IP address is accepted as well as the configured names. A browser sends an address as the Host
only when the page itself was loaded from that address, so the address is the page's own origin and
there is nothing to rebind. It is also how the lab reaches Students without naming it: the entry
and model A pass the client's `127.0.0.1:8000` on, model B's gateway and Web call `127.0.0.1:8001`,
and model C's call the machine's private IP.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from flask import Flask, request

from .config import HOST_NAME
from .errors import ApiError

# The name, a trailing dot (the same name, fully qualified) and a port.
_HOST_HEADER = re.compile(rf"(?P<name>{HOST_NAME.pattern})\.?(?::[0-9]{{1,5}})?")


def hostname(host_header: str) -> str:
    """'LocalHost.:8001' -> 'localhost'; '[::1]:8001' -> '[::1]'; '' when it is not a host at all."""
    match = _HOST_HEADER.fullmatch(host_header.strip().lower())
    return match["name"] if match else ""


def is_ip_address(name: str) -> bool:
    """An IPv4 address as dotted decimal, or an IPv6 address in brackets (as a Host header holds them)."""
    bracketed = name.startswith("[") and name.endswith("]")
    try:
        address = ipaddress.ip_address(name[1:-1] if bracketed else name)
    except ValueError:
        return False
    return address.version == (6 if bracketed else 4)


def is_allowed(host_header: str, allowed: frozenset[str]) -> bool:
    name = hostname(host_header)
    return bool(name) and (name in allowed or is_ip_address(name))


def init_app(app: Flask, allowed: Iterable[str]) -> None:
    """Register before any other hook that reads the request: nothing runs under a foreign name."""
    names = frozenset(allowed)

    @app.before_request
    def check_host() -> None:
        # No Host at all is refused too: HTTP/1.1 requires one, and every client of ours sends it.
        if not is_allowed(request.environ.get("HTTP_HOST", ""), names):
            raise ApiError(400, "this service does not answer to the host name in the Host header")
