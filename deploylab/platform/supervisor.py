"""The supervisor of models A and B: starts the units, restarts the ones that die, stops them all on SIGTERM.

A runs its one process under it, B its four, with the same restart policy and back-off, so a kill shows
each model's real blast radius for its real time to restart.

Standard library only, one process, run by path (`python3 supervisor.py config.json`), one JSON config
(written by the driver, 0600):
  {"policy": "on-failure", "status_file": ".../units.json", "control_dir": ".../control",
   "cgroup": "deploylab/b-…",   # optional: the deployment's cgroup folder under each controller
   "units": [{"name": "grades", "argv": [...], "env": {...}, "cwd": "...", "log": "...",
              "limits": {"memory_mib": 384, "cpus": 0.6}}, ...]}

Each unit runs in its own process group and logs to its own file. A crashed unit is started again
after a back-off of 0.5 s, doubling up to 8 s, reset once it has run 30 s. Policy "always" also
restarts a unit that exited with 0; "no" never restarts. The driver asks for stop/start/restart of one
unit by writing the verb into control/<unit>; the current pids are kept in the status file.

Limits (cgroup v1, as Docker's cgroupfs driver makes them): a unit with "limits" gets its own group under
/sys/fs/cgroup/memory/<cgroup>/<unit> (memory.limit_in_bytes) and /sys/fs/cgroup/cpu/<cgroup>/<unit>
(cpu.cfs_period_us, cpu.cfs_quota_us); its pid is written into cgroup.procs right after it starts, so
whatever it forks inherits the group. The groups are removed once the unit's processes are gone. Where
cgroups cannot be written (not root, cgroup v2) the supervisor says so in one line, runs without limits
and writes why into the status file ("limits").
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BACKOFF_FIRST, BACKOFF_MAX, HEALTHY_AFTER = 0.5, 8.0, 30.0
TICK = 0.1
STOP_GRACE = 5.0
CGROUP_ROOT = Path("/sys/fs/cgroup")
CFS_PERIOD_US = 100_000
CONTROLLERS = ("memory", "cpu")


def cgroups_unavailable(root: Path | None = None) -> str | None:
    """None when per-unit cgroup v1 groups can be made here; otherwise why not (one line)."""
    root = root or CGROUP_ROOT
    if (root / "cgroup.controllers").exists():
        return "cgroup v2 (unified hierarchy): this supervisor writes cgroup v1 groups only"
    for controller in CONTROLLERS:
        if not (root / controller / "cgroup.procs").exists():
            return f"no cgroup v1 {controller} controller at {root / controller}"
        if not os.access(root / controller, os.W_OK):
            return f"{root / controller} is not writable (the lab runs without root?)"
    return None


def group_dirs(cgroup: str, unit: str, root: Path | None = None) -> dict[str, Path]:
    root = root or CGROUP_ROOT
    return {controller: root / controller / cgroup / unit for controller in CONTROLLERS}


def make_group(cgroup: str, unit: str, limits: dict[str, Any], root: Path | None = None) -> dict[str, Path]:
    """The unit's memory and cpu groups with its limits written; raises OSError when that is impossible."""
    dirs = group_dirs(cgroup, unit, root)
    dirs["memory"].mkdir(parents=True, exist_ok=True)
    (dirs["memory"] / "memory.limit_in_bytes").write_text(str(int(limits["memory_mib"]) * 2**20))
    dirs["cpu"].mkdir(parents=True, exist_ok=True)
    (dirs["cpu"] / "cpu.cfs_period_us").write_text(str(CFS_PERIOD_US))
    (dirs["cpu"] / "cpu.cfs_quota_us").write_text(str(round(float(limits["cpus"]) * CFS_PERIOD_US)))
    return dirs


def remove_groups(cgroup: str, units: list[str] | None = None, root: Path | None = None, wait: float = 2.0) -> list[str]:
    """rmdir the units' groups (all under cgroup when units is None), then cgroup itself and its parent when
    empty. A group still holding a process cannot be removed: wait up to `wait` seconds for it to go.
    Returns the groups left behind."""
    root = root or CGROUP_ROOT
    left: list[str] = []
    for controller in CONTROLLERS:
        base = root / controller / cgroup
        if not base.is_dir():
            continue
        names = units if units is not None else [p.name for p in base.iterdir() if p.is_dir()]
        for name in names:
            group = base / name
            deadline = time.monotonic() + wait
            while group.is_dir():
                try:
                    group.rmdir()
                except OSError:
                    if time.monotonic() > deadline:
                        left.append(str(group))
                        break
                    time.sleep(0.02)
        if units is None:
            for folder in (base, base.parent):
                try:
                    folder.rmdir()  # only when empty: another deployment's groups stay
                except OSError:
                    break
    return left


