"""A network partition inside a unit's own network namespace: packets to a service's port dropped, not refused.

A refused connection fails in a millisecond; a dropped one makes every caller wait for its own timeout, which is
what a partition does and what the page's time budget and the gateway's timeouts are for. The rule lives in the
namespace of a container or machine the lab created (entered through one of its processes), only for packets
that arrive from the network, so the unit's own health check on its loopback still passes: a unit that looks
healthy from inside and cannot be reached from outside. Nothing on the host's own tables is touched.
"""

from __future__ import annotations

import shutil
import subprocess

from deploylab.core.errors import LabError

COMMENT = "deploylab-partition"


def _rule(port: int) -> list[str]:
    return ["INPUT", "!", "-i", "lo", "-p", "tcp", "--dport", str(port), "-m", "comment", "--comment", COMMENT,
            "-j", "DROP"]


def _iptables(pid: int, *args: str) -> subprocess.CompletedProcess[str]:
    for tool in ("nsenter", "iptables"):
        if shutil.which(tool) is None:
            raise LabError(f"a partition needs {tool} (apt-get install {'util-linux' if tool == 'nsenter' else tool})")
    return subprocess.run(["nsenter", "-t", str(pid), "-n", "iptables", "-w", *args],
                          capture_output=True, text=True, timeout=30)


def drop(pid: int, port: int) -> None:
    """From now on, packets from the network to this port in pid's namespace are dropped."""
    done = _iptables(pid, "-I", *_rule(port))
    if done.returncode != 0:
        raise LabError(f"could not cut port {port} off in process {pid}'s network: {done.stderr.strip()[-300:]}")


def heal(pid: int, port: int) -> None:
    """The partition's rule removed, however many times it was added; none there is no error (the unit may have
    been restarted into a new namespace meanwhile)."""
    while _iptables(pid, "-D", *_rule(port)).returncode == 0:
        pass


def rules(pid: int) -> list[str]:
    """The partition rules left in pid's namespace (a test's check that a run cleaned up)."""
    listed = _iptables(pid, "-S", "INPUT")
    return [line for line in listed.stdout.splitlines() if COMMENT in line]


def apply(kind: str, pid: int, port: int, unit: str) -> None:
    """A driver's `partition` or `heal` of the unit whose namespace pid (0: not running) is in. A unit that is not
    running cannot be cut; it has nothing to heal either (restarted, it has a new namespace without the rule)."""
    if kind == "partition" and not pid:
        raise LabError(f"{unit} is not running")
    if pid:
        (drop if kind == "partition" else heal)(pid, port)
