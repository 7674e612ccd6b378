"""Processes of models A and B: each unit in its own process group, logging to its own file.

Stopping a unit means SIGTERM to its group, a short wait, then SIGKILL to the group, so that
nothing a unit forked survives it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import psutil

from deploylab.core import wiring
from deploylab.core.manifest import Manifest, Service
from deploylab.platform.ports import port_in_use

# The only parts of the lab's own environment a unit gets: no virtualenv, no DEPLOYLAB_*, no stray config.
INHERITED = ("PATH", "HOME", "LANG", "TZ")

# Popen objects of what this interpreter started, so their exit is reaped and not left as zombies.
_started: dict[int, subprocess.Popen[bytes]] = {}


def base_env(extra: Mapping[str, str] = {}) -> dict[str, str]:
    env = {key: os.environ[key] for key in INHERITED if key in os.environ}
    env.setdefault("LANG", "C.UTF-8")
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def python_path(manifest: Manifest, dirs: Iterable[Path]) -> str:
    return os.pathsep.join(str(d) for d in [*dirs, manifest.common_dir])


def service_env(manifest: Manifest, service: Service, values: Mapping[str, str]) -> dict[str, str]:
    """A service's rendered manifest env, with its own folder and the common one importable."""
    env = wiring.service_env(service, values)
    env["PYTHONPATH"] = python_path(manifest, [service.dir])
    return env


def start(
    argv: Sequence[str],
    env: Mapping[str, str],
    log_path: Path,
    *,
    cwd: Path | None = None,
    cpus: str | None = None,
) -> int:
    """Start argv in a new session (its own process group); returns its pid (= its pgid)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        log.write(f"--- start {time.strftime('%Y-%m-%d %H:%M:%S')}: {' '.join(argv)}\n".encode())
        log.flush()
        proc = subprocess.Popen(
            list(argv),
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _started[proc.pid] = proc
    if cpus:
        psutil.Process(proc.pid).cpu_affinity(parse_cpus(cpus))  # children inherit it
    return proc.pid


def parse_cpus(spec: str) -> list[int]:
    """'0' or '0,1' or '0-1' -> [0, 1]."""
    cpus: list[int] = []
    for part in spec.split(","):
        low, _, high = part.partition("-")
        cpus.extend(range(int(low), int(high or low) + 1))
    return cpus


def _reap() -> None:
    for pid, proc in list(_started.items()):
        if proc.poll() is not None:
            del _started[pid]


def alive(pid: int | None) -> bool:
    """True while pid runs (a zombie is not running)."""
    if not pid:
        return False
    _reap()
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def group_alive(pgid: int) -> bool:
    _reap()
    for proc in psutil.process_iter(["status"]):
        try:
            if proc.info["status"] != psutil.STATUS_ZOMBIE and os.getpgid(proc.pid) == pgid:
                return True
        except (ProcessLookupError, psutil.Error):
            continue
    return False


def signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop_group(pgid: int | None, timeout: float = 5.0) -> None:
    """SIGTERM the group, wait up to timeout, then SIGKILL whatever is left. Idempotent."""
    if not pgid:
        return
    signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while group_alive(pgid):
        if time.monotonic() > deadline:
            signal_group(pgid, signal.SIGKILL)
            deadline = time.monotonic() + timeout
        time.sleep(0.05)


def wait_ports_free(ports: Iterable[int], timeout: float = 5.0) -> list[int]:
    """Wait until nothing listens on the ports; returns those still taken."""
    deadline = time.monotonic() + timeout
    pending = list(ports)
    while pending:
        pending = [port for port in pending if port_in_use(port)]
        if not pending or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return pending


def log_tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])
