"""Out-of-memory kills, in the kernel's own words.

When a process exceeds its memory cgroup's limit the kernel kills it and writes one line to its log:
    [18379.177121] oom-kill:constraint=CONSTRAINT_MEMCG,...,oom_memcg=/deploylab/b-1000-ab12cd34/grades,...,pid=6265,uid=0
The group path names who was killed, the same way for every model on this host: A's and B's groups are the
supervisor's (/deploylab/...), D's containers and C's machines are Docker's (/docker/<id>, C's service below
its machine's). Each driver says which group is which unit (Driver.memory_groups); this module reads the
log and attributes each kill to the unit whose group holds the killed one.
"""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

LINE = re.compile(r"^\[\s*(?P<uptime>\d+\.\d+)\]\s+oom-kill:.*?\boom_memcg=(?P<memcg>[^,\s]+).*?\bpid=(?P<pid>\d+)")


@dataclass(frozen=True)
class Kill:
    unit: str
    t: float  # wall clock
    memcg: str
    pid: int


class Unreadable(Exception):
    """The kernel log cannot be read here (dmesg missing or restricted)."""


def kernel_log() -> str:
    try:
        done = subprocess.run(["dmesg"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError) as exc:
        raise Unreadable(f"dmesg: {exc}") from None
    if done.returncode != 0:
        raise Unreadable(f"dmesg: {(done.stderr.strip().splitlines() or ['exit ' + str(done.returncode)])[-1]}")
    return done.stdout


def boot_time(uptime_file: Path = Path("/proc/uptime")) -> float:
    """Wall clock at boot: the kernel log counts seconds from there."""
    return time.time() - float(uptime_file.read_text().split()[0])


def owner(memcg: str, groups: dict[str, str]) -> str | None:
    """The unit whose group is memcg or holds it (the longest match: a machine's service below the machine)."""
    found = [(len(path), unit) for unit, path in groups.items()
             if memcg == path or memcg.startswith(path.rstrip("/") + "/")]
    return max(found)[1] if found else None


def kills(log: str, groups: dict[str, str], since: float, until: float, booted: float) -> list[Kill]:
    """The kills between since and until (wall clock) in the units' groups, oldest first."""
    found = []
    for line in log.splitlines():
        match = LINE.match(line)
        if not match:
            continue
        t = booted + float(match["uptime"])
        unit = owner(match["memcg"], groups)
        if unit is not None and since <= t <= until:
            found.append(Kill(unit, round(t, 3), match["memcg"], int(match["pid"])))
    return found
