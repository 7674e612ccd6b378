"""The Host header against an allow-list: a request made under any other name is refused (400).

DNS rebinding: a page on evil.example re-resolves its own name to 127.0.0.1 and then reads our pages
and posts our forms as if same-origin. Its requests still say `Host: evil.example`, so answering only
to our own names stops it. The health paths are exempt: the gateway probes them by whatever address it
reaches us at (model C: the machine's private IP), and they change nothing and show only reachability.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import Flask, request
from werkzeug.exceptions import BadRequest

from .config import HOST_NAME

# The name, a trailing dot (the same name, fully qualified) and a port.
_HOST_HEADER = re.compile(rf"(?P<name>{HOST_NAME.pattern})\.?(?::[0-9]{{1,5}})?")


class UnknownHost(BadRequest):
    description = "This site does not answer to the host name in the address you used, so the request was refused."


def hostname(host_header: str) -> str:
    """'LocalHost.:8000' -> 'localhost'; '[::1]:8000' -> '[::1]'; '' when it is not a host at all."""
    match = _HOST_HEADER.fullmatch(host_header.strip().lower())
    return match["name"] if match else ""


def init_app(app: Flask, allowed: Iterable[str], exempt: Iterable[str]) -> None:
    """Register before any other hook that reads the request: nothing runs under a foreign name."""
    names, exempt_paths = frozenset(allowed), frozenset(exempt)

    @app.before_request
    def check_host() -> None:
        if request.path not in exempt_paths and hostname(request.environ.get("HTTP_HOST", "")) not in names:
            raise UnknownHost()
