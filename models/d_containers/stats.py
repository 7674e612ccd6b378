"""One resource reading of one container, from the Engine API's stats (cgroup figures).

Memory is what `docker stats` shows: usage minus the inactive page cache, which the kernel can drop
(cgroup v1: stats.total_inactive_file; v2: stats.inactive_file). CPU is cgroup cpuacct's cumulative
total_usage. The containerd shim that holds each container is the model's own overhead, read apart.
"""

from __future__ import annotations

import time
from typing import Any

import psutil

from deploylab.core.driver import Sample
from deploylab.platform.docker_engine import DockerEngine, EngineError


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


def sample_container(engine: DockerEngine, unit: str, container_id: str) -> Sample:
    t = time.time()
    try:
        info = engine.container(container_id)
        if not info or not info["State"].get("Running"):
            return Sample(unit=unit, t=t, up=False, memory_source="cgroup")
        sample = from_stats(unit, engine.stats(container_id), t)
    except EngineError:
        return Sample(unit=unit, t=t, up=False, memory_source="cgroup")
    sample.overhead_rss = shim_rss(int(info["State"]["Pid"]))
    return sample
