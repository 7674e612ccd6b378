"""Resource readings of process-based units (models A and B) from psutil, summed over each process tree."""

from __future__ import annotations

import time

import psutil

from deploylab.core.driver import Sample


def _tree(pid: int, descendants: bool) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)] if descendants else [root]


def read_tree(unit: str, pid: int | None, *, descendants: bool = True) -> Sample:
    """cpu seconds (user + system), rss, uss and pss of pid (and its descendants); up=False when it is gone."""
    now = time.time()
    if not pid:
        return Sample(unit=unit, t=now, up=False, memory_source="uss")
    try:
        procs = _tree(pid, descendants)
    except psutil.Error:
        return Sample(unit=unit, t=now, up=False, memory_source="uss")
    cpu = 0.0
    rss = uss = pss = 0
    counted = 0
    for proc in procs:
        try:
            with proc.oneshot():
                if proc.status() == psutil.STATUS_ZOMBIE:
                    continue
                times = proc.cpu_times()
                memory = proc.memory_full_info()  # uss/pss read smaps: root or the same user only
        except psutil.Error:
            continue  # exited between listing and reading
        cpu += times.user + times.system
        rss += memory.rss
        uss += memory.uss
        pss += getattr(memory, "pss", 0)
        counted += 1
    return Sample(unit=unit, t=now, up=counted > 0, cpu_seconds=cpu, rss=rss, uss=uss, pss=pss, memory_source="uss", pids=counted)


def overhead(unit: str, pid: int | None) -> Sample:
    """A process that the model adds around the apps (B's supervisor): its own footprint is overhead, not app
    memory. Only the process itself: its children are the units, counted as apps."""
    reading = read_tree(unit, pid, descendants=False) if pid else Sample(unit=unit, t=time.time(), up=False)
    return Sample(
        unit=unit,
        t=reading.t,
        up=reading.up,
        cpu_seconds=reading.cpu_seconds,
        memory_source="uss",
        overhead_rss=reading.uss or reading.rss,
        pids=reading.pids,
    )