@dataclass
class Unit:
    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: str | None
    log: str
    limits: dict[str, Any] | None = None
    cgroup: str | None = None  # the deployment's cgroup folder, None: run without limits
    proc: subprocess.Popen[bytes] | None = None
    state: str = "starting"  # running | backoff | stopped | exited
    started_at: float = 0.0
    restart_at: float = 0.0
    backoff: float = BACKOFF_FIRST
    restarts: int = 0
    last_exit: int | None = None

    def start(self) -> None:
        groups = self.groups()
        with open(self.log, "ab") as log:
            log.write(f"--- supervisor: start {time.strftime('%H:%M:%S')} (restarts so far: {self.restarts})\n".encode())
            log.flush()
            self.proc = subprocess.Popen(self.argv, env=self.env, cwd=self.cwd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                         preexec_fn=(lambda: _join(groups)) if groups else None)
        self.state, self.started_at = "running", time.monotonic()
        try:
            for group in groups:  # the child joined them before exec; this checks it, and says so if not
                (group / "cgroup.procs").write_text(str(self.proc.pid))
        except OSError as exc:
            print(f"supervisor: {self.name} runs without its limits: {exc}", flush=True)

    def groups(self) -> list[Path]:
        """The unit's memory and cpu groups, made with its limits; none when it runs without limits."""
        if not (self.limits and self.cgroup):
            return []
        try:
            return list(make_group(self.cgroup, self.name, self.limits).values())
        except OSError as exc:
            print(f"supervisor: {self.name} runs without its limits: {exc}", flush=True)
            return []

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            _signal_group(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                _signal_group(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.proc:
            _signal_group(self.proc.pid, signal.SIGKILL)  # whatever the unit forked and left behind in its group
        self.proc, self.state = None, "stopped"
        if self.cgroup and self.limits:
            remove_groups(self.cgroup, [self.name])


def _join(groups: list[Path]) -> None:
    """In the child, before exec: move itself into its groups, so nothing it runs is ever outside them."""
    for group in groups:
        try:
            (group / "cgroup.procs").write_text("0")  # 0: the writing process
        except OSError:
            pass  # the parent writes the pid again and reports a failure


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class Supervisor:
    def __init__(self, config: dict[str, Any]) -> None:
        self.policy: str = config.get("policy", "on-failure")
        self.status_file = Path(config["status_file"])
        self.control_dir = Path(config["control_dir"])
        self.cgroup: str | None = config.get("cgroup")
        self.limits = "off: no limits asked for"
        if self.cgroup and any(u.get("limits") for u in config["units"]):
            why = cgroups_unavailable()
            self.limits = f"off: {why}" if why else "cgroup v1"
            if why:
                print(f"supervisor: running without limits: {why}", flush=True)
                self.cgroup = None
        self.units = [Unit(u["name"], u["argv"], u["env"], u.get("cwd"), u["log"], u.get("limits"), self.cgroup)
                      for u in config["units"]]
        self.stopping = False

    def should_restart(self, code: int) -> bool:
        return self.policy == "always" or (self.policy == "on-failure" and code != 0)

    def check(self, unit: Unit, now: float) -> None:
        if unit.state == "running" and unit.proc and unit.proc.poll() is not None:
            code = unit.proc.returncode
            if now - unit.started_at >= HEALTHY_AFTER:
                unit.backoff = BACKOFF_FIRST
            unit.last_exit, unit.proc = code, None
            print(f"supervisor: {unit.name} exited ({code}) after {now - unit.started_at:.1f} s", flush=True)
            if self.should_restart(code):
                unit.state, unit.restart_at = "backoff", now + unit.backoff
                unit.backoff = min(unit.backoff * 2, BACKOFF_MAX)
            else:
                unit.state = "exited"
        elif unit.state == "backoff" and now >= unit.restart_at:
            unit.restarts += 1
            unit.start()

    def control(self) -> bool:
        """Carry out stop/start/restart requests; True when something changed."""
        changed = False
        for unit in self.units:
            request = self.control_dir / unit.name
            try:
                verb = request.read_text().strip()
            except FileNotFoundError:
                continue
            request.unlink(missing_ok=True)
            print(f"supervisor: {verb} {unit.name}", flush=True)
            if verb in ("stop", "restart"):
                unit.stop()
            if verb in ("start", "restart") and unit.proc is None:
                unit.backoff = BACKOFF_FIRST
                unit.start()
            changed = True
        return changed

    def write_status(self) -> None:
        status = {
            "supervisor": os.getpid(),
            "policy": self.policy,
            "limits": self.limits,
            "cgroup": self.cgroup,
            "units": {
                u.name: {"pid": u.proc.pid if u.proc else None, "state": u.state, "restarts": u.restarts, "last_exit": u.last_exit,
                         "limits": u.limits if u.cgroup else None}
                for u in self.units
            },
        }
        tmp = self.status_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(status, indent=2))
        tmp.replace(self.status_file)

    def run(self) -> None:
        self.control_dir.mkdir(parents=True, exist_ok=True)
        for unit in self.units:
            unit.start()
        self.write_status()
        last = ""
        while not self.stopping:
            now = time.monotonic()
            for unit in self.units:
                self.check(unit, now)
            self.control()
            snapshot = repr([(u.state, u.proc and u.proc.pid) for u in self.units])
            if snapshot != last:
                self.write_status()
                last = snapshot
            time.sleep(TICK)
        for unit in self.units:  # all at once, so their graceful stops overlap
            if unit.proc:
                _signal_group(unit.proc.pid, signal.SIGTERM)
        for unit in self.units:
            unit.stop()
        if self.cgroup:
            remove_groups(self.cgroup)
        self.write_status()

    def shutdown(self, signum: int, frame: object) -> None:
        self.stopping = True


def main(argv: list[str]) -> int:
    config = json.loads(Path(argv[1]).read_text())
    supervisor = Supervisor(config)
    signal.signal(signal.SIGTERM, supervisor.shutdown)
    signal.signal(signal.SIGINT, supervisor.shutdown)
    supervisor.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
