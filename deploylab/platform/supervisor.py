"""Model B's supervisor: starts the units, restarts the ones that die, stops them all on SIGTERM.

Standard library only, one process, one JSON config (written by the driver, 0600):
  {"policy": "on-failure", "status_file": ".../units.json", "control_dir": ".../control",
   "units": [{"name": "grades", "argv": [...], "env": {...}, "cwd": "...", "log": "..."}, ...]}

Each unit runs in its own process group and logs to its own file. A crashed unit is started again
after a back-off of 0.5 s, doubling up to 8 s, reset once it has run 30 s. Policy "always" also
restarts a unit that exited with 0; "no" never restarts. The driver asks for stop/start/restart of one
unit by writing the verb into control/<unit>; the current pids are kept in the status file.
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


@dataclass
class Unit:
    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: str | None
    log: str
    proc: subprocess.Popen[bytes] | None = None
    state: str = "starting"  # running | backoff | stopped | exited
    started_at: float = 0.0
    restart_at: float = 0.0
    backoff: float = BACKOFF_FIRST
    restarts: int = 0
    last_exit: int | None = None

    def start(self) -> None:
        with open(self.log, "ab") as log:
            log.write(f"--- supervisor: start {time.strftime('%H:%M:%S')} (restarts so far: {self.restarts})\n".encode())
            log.flush()
            self.proc = subprocess.Popen(self.argv, env=self.env, cwd=self.cwd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.state, self.started_at = "running", time.monotonic()

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
        self.units = [Unit(u["name"], u["argv"], u["env"], u.get("cwd"), u["log"]) for u in config["units"]]
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
            "units": {
                u.name: {"pid": u.proc.pid if u.proc else None, "state": u.state, "restarts": u.restarts, "last_exit": u.last_exit}
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
