"""A gateway in front of fake upstreams, all on one IOLoop and ephemeral ports."""

from __future__ import annotations

from gateway import GatewayConfig, make_app
from gateway.app import close_upstreams
from gateway.server import make_server
from tornado.httpserver import HTTPServer
from tornado.testing import AsyncHTTPTestCase
from tornado.web import Application

from .gateway_fakes import start_echo

ROUTES = "/grades-static=grades,/students=students,/grades=grades,/admin=grades,/=web"


class GatewayCase(AsyncHTTPTestCase):
    chaos_token = ""
    request_timeout = 2.0
    max_body = 1024
    limits: dict = {}  # the listening side's settings (idle_timeout, max_connections, ...) as GatewayConfig.build takes them

    def upstream_urls(self) -> dict[str, str]:
        """Override to put other upstreams behind the gateway; the default: three echo apps."""
        urls = {}
        self.peers = {}
        for name in ("students", "grades", "web"):
            urls[name], self.peers[name], server = start_echo(name)
            self.servers.append(server)
        return urls

    def get_app(self) -> Application:
        self.servers: list = []
        urls = self.upstream_urls()
        self.config = GatewayConfig.build(
            ",".join(f"{name}={url}" for name, url in urls.items()),
            ROUTES,
            connect_timeout=0.5,
            request_timeout=self.request_timeout,
            max_body=self.max_body,
            chaos_token=self.chaos_token,
            health_timeout=0.5,
            **self.limits,
        )
        return make_app(self.config)

    def get_http_server(self) -> HTTPServer:
        # The server python -m gateway runs, with its limits, rather than a default HTTPServer.
        return make_server(self._app, self.config)

    def tearDown(self) -> None:
        close_upstreams(self._app)
        for server in self.servers:  # before the loop closes every socket it watches
            server.stop()
        super().tearDown()

    def request(self, path: str, method: str = "GET", **kwargs):
        return self.fetch(path, method=method, follow_redirects=False, raise_error=False, **kwargs)
