"""A small Docker Engine API client over the unix socket (stdlib http.client only).

The lab talks to the engine directly for what it reads often or needs exactly (inspect, stats,
image lookups, builds, imports); the `docker` CLI is kept for compose and swarm, whose file
formats only the CLI understands. Paths are unversioned: the engine answers in its own API version.

Which engine: the one the `docker` command would use — `DOCKER_HOST` (unix:// or plain tcp://), else
the current docker context (`DOCKER_CONTEXT`, else `currentContext` of ~/.docker/config.json, its
endpoint in ~/.docker/contexts/meta/<sha256 of the name>/meta.json), else /var/run/docker.sock. It is
resolved once, when the client is made; `docker_env()` gives the same endpoint to the docker, compose
and Vagrant commands the lab runs, so both halves always talk to one engine.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import socket
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from deploylab.core.errors import LabError

DEFAULT_SOCKET = "/var/run/docker.sock"
DEFAULT_HOST = f"unix://{DEFAULT_SOCKET}"


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


@dataclass(frozen=True)
class Endpoint:
    """Where the engine answers, and who said so (for error messages)."""

    host: str  # "unix:///var/run/docker.sock" or "tcp://10.0.0.5:2375", as DOCKER_HOST spells it
    source: str  # "DOCKER_HOST", "docker context NAME", "default"

    @property
    def socket_path(self) -> str | None:
        return self.host.removeprefix("unix://") if self.host.startswith("unix://") else None

    @property
    def address(self) -> tuple[str, int]:
        parsed = urllib.parse.urlsplit(self.host)
        return parsed.hostname or "127.0.0.1", parsed.port or 2375


def _config_dir(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("DOCKER_CONFIG") or Path(environ.get("HOME") or Path.home()) / ".docker")


def _context_host(name: str, config_dir: Path) -> tuple[str, bool]:
    """(the context's docker endpoint, whether it has TLS material) from its meta.json."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    meta_path = config_dir / "contexts" / "meta" / digest / "meta.json"
    try:
        meta = json.loads(meta_path.read_text())
        host = meta["Endpoints"]["docker"]["Host"]
    except (OSError, ValueError, KeyError, TypeError):
        raise LabError(f"docker context {name!r} is current, but {meta_path} does not name its endpoint "
                       "(Endpoints.docker.Host)") from None
    has_tls = (config_dir / "contexts" / "tls" / digest / "docker").is_dir()
    return str(host), has_tls


def _checked(host: str, source: str, tls: bool = False) -> Endpoint:
    scheme = host.split("://", 1)[0] if "://" in host else ""
    if scheme == "unix" and host.removeprefix("unix://"):
        return Endpoint(host, source)
    if scheme == "tcp":
        if tls:
            raise LabError(f"{source} names {host} with TLS; the lab's Engine client speaks plain HTTP only: "
                           "use a unix socket, or a tcp:// endpoint without TLS")
        return Endpoint(host, source)
    if scheme in ("ssh", "npipe", "fd", "http", "https"):
        raise LabError(f"{source} names {host}: the lab's Engine client supports unix:// and plain tcp:// "
                       f"endpoints only, not {scheme}:// (forward the engine's socket, or unset it)")
    raise LabError(f"{source} names {host!r}, which is not an engine address (unix:///path or tcp://host:port)")


def resolve_endpoint(environ: Mapping[str, str] | None = None) -> Endpoint:
    """The engine the `docker` command would use: DOCKER_HOST, else the current context, else the default socket."""
    env = os.environ if environ is None else environ
    if env.get("DOCKER_HOST"):
        return _checked(env["DOCKER_HOST"], "DOCKER_HOST", tls=bool(env.get("DOCKER_TLS_VERIFY")))
    config_dir = _config_dir(env)
    name = env.get("DOCKER_CONTEXT") or ""
    if not name:
        try:
            name = str(json.loads((config_dir / "config.json").read_text()).get("currentContext") or "")
        except (OSError, ValueError, AttributeError):
            name = ""
    if name and name != "default":
        host, tls = _context_host(name, config_dir)
        return _checked(host, f"docker context {name!r}", tls=tls)
    return Endpoint(DEFAULT_HOST, "default")


def docker_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """{"DOCKER_HOST": …} for the docker, compose and Vagrant commands the lab runs: the client's own engine."""
    return {"DOCKER_HOST": resolve_endpoint(environ).host}


def _query(params: Mapping[str, Any] | None) -> str:
    if not params:
        return ""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        values = value if isinstance(value, list | tuple) else [value]
        pairs.extend((key, v if isinstance(v, str) else json.dumps(v)) for v in values)
    return "?" + urllib.parse.urlencode(pairs)


class DockerEngine:
    def __init__(self, socket_path: str | None = None, timeout: float = 30.0,
                 environ: Mapping[str, str] | None = None) -> None:
        """socket_path: this socket; None: the endpoint `docker` would use (resolve_endpoint), resolved now."""
        self.endpoint = Endpoint(f"unix://{socket_path}", "argument") if socket_path else resolve_endpoint(environ)
        self.socket_path = self.endpoint.socket_path or self.endpoint.host  # kept for messages and callers
        self.timeout = timeout

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        if self.endpoint.socket_path is not None:
            return _UnixConnection(self.endpoint.socket_path, timeout)
        host, port = self.endpoint.address  # plain HTTP, to an address the user configured (DOCKER_HOST, a context)
        return http.client.HTTPConnection(host, port, timeout=timeout)

    def _open(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        body: bytes | IO[bytes] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        conn = self._connection(timeout or self.timeout)
        try:
            chunked = body is not None and not isinstance(body, bytes)
            conn.request(method, path + _query(params), body=body, headers=dict(headers or {}), encode_chunked=chunked)
            response = conn.getresponse()
        except OSError as exc:
            conn.close()
            raise EngineError(f"the Docker engine at {self.endpoint.host} ({self.endpoint.source}) does not answer: {exc}") from None
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

    def exec(self, ref: str, cmd: Sequence[str], env: Mapping[str, str] | None = None,
             timeout: float = 30.0) -> tuple[int, str]:
        """`docker exec` in a running container: the command's exit code and its output (stdout and stderr)."""
        json_body = {"Content-Type": "application/json"}
        created = self.request("POST", f"/containers/{ref}/exec", body=json.dumps({
            "Cmd": list(cmd), "Env": [f"{key}={value}" for key, value in (env or {}).items()],
            "AttachStdout": True, "AttachStderr": True}).encode(), headers=json_body)
        raw = self._read("POST", f"/exec/{created['Id']}/start", body=json.dumps({"Detach": False, "Tty": False}).encode(),
                         headers=json_body, timeout=timeout)
        code = (self.request("GET", f"/exec/{created['Id']}/json") or {}).get("ExitCode")
        return (-1 if code is None else int(code)), _demux(raw).decode(errors="replace")

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
