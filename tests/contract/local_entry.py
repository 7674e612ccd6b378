"""A throw-away entry for the contract suite when no --base-url is given.

The three services in this process behind model A's shared host (the manifest's prefix routes),
served by a real waitress on an ephemeral loopback port, with temporary SQLite files and a fresh
chaos token. Web's backends point back at this same entry, as they do through every model's entry.
"""

from __future__ import annotations

import os
import secrets
import socket
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from waitress.server import create_server

from deploylab.core.manifest import Manifest


@dataclass(frozen=True)
class Entry:
    base_url: str
    chaos_token: str


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
        # Model A's own host loads the apps and does the routing, the chaos routes and the health.
        from deploylab_models.a_shared_server.host import SharedHost, load_app
        from service_common.routing import RouteTable

        apps = {}
        for service in manifest.services.values():
            os.environ.update(service.render_env(values))  # each factory reads its own variables
            apps[service.name] = load_app(service.wsgi + ("()" if service.factory else ""))
        host = SharedHost(
            apps,
            RouteTable.parse(manifest.routes_spec()),
            {name: service.ready for name, service in manifest.services.items()},
            manifest.entry_health,
            manifest.chaos_prefix,
        )
        server = create_server(host, sockets=[listener], threads=8)
        thread = threading.Thread(target=server.run, name="contract-entry", daemon=True)
        thread.start()
        try:
            yield Entry(base_url, values["chaos_token"])
        finally:
            server.close()
            thread.join(timeout=5)
