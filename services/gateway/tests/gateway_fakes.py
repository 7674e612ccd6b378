"""Upstreams for the gateway's tests: a Tornado echo app, and a raw server that answers scripted bytes."""

from __future__ import annotations

import asyncio
import json

from tornado.httpserver import HTTPServer
from tornado.iostream import IOStream, StreamClosedError
from tornado.tcpserver import TCPServer
from tornado.testing import bind_unused_port
from tornado.web import Application, RequestHandler


class EchoHandler(RequestHandler):
    """Answers with what it received, and which client connection it came over."""

    SUPPORTED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

    def initialize(self, name: str, peers: list[tuple[str, int]]) -> None:
        self.name = name
        self.peers = peers

    async def any(self) -> None:
        peer = self.request.connection.context.address  # type: ignore[union-attr]
        self.peers.append(peer)
        path = self.request.path
        if path.endswith("/slow"):
            await asyncio.sleep(float(self.get_query_argument("s", "1")))
        if path == "/redirect":
            self.redirect("/elsewhere?x=1")
            return
        if path == "/cookies":
            self.set_cookie("a", "1")
            self.set_cookie("b", "2")
        if path == "/readyz" and self.name == "unready":
            self.set_status(503)
        self.set_header("X-Upstream", self.name)
        self.finish(
            {
                "upstream": self.name,
                "method": self.request.method,
                "uri": self.request.uri,
                "headers": dict(self.request.headers.get_all()),
                "body": self.request.body.decode(),
                "peer": list(peer),
            }
        )

    get = head = post = put = patch = delete = options = any


def start_echo(name: str) -> tuple[str, list[tuple[str, int]], HTTPServer]:
    """An echo upstream on an ephemeral port: (url, peers seen, server)."""
    peers: list[tuple[str, int]] = []
    app = Application([(r".*", EchoHandler, {"name": name, "peers": peers})])
    sock, port = bind_unused_port()
    server = HTTPServer(app)
    server.add_sockets([sock])
    return f"http://127.0.0.1:{port}", peers, server


def closed_port_url() -> str:
    sock, port = bind_unused_port()
    sock.close()
    return f"http://127.0.0.1:{port}"


class ScriptedServer(TCPServer):
    """Reads each request head and writes the next scripted answer; None drops the connection unanswered.

    After the script runs out it repeats the last answer. Bodies in requests are not read: tests send none.
    """

    def __init__(self, answers: list[bytes | None], close_after: bool = False) -> None:
        super().__init__()
        self.answers = answers
        self.close_after = close_after
        self.connections = 0
        self.requests: list[bytes] = []

    async def handle_stream(self, stream: IOStream, address: tuple[str, int]) -> None:
        self.connections += 1
        try:
            while True:
                self.requests.append(await stream.read_until(b"\r\n\r\n"))
                answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
                if answer is None:
                    stream.close()
                    return
                await stream.write(answer)
                if self.close_after:
                    stream.close()
                    return
        except StreamClosedError:
            pass

    def start(self) -> str:
        sock, port = bind_unused_port()
        self.add_sockets([sock])
        return f"http://127.0.0.1:{port}"


def json_body(response: object) -> dict:
    return json.loads(response.body)  # type: ignore[attr-defined]
