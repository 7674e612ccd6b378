"""What models A and B share beyond processes: their units run under our supervisor (supervisor.py).

Both start one supervisor process with one JSON config (units, restart policy, limits) and talk to it
through files: it writes each unit's pid and state to units.json, and carries out stop / start /
restart requests written to control/<unit>. The same restart policy and back-off for A's one unit and
B's four is what makes a kill in either model show its real blast radius and its real time to recover.

Limits come from the manifest (`Manifest.unit_limits()`); the supervisor applies them as cgroup v1
groups under /sys/fs/cgroup/<controller>/<cgroup_name>/<unit>, a folder unique to the deployment.
"""

from __future__ import annotations

import hashlib
import json
import signal
import sys
import time
from abc import abstractmethod
from dataclasses import replace
from pathlib import Path
from typing import Any

from deploylab.core import state
from deploylab.core.driver import DRIVER_FAULTS, Deployment, UnitState
from deploylab.core.errors import LabError
from deploylab.core.manifest import Limits
from deploylab.platform import procs
from deploylab.platform.process_driver import ProcessDriver
from deploylab.platform.progress import progress
from deploylab.platform.supervisor import remove_groups

SUPERVISOR = Path(__file__).resolve().parent / "supervisor.py"
CONTROL_VERBS = {"stop": "stop", "start": "start", "redeploy": "restart"}


class SupervisedDriver(ProcessDriver):
    @abstractmethod
    def unit_specs(self, secrets: dict[str, str]) -> list[dict[str, Any]]:
        """Each unit as the supervisor starts it: name, argv, env, cwd, log."""

    @abstractmethod
    def unit_limits(self) -> dict[str, Limits]:
        """The limits of each unit, from the manifest."""

    @property
    def status_file(self) -> Path:
        return self.model_dir / "units.json"

    @property
    def control_dir(self) -> Path:
        return self.model_dir / "control"

    @property
    def cgroup_name(self) -> str:
        """deploylab/<model>-<port offset>-<hash of the state folder>: two deployments never share a group."""
        where = hashlib.sha256(str(self.ctx.state_dir.resolve()).encode()).hexdigest()[:8]
        return f"deploylab/{self.name}-{self.ctx.port_offset}-{where}"

    def memory_groups(self) -> dict[str, str]:
        return {unit: f"/{self.cgroup_name}/{unit}" for unit in self.unit_limits()}

    def supervisor_config(self, secrets: dict[str, str]) -> dict[str, Any]:
        limits = self.unit_limits()
        units = []
        for spec in self.unit_specs(secrets):
            limit = limits.get(spec["name"])
            units.append({**spec, "limits": {"memory_mib": limit.memory_mib, "cpus": limit.cpus} if limit else None})
        return {
            "policy": self.ctx.restart_policy,
            "status_file": str(self.status_file),
            "control_dir": str(self.control_dir),
            "cgroup": self.cgroup_name,
            "units": units,
        }

    def start_units(self, secrets: dict[str, str]) -> dict[str, Any]:
        config = self.supervisor_config(secrets)
        self.status_file.unlink(missing_ok=True)
        config_path = self.model_dir / "supervisor.json"
        state.write_private(config_path, json.dumps(config))  # it holds the deployment's secrets
        # The supervisor is standard library only: the lab's own interpreter runs it.
        pid = procs.start([sys.executable, str(SUPERVISOR), str(config_path)], procs.base_env(), self.log_path("supervisor"),
                          cpus=self.ctx.sut_cpus)
        deadline = time.monotonic() + 10
        while not self.status_file.exists():
            if not procs.alive(pid) or time.monotonic() > deadline:
                raise LabError(f"model {self.name}: the supervisor did not start (log: {self.log_path('supervisor')})")
            time.sleep(0.02)
        return {"pgids": [pid], "supervisor": pid, "cgroup": config["cgroup"]}

    def up(self) -> Deployment:
        deployment = super().up()
        deployment.details["limits"] = self.limits_applied()
        return deployment

    def limits_applied(self) -> dict[str, Any]:
        """How the limits were applied: "cgroup v1" with the group, or "off: why"; and each unit's limits."""
        status = self.supervised()
        return {
            "applied": status.get("limits", "?"),
            "cgroup": status.get("cgroup"),
            "units": {name: {"memory_mib": limit.memory_mib, "cpus": limit.cpus} for name, limit in self.unit_limits().items()},
        }

    def down(self) -> None:
        try:
            super().down()
        finally:  # groups a killed supervisor left behind; only when empty, i.e. after its units are gone
            remove_groups(self.cgroup_name)

    def supervised(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self.status_file.read_text()))
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def unit_pid(self, unit: str) -> int | None:
        pid = self.supervised().get("units", {}).get(unit, {}).get("pid")
        return int(pid) if pid else None

    def pgids(self, recorded: dict[str, Any]) -> list[int]:
        """The supervisor first (it stops its units), then any unit it left behind, e.g. if it was killed."""
        units = [u.get("pid") for u in self.supervised().get("units", {}).values()]
        return [*recorded.get("pgids", []), *(pid for pid in units if pid)]

    def unit_states(self) -> list[UnitState]:
        """What the supervisor says of each unit: its state (e.g. "backoff") and how often it restarted it."""
        supervised = self.supervised().get("units", {})
        rows = []
        for row in super().unit_states():
            known = supervised.get(row.unit, {})
            rows.append(replace(row, state=known.get("state", row.state), restarts=known.get("restarts")))
        return rows

    def fault(self, unit: str, kind: str, **params: Any) -> None:
        """kill: SIGKILL to the unit's process group, and the supervisor restarts it as its policy says;
        stop / start / redeploy (a restart with the code on disk): asked of the supervisor."""
        self.check_unit(unit)
        if kind not in DRIVER_FAULTS:
            raise LabError(f"model {self.name}: unknown fault {kind!r}: choose one of {', '.join(DRIVER_FAULTS)}")
        why = self.cannot(kind, unit)
        if why:
            raise LabError(why)
        self.require_up()
        if kind == "kill":
            pid = self.unit_pid(unit)
            if pid is None or not procs.alive(pid):
                raise LabError(f"model {self.name}: {unit} is not running")
            procs.signal_group(pid, signal.SIGKILL)  # the supervisor notices and restarts it
            return
        old = self.unit_pid(unit)
        if kind == "start" and procs.alive(old):
            return
        self.control_dir.mkdir(parents=True, exist_ok=True)
        (self.control_dir / unit).write_text(CONTROL_VERBS[kind])
        self.wait_for(unit, old, running=kind != "stop")
        if kind != "stop":
            self.wait_ready(time.monotonic())
            progress(f"{unit} is serving again", self.name)

    def wait_for(self, unit: str, old: int | None, running: bool, timeout: float = 15.0) -> None:
        """Until the supervisor has carried out the request: a new pid, or none."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid = self.unit_pid(unit)
            if (running and pid and pid != old) or (not running and not pid) or (running and pid and old is None):
                return
            time.sleep(0.05)
        raise LabError(f"model {self.name}: the supervisor did not {'start' if running else 'stop'} {unit} within {timeout:.0f} s")
