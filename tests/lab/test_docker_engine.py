"""The Engine API client against a tiny fake engine on a real unix socket."""

from __future__ import annotations

import hashlib
import io
import json
import socketserver
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from deploylab.core.errors import LabError
from deploylab.platform.docker_engine import DockerEngine, Endpoint, EngineError, _demux, docker_env, resolve_endpoint
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


# -- which engine: DOCKER_HOST, the current docker context, the default socket -------------------------------


def serve(path: str) -> UnixServer:
    server = UnixServer(path, FakeEngine)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_docker_host_names_the_socket_the_client_uses(tmp_path: Path) -> None:
    path = str(tmp_path / "other.sock")
    server = serve(path)
    try:
        engine = DockerEngine(environ={"DOCKER_HOST": f"unix://{path}", "HOME": str(tmp_path)})
        assert engine.endpoint == Endpoint(f"unix://{path}", "DOCKER_HOST")
        assert engine.ping()
        assert docker_env({"DOCKER_HOST": f"unix://{path}"}) == {"DOCKER_HOST": f"unix://{path}"}
    finally:
        server.shutdown()
        server.server_close()


def write_context(config_dir: Path, name: str, host: str) -> None:
    meta = config_dir / "contexts" / "meta" / hashlib.sha256(name.encode()).hexdigest() / "meta.json"
    meta.parent.mkdir(parents=True)
    meta.write_text(json.dumps({"Name": name, "Metadata": {}, "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": False}}}))
    (config_dir / "config.json").write_text(json.dumps({"auths": {}, "currentContext": name}))


def test_the_current_docker_context_is_honoured(tmp_path: Path) -> None:
    path = str(tmp_path / "ctx.sock")
    write_context(tmp_path / ".docker", "lab", f"unix://{path}")
    server = serve(path)
    try:
        engine = DockerEngine(environ={"HOME": str(tmp_path)})
        assert engine.endpoint == Endpoint(f"unix://{path}", "docker context 'lab'")
        assert engine.ping()
        # DOCKER_HOST wins over the context, as for the docker command; DOCKER_CONFIG moves ~/.docker
        assert resolve_endpoint({"HOME": str(tmp_path), "DOCKER_HOST": "unix:///x.sock"}).host == "unix:///x.sock"
        assert resolve_endpoint({"HOME": "/nonexistent", "DOCKER_CONFIG": str(tmp_path / ".docker")}).host == f"unix://{path}"
        assert docker_env({"HOME": str(tmp_path)}) == {"DOCKER_HOST": f"unix://{path}"}
    finally:
        server.shutdown()
        server.server_close()


def test_no_context_and_no_docker_host_is_the_default_socket(tmp_path: Path) -> None:
    assert resolve_endpoint({"HOME": str(tmp_path)}) == Endpoint("unix:///var/run/docker.sock", "default")
    (tmp_path / ".docker").mkdir()
    (tmp_path / ".docker" / "config.json").write_text(json.dumps({"currentContext": "default"}))
    assert resolve_endpoint({"HOME": str(tmp_path)}).host == "unix:///var/run/docker.sock"


def test_tcp_is_plain_http_to_the_configured_host(tmp_path: Path) -> None:
    class TcpServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
        daemon_threads = True

    server = TcpServer(("127.0.0.1", 0), FakeEngine)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        engine = DockerEngine(environ={"DOCKER_HOST": f"tcp://127.0.0.1:{server.server_address[1]}"})
        assert engine.ping() and engine.image("known") == {"Id": "sha256:abc"}
    finally:
        server.shutdown()
        server.server_close()


def test_unsupported_endpoints_are_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LabError, match="not ssh://"):
        DockerEngine(environ={"DOCKER_HOST": "ssh://me@host"})
    with pytest.raises(LabError, match="TLS"):
        DockerEngine(environ={"DOCKER_HOST": "tcp://10.0.0.1:2376", "DOCKER_TLS_VERIFY": "1"})
    write_context(tmp_path / ".docker", "remote", "ssh://me@remote")
    with pytest.raises(LabError, match="docker context 'remote'.*not ssh://"):
        DockerEngine(environ={"HOME": str(tmp_path)})
