"""What models A and B share: units are local processes, started from venvs under .lab/, stopped by group.

A subclass says which ports it binds, how it starts its units and where each unit answers
readiness; this class does the rest of `up` and `down` the same way for both.
"""

from __future__ import annotations

import time
from abc import abstractmethod
from pathlib import Path
from typing import Any

from deploylab.core import state, wiring
from deploylab.core.driver import Deployment, Driver, Unit, UnitState
from deploylab.core.errors import LabError
from deploylab.platform import procs
from deploylab.platform.footprint import Footprint, venvs_footprint
from deploylab.platform.ports import require_free
from deploylab.platform.probe import wait_until_ready
from deploylab.platform.progress import progress


class ProcessDriver(Driver):
    @property
    def model_dir(self) -> Path:
        return self.ctx.model_dir(self.name)

    def log_path(self, unit: str) -> Path:
        return self.model_dir / "logs" / f"{unit}.log"

    def data_dir(self, service: str) -> Path:
        path = self.model_dir / "data" / service
        path.mkdir(parents=True, exist_ok=True)
        return path

    def placeholders(self, service: str, secrets: dict[str, str], urls: dict[str, str]) -> dict[str, str]:
        return wiring.placeholders(str(self.data_dir(service)), secrets, urls)

    def state(self) -> dict[str, Any] | None:
        return state.read_state(self.model_dir)

    @abstractmethod
    def venv_names(self) -> list[str]:
        """The virtual environments the model runs from (.lab/venvs/<name>)."""

    def footprint(self) -> Footprint:
        return venvs_footprint(self.ctx, self.venv_names())

    def environments(self) -> int:
        return len(self.venv_names())

    @abstractmethod
    def ports(self) -> list[int]:
        """Every port this model binds."""

    @abstractmethod
    def start_units(self, secrets: dict[str, str]) -> dict[str, Any]:
        """Start every unit; returns what down() needs to stop them ("pgids") and anything else to record."""

    @abstractmethod
    def readiness(self) -> dict[str, str]:
        """{unit: url} that answers 200 when the unit is ready."""

    @abstractmethod
    def unit_pid(self, unit: str) -> int | None:
        """The pid of a unit's main process now, or None when it is not running."""

    def unit_of(self, service: str) -> str:
        """The unit that hosts a service."""
        return next(u.name for u in self.units() if service in u.services)

    def unit_states(self) -> list[UnitState]:
        rows = []
        for unit in self.units():
            pid = self.unit_pid(unit.name)
            running = procs.alive(pid)
            rows.append(UnitState(unit.name, unit.kind, unit.services, "running" if running else "down",
                                  pid if running else None))
        return rows

    def up(self) -> Deployment:
        started = time.monotonic()
        self.build()
        require_free(self.ports())
        secrets = state.deployment_secrets(self.model_dir, fresh=True)
        progress(f"starting {', '.join(u.name for u in self.units())}", self.name)
        recorded: dict[str, Any] = {"model": self.name, "base_url": self.ctx.base_url, "ports": self.ports(), "started": time.time()}
        state.write_state(self.model_dir, recorded)  # before anything runs, so a crash here is still cleaned up by down
        try:
            recorded.update(self.start_units(secrets))
            state.write_state(self.model_dir, recorded)
            self.wait_ready(started)
        except BaseException:
            self.down()
            raise
        recorded["ready_seconds"] = round(time.monotonic() - started, 3)
        state.write_state(self.model_dir, recorded)
        return Deployment(self.name, self.ctx.base_url, self.units(), secrets["chaos_token"], recorded["ready_seconds"], {"ports": self.ports()})

    def wait_ready(self, started: float) -> None:
        """Each unit's readiness, then the contract routes through the entry address; on failure show the unit's log."""
        remaining = lambda: max(1.0, self.ctx.up_timeout - (time.monotonic() - started))  # noqa: E731
        running = lambda unit: procs.alive(self.unit_pid(unit))  # noqa: E731
        failed = wait_until_ready(self.readiness(), remaining(), still_running=running)
        if failed is None:  # then every service's routes through the entry address, named by the unit hosting it
            probes = wiring.entry_probes(self.ctx.manifest, self.ctx.base_url)
            routes = {self.unit_of(name): url for name, url in probes.items() if name in self.ctx.manifest.services}
            failed = wait_until_ready(routes, remaining(), still_running=running)
        if failed is not None:
            how = "exited" if not running(failed) else f"did not answer within {self.ctx.up_timeout:.0f} s"
            progress(f"--- last lines of {self.log_path(failed)}:\n{procs.log_tail(self.log_path(failed))}\n---")
            raise LabError(f"model {self.name}: unit {failed} {how}; everything was stopped (log: {self.log_path(failed)})")
        progress(f"ready in {time.monotonic() - started:.1f} s", self.name)

    def down(self) -> None:
        recorded = self.state() or {}
        for pgid in self.pgids(recorded):
            procs.stop_group(pgid)
        taken = procs.wait_ports_free(recorded.get("ports", []))
        state.clear_state(self.model_dir)
        if taken:
            raise LabError(f"model {self.name} is stopped but something still listens on {', '.join(map(str, taken))}")

    def pgids(self, recorded: dict[str, Any]) -> list[int]:
        """Process groups to stop, in order."""
        return list(recorded.get("pgids", []))

    def logs(self, unit: str | None, lines: int) -> str:
        """The tail of each unit's log file under .lab/<model>/logs/, and of any other log there (the supervisor's)."""
        known = [u.name for u in self.units()]
        known += [p.stem for p in sorted((self.model_dir / "logs").glob("*.log")) if p.stem not in known]
        if unit is not None and unit not in known:
            raise LabError(f"model {self.name} has no unit {unit!r}: its units are {', '.join(known)}")
        return "".join(f"--- {name}: {self.log_path(name)} ---\n{procs.log_tail(self.log_path(name), lines)}\n"
                       for name in ([unit] if unit else known))

    def require_up(self) -> dict[str, Any]:
        recorded = self.state()
        if not recorded:
            raise LabError(f"model {self.name} is not up")
        return recorded

    def check_unit(self, unit: str) -> Unit:
        for known in self.units():
            if known.name == unit:
                return known
        raise LabError(f"model {self.name} has no unit {unit!r}: its units are {', '.join(u.name for u in self.units())}")
