"""A small Docker Engine API client over the unix socket (stdlib http.client only).

The lab talks to the engine directly for what it reads often or needs exactly (inspect, stats,
image lookups, builds, imports); the `docker` CLI is kept for compose and swarm, whose file
formats only the CLI understands. Paths are unversioned: the engine answers in its own API version.
"""

from __future__ import annotations

import http.client
import json
import socket
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from typing import IO, Any

from deploylab.core.errors import LabError

DEFAULT_SOCKET = "/var/run/docker.sock"


class EngineError(LabError):
    """The engine answered with an error, or did not answer at all."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self._path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


def _query(params: Mapping[str, Any] | None) -> str:
    if not params:
        return ""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        values = value if isinstance(value, list | tuple) else [value]
        pairs.extend((key, v if isinstance(v, str) else json.dumps(v)) for v in values)
    return "?" + urllib.parse.urlencode(pairs)


class DockerEngine:
    def __init__(self, socket_path: str = DEFAULT_SOCKET, timeout: float = 30.0) -> None:
        self.socket_path = socket_path
        self.timeout = timeout

    def _open(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        body: bytes | IO[bytes] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> tuple[_UnixConnection, http.client.HTTPResponse]:
        conn = _UnixConnection(self.socket_path, timeout or self.timeout)
        try:
            chunked = body is not None and not isinstance(body, bytes)
            conn.request(method, path + _query(params), body=body, headers=dict(headers or {}), encode_chunked=chunked)
            response = conn.getresponse()
        except OSError as exc:
            conn.close()
            raise EngineError(f"the Docker engine at {self.socket_path} does not answer: {exc}") from None
        if response.status >= 400:
            raw = response.read()
            conn.close()
            try:
                message = json.loads(raw).get("message", "")
            except ValueError:
                message = raw.decode(errors="replace")
            raise EngineError(f"{method} {path}: {response.status} {message}".strip(), response.status)
        return conn, response

    def _read(self, method: str, path: str, params: Mapping[str, Any] | None = None, **kwargs: Any) -> bytes:
        conn, response = self._open(method, path, params, **kwargs)
        try:
            return response.read()
        finally:
            conn.close()

    def request(self, method: str, path: str, params: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        """One call; the JSON answer (None when the body is empty)."""
        raw = self._read(method, path, params, **kwargs)
        return json.loads(raw) if raw.strip() else None

    def stream(self, method: str, path: str, params: Mapping[str, Any] | None = None, **kwargs: Any) -> Iterator[dict]:
        """A call whose answer is a stream of JSON objects, one per line (build, import)."""
        conn, response = self._open(method, path, params, **kwargs)
        try:
            for line in response:
                if line.strip():
                    yield json.loads(line)
        finally:
            conn.close()

    # -- what the lab uses ---------------------------------------------------------------

    def ping(self) -> bool:
        try:
            return self._read("GET", "/_ping", timeout=3.0) == b"OK"
        except EngineError:
            return False

    def info(self) -> dict[str, Any]:
        return self.request("GET", "/info")

    def inspect(self, path: str) -> dict[str, Any] | None:
        """GET of one object; None when the engine does not know it (404)."""
        try:
            return self.request("GET", path)
        except EngineError as exc:
            if exc.status == 404:
                return None
            raise

    def image(self, ref: str) -> dict[str, Any] | None:
        return self.inspect(f"/images/{ref}/json")

    def container(self, ref: str) -> dict[str, Any] | None:
        return self.inspect(f"/containers/{ref}/json")

    def containers(self, labels: Mapping[str, str], all: bool = True) -> list[dict[str, Any]]:
        filters = {"label": [f"{key}={value}" for key, value in labels.items()]}
        return self.request("GET", "/containers/json", {"all": int(all), "filters": filters})

    def stats(self, ref: str) -> dict[str, Any]:
        """One reading, without the second sample the engine otherwise waits for (one-shot)."""
        return self.request("GET", f"/containers/{ref}/stats", {"stream": "false", "one-shot": "true"})

    def logs(self, ref: str, tail: int = 40) -> str:
        raw = self._read("GET", f"/containers/{ref}/logs", {"stdout": 1, "stderr": 1, "tail": tail})
        return _demux(raw).decode(errors="replace")

    def build(
        self,
        context: IO[bytes],
        tag: str,
        dockerfile: str,
        buildargs: Mapping[str, str],
        labels: Mapping[str, str],
        on_line: Callable[[str], None] = lambda line: None,
    ) -> None:
        """Build from a tar context; each output line goes to on_line; an error in the stream raises."""
        params = {
            "t": tag,
            "dockerfile": dockerfile,
            "buildargs": json.dumps(dict(buildargs)),
            "labels": json.dumps(dict(labels)),
            "rm": 1,
            "forcerm": 1,
        }
        for event in self.stream("POST", "/build", params, body=context,
                                 headers={"Content-Type": "application/x-tar"}, timeout=1800):
            if "error" in event:
                raise EngineError(f"docker build {tag}: {event['error'].strip()}")
            text = event.get("stream", "").rstrip()
            if text:
                on_line(text)

    def import_image(self, tar: IO[bytes], repo: str, tag: str, changes: list[str], message: str = "") -> None:
        """`docker import`: a root filesystem tar becomes a one-layer image."""
        params = {"fromSrc": "-", "repo": repo, "tag": tag, "changes": changes, "message": message}
        for event in self.stream("POST", "/images/create", params, body=tar,
                                 headers={"Content-Type": "application/x-tar"}, timeout=1800):
            if "error" in event:
                raise EngineError(f"docker import {repo}:{tag}: {event['error'].strip()}")


def _demux(raw: bytes) -> bytes:
    """Logs of a container without a TTY come framed: 8-byte headers (stream, size) before each chunk."""
    out, i = bytearray(), 0
    while i + 8 <= len(raw) and raw[i] in (0, 1, 2) and raw[i + 1:i + 4] == b"\0\0\0":
        size = int.from_bytes(raw[i + 4:i + 8], "big")
        out += raw[i + 8:i + 8 + size]
        i += 8 + size
    return bytes(out) if i else raw
