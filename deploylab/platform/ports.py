"""Is a loopback port free? Checked before anything starts, so a taken port is one clear error."""

from __future__ import annotations

import socket
from collections.abc import Iterable

from deploylab.core.errors import LabError


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def require_free(ports: Iterable[int], host: str = "127.0.0.1") -> None:
    taken = [port for port in ports if port_in_use(port, host)]
    if taken:
        listed = ", ".join(f"{host}:{port}" for port in taken)
        raise LabError(f"port already in use: {listed} (is another model up? try `deploylab down`)")


def free_port(host: str = "127.0.0.1") -> int:
    """A port the kernel says is free now (for tests and throw-away servers)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]
