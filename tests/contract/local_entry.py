"""A throw-away entry for the contract suite when no --base-url is given.

The three services in this process behind the manifest's prefix routes, served by a real waitress
on an ephemeral loopback port, with temporary SQLite files and a fresh chaos token. Web's backends
point back at this same entry, as they do through every model's entry.
"""

from __future__ import annotations

import importlib
import io
import os
import secrets
import socket
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from waitress.server import create_server

from deploylab.manifest import Manifest, Service

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


@dataclass(frozen=True)
class Entry:
    base_url: str
    chaos_token: str


def _load(service: Service) -> WSGIApp:
    module, _, attribute = service.wsgi.partition(":")
    target = getattr(importlib.import_module(module), attribute)
    return target() if service.factory else target


class _Dispatcher:
    """Prefix routing, the chaos routes and the entry's own health, as every model's entry does them."""

    def __init__(self, manifest: Manifest, apps: dict[str, WSGIApp]) -> None:
        from routing import RouteTable  # services/common is on sys.path only once serve() put it there

        self.manifest, self.apps = manifest, apps
        self.table = RouteTable.parse(manifest.routes_spec())

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        from routing import split_chaos_path

        path = environ.get("PATH_INFO") or "/"
        if path == self.manifest.entry_health:
            failing = [name for name in self.apps if not self._healthy(name, environ)]
            start_response("503 Service Unavailable" if failing else "200 OK", [("Content-Type", "text/plain")])
            return [f"not ready: {', '.join(failing)}\n".encode() if failing else b"ok\n"]
        chaos = split_chaos_path(path, self.manifest.chaos_prefix)
        if chaos and chaos[0] in self.apps:
            return self.apps[chaos[0]]({**environ, "PATH_INFO": chaos[1]}, start_response)
        return self.apps[self.table.match(path) or self.manifest.default_service](environ, start_response)

    def _healthy(self, name: str, environ: dict) -> bool:
        probe = {
            **environ,
            "REQUEST_METHOD": "GET",
            "PATH_INFO": self.manifest.services[name].health,
            "QUERY_STRING": "",
            "CONTENT_LENGTH": "0",
            "wsgi.input": io.BytesIO(),
        }
        statuses: list[str] = []
        body = self.apps[name](probe, lambda status, headers, exc_info=None: statuses.append(status))
        b"".join(body)
        getattr(body, "close", lambda: None)()
        return statuses[0].startswith("200")


@contextmanager
def serve(manifest: Manifest) -> Iterator[Entry]:
    listener = socket.create_server(("127.0.0.1", 0))  # bound first: Web must know the entry's address
    base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    with tempfile.TemporaryDirectory(prefix="deploylab-contract-") as data_dir:
        values = {
            "data_dir": data_dir,
            "chaos_token": secrets.token_urlsafe(16),
            "secret_key": secrets.token_urlsafe(50),
            "students_url": base_url,
            "grades_url": base_url,
            "web_url": base_url,
        }
        sys.path[:0] = [str(manifest.common_dir)] + [str(s.dir) for s in manifest.services.values()]
        apps = {}
        for service in manifest.services.values():
            os.environ.update(service.render_env(values))  # each factory reads its own variables
            apps[service.name] = _load(service)
        server = create_server(_Dispatcher(manifest, apps), sockets=[listener], threads=8)
        thread = threading.Thread(target=server.run, name="contract-entry", daemon=True)
        thread.start()
        try:
            yield Entry(base_url, values["chaos_token"])
        finally:
            server.close()
            thread.join(timeout=5)
