"""Model B: one waitress process per service, each in its own venv, behind the Tornado gateway.

A small supervisor of ours (supervisor.py) owns the units: it restarts a crashed one with back-off,
so one service's death takes down only its own routes, and only for a few seconds.
"""

from __future__ import annotations

import json
import signal
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from deploylab.core import state, wiring
from deploylab.core.driver import DRIVER_FAULTS, Sample, Unit, UnitState
from deploylab.core.errors import LabError
from deploylab.platform import procs, venvs
from deploylab.platform.process_driver import ProcessDriver
from deploylab.platform.progress import progress
from deploylab.platform.psutil_sampler import overhead, read_tree

SUPERVISOR = Path(__file__).resolve().parent / "supervisor.py"
GATEWAY = "gateway"
# Each service has its own pool; Web's backend calls go to other processes, so no pool waits on itself.
THREADS = 8


class Driver(ProcessDriver):
    name: ClassVar[str] = "b"
    title: ClassVar[str] = "one waitress process per service, in its own venv, behind the Tornado gateway"

    def service_url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ctx.service_port(service)}"

    def units(self) -> list[Unit]:
        services = [Unit(name, "process", (name,), self.service_url(name)) for name in self.ctx.manifest.services]
        return [*services, Unit(GATEWAY, "process", (GATEWAY,), self.ctx.base_url)]

    def ports(self) -> list[int]:
        return [self.ctx.service_port(name) for name in self.ctx.manifest.services] + [self.ctx.entry_port]

    def venv_names(self) -> list[str]:
        return [*self.ctx.manifest.services, GATEWAY]

    def build(self) -> None:
        for service in self.ctx.manifest.services.values():
            venvs.ensure_venv(service.name, [service.requirements], self.ctx)
        venvs.ensure_venv(GATEWAY, [self.ctx.manifest.gateway.requirements], self.ctx)

    def unit_specs(self, secrets: dict[str, str]) -> list[dict[str, Any]]:
        manifest = self.ctx.manifest
        urls = {name: self.service_url(name) for name in manifest.services}
        specs = []
        for service in manifest.services.values():
            waitress = str(venvs.venv_dir(self.ctx, service.name) / "bin" / "waitress-serve")
            listen = f"127.0.0.1:{self.ctx.service_port(service.name)}"
            argv = [waitress, *wiring.waitress_args(service, manifest, listen=listen, threads=THREADS)]
            env = procs.base_env(procs.service_env(manifest, service, self.placeholders(service.name, secrets, urls)))
            specs.append({"name": service.name, "argv": argv, "env": env, "cwd": str(service.dir), "log": str(self.log_path(service.name))})
        gateway = manifest.gateway
        gateway_env = {
            **wiring.gateway_env(manifest, urls, secrets, host="127.0.0.1", port=self.ctx.entry_port),
            "PYTHONPATH": procs.python_path(manifest, [gateway.dir]),
        }
        python = str(venvs.venv_dir(self.ctx, GATEWAY) / "bin" / "python")
        specs.append({"name": GATEWAY, "argv": [python, "-m", gateway.module], "env": procs.base_env(gateway_env), "cwd": str(gateway.dir), "log": str(self.log_path(GATEWAY))})
        return specs

    @property
    def status_file(self) -> Path:
        return self.model_dir / "units.json"

    @property
    def control_dir(self) -> Path:
        return self.model_dir / "control"

    def start_units(self, secrets: dict[str, str]) -> dict[str, Any]:
        config = {
            "policy": self.ctx.restart_policy,
            "status_file": str(self.status_file),
            "control_dir": str(self.control_dir),
            "units": self.unit_specs(secrets),
        }
        self.status_file.unlink(missing_ok=True)
        config_path = self.model_dir / "supervisor.json"
        state.write_private(config_path, json.dumps(config))  # it holds the deployment's secrets
        # The supervisor is standard library only: the lab's own interpreter runs it.
        pid = procs.start([sys.executable, str(SUPERVISOR), str(config_path)], procs.base_env(), self.log_path("supervisor"), cpus=self.ctx.sut_cpus)
        deadline = time.monotonic() + 10
        while not self.status_file.exists():
            if not procs.alive(pid) or time.monotonic() > deadline:
                raise LabError(f"model b: the supervisor did not start (log: {self.log_path('supervisor')})")
            time.sleep(0.02)
        return {"pgids": [pid], "supervisor": pid}

    def supervised(self) -> dict[str, Any]:
        try:
            return json.loads(self.status_file.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def unit_pid(self, unit: str) -> int | None:
        return self.supervised().get("units", {}).get(unit, {}).get("pid")

    def pgids(self, recorded: dict[str, Any]) -> list[int]:
        """The supervisor first (it stops its units), then any unit it left behind, e.g. if it was killed."""
        units = [u.get("pid") for u in self.supervised().get("units", {}).values()]
        return [*recorded.get("pgids", []), *(pid for pid in units if pid)]

    def readiness(self) -> dict[str, str]:
        manifest = self.ctx.manifest
        probes = {name: self.service_url(name) + service.ready for name, service in manifest.services.items()}
        probes[GATEWAY] = self.ctx.base_url + (manifest.gateway.health or manifest.entry_health)
        return probes

    def unit_states(self) -> list[UnitState]:
        """What the supervisor says of each unit: its state (e.g. "backoff") and how often it restarted it."""
        supervised = self.supervised().get("units", {})
        rows = []
        for row in super().unit_states():
            known = supervised.get(row.unit, {})
            rows.append(replace(row, state=known.get("state", row.state), restarts=known.get("restarts")))
        return rows

    def fault(self, unit: str, kind: str, **params: Any) -> None:
        self.check_unit(unit)
        if kind not in DRIVER_FAULTS:
            raise LabError(f"model B: unknown fault {kind!r}: choose one of {', '.join(DRIVER_FAULTS)}")
        self.require_up()
        if kind == "kill":
            pid = self.unit_pid(unit)
            if pid is None or not procs.alive(pid):
                raise LabError(f"model b: {unit} is not running")
            procs.signal_group(pid, signal.SIGKILL)  # the supervisor notices and restarts it
            return
        old = self.unit_pid(unit)
        if kind == "start" and procs.alive(old):
            return
        self.control_dir.mkdir(parents=True, exist_ok=True)
        (self.control_dir / unit).write_text({"stop": "stop", "start": "start", "redeploy": "restart"}[kind])
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
        raise LabError(f"model b: the supervisor did not {'start' if running else 'stop'} {unit} within {timeout:.0f} s")

    def sample(self) -> dict[str, Sample]:
        samples = {unit.name: read_tree(unit.name, self.unit_pid(unit.name)) for unit in self.units()}
        samples["supervisor"] = overhead("supervisor", (self.state() or {}).get("supervisor"))
        return samples

    def logs(self, unit: str | None, lines: int) -> str:
        """The tail of each unit's log file under .lab/b/logs/, and of any other log there (the supervisor's)."""
        known = [u.name for u in self.units()]
        known += [p.stem for p in sorted((self.model_dir / "logs").glob("*.log")) if p.stem not in known]
        if unit is not None and unit not in known:
            raise LabError(f"model {self.name} has no unit {unit!r}: its units are {', '.join(known)}")
        return "".join(f"--- {name}: {self.log_path(name)} ---\n{procs.log_tail(self.log_path(name), lines)}\n"
                       for name in ([unit] if unit else known))
