"""Facts about the machine and the software a run used, for every report."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from importlib import metadata

import psutil

from deploylab.measure.records import Machine
from deploylab.platform import loadgen

PACKAGES = ("flask", "django", "djangorestframework", "tornado", "waitress", "psutil", "requests")
LOADGEN_PACKAGES = ("locust",)  # in the load generator's own environment (deploylab/platform/loadgen.py)
TOOLS = {"docker": ["docker", "--version"], "vagrant": ["vagrant", "--version"]}


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _tool_version(command: list[str]) -> str | None:
    if not shutil.which(command[0]):
        return None
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def versions() -> dict[str, str | None]:
    """Versions in the lab's own environment and the load generator's (models that build their own venvs or images
    use the services' pins)."""
    found: dict[str, str | None] = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = None
    for package in LOADGEN_PACKAGES:
        found[package] = loadgen.version(package)
    for tool, command in TOOLS.items():
        found[tool] = _tool_version(command)
    return found


def facts() -> Machine:
    return Machine(cpu_model=cpu_model(), cores=os.cpu_count(), memory_bytes=psutil.virtual_memory().total,
                   kernel=platform.release(), os=platform.platform(), versions=versions())
