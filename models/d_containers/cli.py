"""The docker CLI tools model D shells out to: compose (v2 plugin or docker-compose 1.x), swarm, and the engine's start script."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from deploylab.core.errors import LabError
from deploylab.platform.docker_engine import DockerEngine


@functools.cache
def compose_command() -> tuple[str, ...] | None:
    """`docker compose` when the v2 plugin answers, else `docker-compose`, else None."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            return ("docker", "compose")
    if shutil.which("docker-compose"):
        return ("docker-compose",)
    return None


def run(argv: Sequence[str], env: Mapping[str, str] | None = None, timeout: float = 300.0, check: bool = True) -> str:
    """Run a CLI command; its output. A failure is one LabError with the output's tail."""
    try:
        result = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout,
                                env={**os.environ, **(env or {})})
    except subprocess.TimeoutExpired:
        raise LabError(f"{' '.join(argv[:3])}… did not finish within {timeout:.0f} s") from None
    output = (result.stdout + result.stderr).strip()
    if check and result.returncode:
        tail = "\n".join(output.splitlines()[-15:])
        raise LabError(f"{' '.join(argv[:4])}… failed (exit {result.returncode}):\n{tail}")
    return output


def ensure_engine(engine: DockerEngine, root: Path) -> None:
    """Start dockerd with scripts/ensure-docker.sh when nothing answers; one clear error when it cannot."""
    if engine.ping():
        return
    script = root / "scripts" / "ensure-docker.sh"
    result = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=120)
    if result.returncode or not engine.ping():
        why = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no answer"]
        raise LabError(f"model d: the Docker engine is not answering and could not be started: {why[0]}")


def wait_for(condition: Callable[[], bool], timeout: float, interval: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True
