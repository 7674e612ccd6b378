"""CPU time of the whole host, of the load generator and of the lab itself, to charge a model for what it cost.

Cost per request counts every process a model brings (gateway, supervisor, docker-proxy, dockerd, containerd
shims, a machine's systemd) — simplest as the whole host's busy time — minus what is not the model: the load
generator (a child of the lab, counted when reaped) and the lab's own process (the sampler, the progress).
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
# /proc/stat's cpu line: user nice system idle iowait irq softirq steal guest guest_nice. Busy is what ran;
# steal is time another tenant of the host ran, not this machine's work.
BUSY_FIELDS = (0, 1, 2, 5, 6)


def host_busy_seconds(stat: Path = Path("/proc/stat")) -> float:
    """CPU seconds every core of this machine spent running anything, since boot."""
    fields = stat.read_text().splitlines()[0].split()[1:]
    return sum(int(fields[i]) for i in BUSY_FIELDS) / TICK


def lab_seconds() -> float:
    """CPU seconds of the lab's own process, every thread."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def children_seconds() -> float:
    """CPU seconds of the lab's children that have ended and been reaped (a Locust run, once it exited)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class Reading:
    t: float  # monotonic
    host: float
    lab: float
    children: float

    @classmethod
    def now(cls) -> Reading:
        return cls(time.monotonic(), host_busy_seconds(), lab_seconds(), children_seconds())


@dataclass(frozen=True)
class Spent:
    """What a window cost, in CPU seconds."""

    seconds: float  # the window's length
    host: float  # every core, everything
    generator: float  # the children reaped in the window: the load generator
    lab: float

    @property
    def model(self) -> float:
        """The host's busy time less the generator and the lab: the model and whatever it brings with it."""
        return max(self.host - self.generator - self.lab, 0.0)


def spent(start: Reading, end: Reading) -> Spent:
    return Spent(end.t - start.t, end.host - start.host, end.children - start.children, end.lab - start.lab)
