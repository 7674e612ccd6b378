"""The Engine API client against a tiny fake engine on a real unix socket."""

from __future__ import annotations

import io
import json
import socketserver
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from deploylab.platform.docker_engine import DockerEngine, EngineError, _demux
from deploylab.platform.image_cache import prune_older_tags


class FakeEngine(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/_ping":
            self.reply(200, b"OK", "text/plain")
        elif self.path.startswith("/images/known/json"):
            self.reply(200, json.dumps({"Id": "sha256:abc"}).encode())
        elif self.path.startswith("/containers/json"):
            self.reply(200, json.dumps([{"Path": self.path}]).encode())
        else:
            self.reply(404, json.dumps({"message": "No such image"}).encode())

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Transfer-Encoding") == "chunked":
            while (size := int(self.rfile.readline().strip(), 16)):
                self.rfile.read(size + 2)
            self.rfile.readline()
        else:
            self.rfile.read(length)
        lines = [{"stream": "Step 1/2\n"}, {"error": "pip: no matching distribution"}]
        self.reply(200, b"\n".join(json.dumps(line).encode() for line in lines))


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[DockerEngine]:
    path = str(tmp_path / "docker.sock")
    server = UnixServer(path, FakeEngine)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield DockerEngine(path, timeout=5)
    server.shutdown()
    server.server_close()


def test_ping_and_lookups(engine: DockerEngine) -> None:
    assert engine.ping()
    assert engine.image("known") == {"Id": "sha256:abc"}
    assert engine.image("missing") is None


def test_filters_are_sent_as_json(engine: DockerEngine) -> None:
    [found] = engine.containers({"com.docker.compose.project": "p"})
    assert "filters=%7B%22label%22%3A+%5B%22com.docker.compose.project%3Dp%22%5D%7D" in found["Path"]


def test_an_error_in_a_build_stream_raises_with_its_message(engine: DockerEngine) -> None:
    seen: list[str] = []
    with pytest.raises(EngineError, match="no matching distribution"):
        engine.build(io.BytesIO(b"x" * 10000),  # a file body goes chunked, as a tar from a pipe
                      "t:1", "Dockerfile", {}, {}, seen.append)
    assert seen == ["Step 1/2"]


def test_no_engine_is_one_clear_error(tmp_path: Path) -> None:
    engine = DockerEngine(str(tmp_path / "absent.sock"))
    assert not engine.ping()
    with pytest.raises(EngineError, match="does not answer"):
        engine.info()


def test_log_frames_are_demultiplexed() -> None:
    framed = b"\x01\0\0\0\0\0\0\x06hello\n" + b"\x02\0\0\0\0\0\0\x04oops"
    assert _demux(framed) == b"hello\noops"
    assert _demux(b"plain tty output") == b"plain tty output"


class TaggedImages:
    """The engine's image list and DELETE, in memory: enough for prune_older_tags."""

    def __init__(self, created: dict[str, int], in_use: set[str]) -> None:
        self.created, self.in_use, self.deleted = created, in_use, []

    def request(self, method: str, path: str, params: dict | None = None) -> object:
        if method == "GET":
            return [{"RepoTags": [tag], "Created": when} for tag, when in self.created.items()]
        tag = path.removeprefix("/images/")
        if tag in self.in_use:
            raise EngineError("conflict: image is being used by a container", 409)
        self.deleted.append(tag)
        return None


def test_prune_keeps_the_two_newest_builds_and_any_tag_in_use() -> None:
    engine = TaggedImages({"r:a": 1, "r:b": 2, "r:c": 3, "r:d": 4, "r:e": 5}, in_use={"r:b"})
    assert prune_older_tags(engine, "r") == ["r:c", "r:a"]  # type: ignore[arg-type]
    assert engine.deleted == ["r:c", "r:a"]
