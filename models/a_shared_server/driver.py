"""Model A: one waitress process (one interpreter, one venv) hosts Students, Grades and Web.

No supervisor on purpose: when the one process dies every route goes with it, until someone
starts it again. That, and the one shared set of libraries and environment variables, is the model.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any, ClassVar

from deploylab.core import state, wiring
from deploylab.core.driver import DRIVER_FAULTS, Sample, Unit
from deploylab.core.errors import LabError
from deploylab.platform import deps, procs, venvs
from deploylab.platform.process_driver import ProcessDriver
from deploylab.platform.progress import progress
from deploylab.platform.psutil_sampler import read_tree

HOST_DIR = Path(__file__).resolve().parent
UNIT = "shared"
# Web calls Students and Grades over HTTP through this same server, so a page holds one thread
# while its backend calls need others: with too few threads every thread could be a page waiting
# on a backend call that no free thread can serve. 16 leaves room for that under the lab's loads.
THREADS = 16


class Driver(ProcessDriver):
    name: ClassVar[str] = "a"
    title: ClassVar[str] = "one waitress process hosts all three apps (shared interpreter and libraries)"

    def units(self) -> list[Unit]:
        return [Unit(UNIT, "process", tuple(self.ctx.manifest.services), self.ctx.base_url)]

    def ports(self) -> list[int]:
        return [self.ctx.entry_port]

    def venv_names(self) -> list[str]:
        return ["shared"]  # one interpreter holds every app's libraries

    def venv(self) -> Path:
        return venvs.venv_dir(self.ctx, "shared")

    def build(self) -> None:
        requirements = [service.requirements for service in self.ctx.manifest.services.values()]
        union = deps.write_union(requirements, venvs.venv_dir(self.ctx, "shared.requirements.txt"), self.ctx.root)
        venvs.ensure_venv("shared", [union], self.ctx)

    def environment(self, secrets: dict[str, str]) -> dict[str, str]:
        """Every app's variables merged into the one process: two apps wanting one name differently is an error."""
        manifest = self.ctx.manifest
        # Web reaches Students and Grades over HTTP through the same server, as in the chapter.
        urls = {name: self.ctx.base_url for name in manifest.services}
        merged: dict[str, str] = {}
        for service in manifest.services.values():
            for key, value in wiring.service_env(service, self.placeholders(service.name, secrets, urls)).items():
                if merged.get(key, value) != value:
                    raise LabError(f"model A: services disagree on the environment variable {key}; one process cannot give both")
                merged[key] = value
        apps = ",".join(f"{s.name}={s.wsgi}{'()' if s.factory else ''}" for s in manifest.services.values())
        return procs.base_env(
            {
                **merged,
                "PYTHONPATH": procs.python_path(manifest, [HOST_DIR, *(s.dir for s in manifest.services.values())]),
                "SHARED_APPS": apps,
                "SHARED_ROUTES": manifest.routes_spec(),
                "SHARED_READY": ",".join(f"{s.name}={s.ready}" for s in manifest.services.values()),
                "SHARED_HEALTH": manifest.entry_health,
                "SHARED_CHAOS_PREFIX": manifest.chaos_prefix,
            }
        )

    def launch_argv(self) -> list[str]:
        return [
            str(self.venv() / "bin" / "waitress-serve"),
            f"--listen=127.0.0.1:{self.ctx.entry_port}",
            f"--max-request-body-size={self.ctx.manifest.max_body}",
            f"--threads={THREADS}",
            "--call",
            "host:make_app",
        ]

    def launch(self) -> int:
        secrets = state.deployment_secrets(self.model_dir)
        return procs.start(self.launch_argv(), self.environment(secrets), self.log_path(UNIT), cwd=HOST_DIR,
                           cpus=self.ctx.sut_cpus)

    def start_units(self, secrets: dict[str, str]) -> dict[str, Any]:
        pid = self.launch()
        return {"pgids": [pid], "pids": {UNIT: pid}}

    def readiness(self) -> dict[str, str]:
        return {UNIT: self.ctx.base_url + self.ctx.manifest.entry_health}

    def unit_pid(self, unit: str) -> int | None:
        return ((self.state() or {}).get("pids") or {}).get(unit)

    def fault(self, unit: str, kind: str, **params: Any) -> None:
        self.check_unit(unit)
        if kind not in DRIVER_FAULTS:
            raise LabError(f"model A: unknown fault {kind!r}: choose one of {', '.join(DRIVER_FAULTS)}")
        recorded = self.require_up()
        pid = self.unit_pid(unit)
        if kind == "kill":
            if pid is not None and procs.alive(pid):
                os.kill(pid, signal.SIGKILL)  # nothing restarts it: that is model A
            return
        if kind in ("stop", "redeploy") and pid:
            procs.stop_group(pid)
            procs.wait_ports_free(self.ports())
        if kind in ("start", "redeploy"):
            if procs.alive(pid):
                return
            pid = self.launch()
            recorded.update(pgids=[pid], pids={UNIT: pid})
            state.write_state(self.model_dir, recorded)
            self.wait_ready(time.monotonic())
            progress(f"{UNIT} is serving again", self.name)

    def sample(self) -> dict[str, Sample]:
        return {UNIT: read_tree(UNIT, self.unit_pid(UNIT))}
