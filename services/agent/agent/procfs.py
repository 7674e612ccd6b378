"""What processes use, read from /proc: CPU seconds, RSS, and USS/PSS from smaps_rollup, grouped by systemd unit.

Each process is assigned to the unit named by the last ".service" component of its systemd cgroup
(cgroup v1 "name=systemd" line or the v2 "0::" line), which works whether the machine is a real VM
or a container whose cgroup paths are seen from the host's namespace.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
OTHER = "other"  # processes outside every watched unit: systemd, journald, sshd, the agent itself


@dataclass
class Usage:
    pids: int = 0
    cpu_seconds: float = 0.0
    rss: int = 0
    uss: int = 0
    pss: int = 0

    def add(self, other: Usage) -> None:
        self.pids += other.pids
        self.cpu_seconds += other.cpu_seconds
        self.rss += other.rss
        self.uss += other.uss
        self.pss += other.pss

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class ProcFS:
    def __init__(self, root: str = "/proc") -> None:
        self.root = Path(root)

    def pids(self) -> list[int]:
        return sorted(int(entry.name) for entry in self.root.iterdir() if entry.name.isdigit())

    def unit_of(self, pid: int) -> str:
        """The systemd unit (without ".service") the process belongs to, or "" for scopes, slices and PID 1."""
        for line in (self.root / str(pid) / "cgroup").read_text().splitlines():
            hierarchy, _, path = line.partition(":")[2].partition(":")
            if hierarchy in ("name=systemd", ""):
                last = path.rstrip("/").rsplit("/", 1)[-1]
                return last.removesuffix(".service") if last.endswith(".service") else ""
        return ""

    def usage(self, pid: int) -> Usage:
        base = self.root / str(pid)
        # Fields after the command name, which may itself hold spaces and parentheses.
        fields = (base / "stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
        rss = int((base / "statm").read_text().split()[1]) * PAGE_SIZE
        rollup = _kilobytes(base / "smaps_rollup")
        uss = rollup.get("Private_Clean", 0) + rollup.get("Private_Dirty", 0)
        return Usage(pids=1, cpu_seconds=cpu, rss=rss, uss=uss, pss=rollup.get("Pss", 0))

    def by_unit(self, watched: tuple[str, ...]) -> tuple[dict[str, Usage], dict[str, Usage]]:
        """(usage of each watched unit, usage of everything else by unit name; "init" for PID 1 and scopes)."""
        units = {name: Usage() for name in watched}
        others: dict[str, Usage] = {}
        for pid in self.pids():
            try:
                unit, usage = self.unit_of(pid), self.usage(pid)
            except (OSError, ValueError, IndexError):
                continue  # the process ended while we read it
            if unit in units:
                units[unit].add(usage)
            else:
                others.setdefault(unit or "init", Usage()).add(usage)
        return units, others

    def memory(self) -> dict[str, int]:
        info = _kilobytes(self.root / "meminfo")
        total = info.get("MemTotal", 0)
        return {"total": total, "used": total - info.get("MemAvailable", 0)}

    def uptime(self) -> float:
        return float((self.root / "uptime").read_text().split()[0])


def _kilobytes(path: Path) -> dict[str, int]:
    """"Key:   123 kB" lines as bytes."""
    values: dict[str, int] = {}
    for line in path.read_text().splitlines():
        key, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            values[key.strip()] = int(parts[0]) * (1024 if parts[1:2] == ["kB"] else 1)
    return values
