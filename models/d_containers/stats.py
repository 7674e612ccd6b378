"""One resource reading of one container, from its cgroup files (or the Engine API's stats, which hold the same).

Memory is what `docker stats` shows: usage minus the inactive page cache, which the kernel can drop
(cgroup v1: stats.total_inactive_file; v2: stats.inactive_file). CPU is cgroup cpuacct's cumulative
total_usage. The containerd shim that holds each container is the model's own overhead, read apart.

The cgroup files are read directly where Docker's cgroupfs driver puts them (cgroup v1,
/sys/fs/cgroup/<controller>/docker/<id>): the Engine API's stats call makes dockerd collect for about a second
per call, CPU the lab would spend beside the system under test every time it samples.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import psutil

from deploylab.core.driver import Sample
from deploylab.platform.docker_engine import DockerEngine, EngineError

CGROUP_ROOT = Path("/sys/fs/cgroup")


def working_set(memory_stats: dict[str, Any]) -> int:
    usage = int(memory_stats.get("usage") or 0)
    stats = memory_stats.get("stats") or {}
    cache = stats.get("total_inactive_file", stats.get("inactive_file", 0))
    return max(usage - int(cache), 0)


def from_stats(unit: str, stats: dict[str, Any], t: float) -> Sample:
    cpu = stats.get("cpu_stats") or {}
    memory = working_set(stats.get("memory_stats") or {})
    return Sample(
        unit=unit,
        t=t,
        up=True,
        cpu_seconds=int((cpu.get("cpu_usage") or {}).get("total_usage") or 0) / 1e9,
        rss=memory,
        memory_source="cgroup",
        pids=(stats.get("pids_stats") or {}).get("current"),
    )


def shim_rss(main_pid: int) -> int | None:
    """RSS of the containerd-shim whose child is the container's main process."""
    try:
        parent = psutil.Process(main_pid).parent()
        if parent is not None and parent.name().startswith("containerd-shim"):
            return parent.memory_info().rss
    except psutil.Error:
        pass
    return None


def from_cgroup_files(unit: str, container_id: str, t: float, root: Path = CGROUP_ROOT) -> Sample | None:
    """The same figures as from_stats, from cgroup v1 files; None when this host keeps them elsewhere."""
    try:
        cpu_ns = int((root / "cpuacct" / "docker" / container_id / "cpuacct.usage").read_text())
        memory = root / "memory" / "docker" / container_id
        usage = int((memory / "memory.usage_in_bytes").read_text())
        stat = dict(line.split() for line in (memory / "memory.stat").read_text().splitlines() if " " in line)
        pids = int((root / "pids" / "docker" / container_id / "pids.current").read_text())
    except (OSError, ValueError):
        return None
    working = max(usage - int(stat.get("total_inactive_file", 0)), 0)
    return Sample(unit=unit, t=t, up=True, cpu_seconds=cpu_ns / 1e9, rss=working, memory_source="cgroup", pids=pids)


def sample_container(engine: DockerEngine, unit: str, container_id: str) -> Sample:
    t = time.time()
    try:
        info = engine.container(container_id)
        if not info or not info["State"].get("Running"):
            return Sample(unit=unit, t=t, up=False, memory_source="cgroup")
        sample = from_cgroup_files(unit, info["Id"], t) or from_stats(unit, engine.stats(container_id), t)
    except EngineError:
        return Sample(unit=unit, t=t, up=False, memory_source="cgroup")
    sample.overhead_rss = shim_rss(int(info["State"]["Pid"]))
    return sample
