"""Model A: one waitress process (one interpreter, one venv) hosts Students, Grades and Web.

The one process runs under the same supervisor as model B's units (deploylab/platform/supervisor.py: the
same restart policy, the same back-off), so when it dies every route goes with it for as long as that
supervisor takes to start it again: A's real blast radius for its real time to recover. Its limits are the
sum of the services' (one cgroup for the one process): a leak or a CPU hog in any app is every app's.
That, and the one shared set of libraries and environment variables, is the model.

`ctx.options["monolith"]` (`deploylab up a --monolith`, the comparison's column a-monolith) makes it a true
monolith: the same one process, but Web calls Students and Grades in-process (host.py's SHARED_IN_PROCESS,
Web's in-process transport) instead of over HTTP through this same server. Nothing else differs, so the
two columns' ratio is the cost of the REST hop.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from deploylab.core import wiring
from deploylab.core.driver import LabContext, Sample, Unit
from deploylab.core.errors import LabError
from deploylab.core.manifest import Limits, Manifest
from deploylab.platform import deps, procs, venvs
from deploylab.platform.psutil_sampler import overhead, read_tree
from deploylab.platform.supervised import SupervisedDriver

HOST_DIR = Path(__file__).resolve().parent
UNIT = "shared"
# Web calls Students and Grades over HTTP through this same server, so a page holds one thread
# while its backend calls need others: with too few threads every thread could be a page waiting
# on a backend call that no free thread can serve. 16 leaves room for that under the lab's loads.
# In the monolith a page holds one thread and calls the others in it (Grades on Web's own pool); the
# same 16 there, so that the two columns differ only in the hop.
THREADS = 16
MONOLITH_TITLE = "one process, in-process calls (a true monolith)"


def in_process_calls(manifest: Manifest) -> str:
    """host.py's SHARED_IN_PROCESS from the manifest: a service whose environment names another's {x_url}
    calls it, "web=students+grades"."""
    calls = []
    for service in manifest.services.values():
        callees = [name for name in manifest.services
                   if name != service.name and any(f"{{{name}_url}}" in value for value in service.env.values())]
        if callees:
            calls.append(f"{service.name}={'+'.join(callees)}")
    return ",".join(calls)


class Driver(SupervisedDriver):
    name: ClassVar[str] = "a"
    title: ClassVar[str] = "one waitress process hosts all three apps (shared interpreter and libraries)"
    has_gateway: ClassVar[bool] = False

    def __init__(self, ctx: LabContext) -> None:
        super().__init__(ctx)
        if self.monolith:  # the variant names itself wherever a title is shown (status, runs, the comparison)
            self.__dict__["title"] = MONOLITH_TITLE

    @property
    def monolith(self) -> bool:
        """Web calls Students and Grades in-process: as the deployment that is up was started, else as asked."""
        recorded = self.state() or {}
        return bool(recorded["monolith"]) if "monolith" in recorded else bool(self.ctx.options.get("monolith"))

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
        # Web reaches Students and Grades over HTTP through the same server, as in the chapter; in the monolith
        # these URLs are only the base its in-process requests are made for (their Host, 127.0.0.1:<entry>).
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
                "SHARED_IN_PROCESS": in_process_calls(manifest) if self.monolith else "",
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

    def start_units(self, secrets: dict[str, str]) -> dict[str, Any]:
        return {**super().start_units(secrets), "monolith": self.monolith}  # so status and faults know the variant

    def unit_specs(self, secrets: dict[str, str]) -> list[dict[str, Any]]:
        return [{"name": UNIT, "argv": self.launch_argv(), "env": self.environment(secrets), "cwd": str(HOST_DIR),
                 "log": str(self.log_path(UNIT))}]

    def unit_limits(self) -> dict[str, Limits]:
        """The services' limits summed: one process, one limit. Its CPU quota is capped at the cores it is
        pinned to; on the lab's one core (3 x 0.6 > 1) it cannot bind, and the process is limited as a whole."""
        cores = len(procs.parse_cpus(self.ctx.sut_cpus)) if self.ctx.sut_cpus else os.cpu_count() or 1
        return {UNIT: self.ctx.manifest.shared_limits(cores)}

    def readiness(self) -> dict[str, str]:
        return {UNIT: self.ctx.base_url + self.ctx.manifest.entry_health}

    # fault (kill, stop, start, redeploy) and unit_pid: SupervisedDriver's, as in model B. A kill takes the one
    # process, so every route, until the supervisor has started it again.

    def sample(self) -> dict[str, Sample]:
        return {UNIT: read_tree(UNIT, self.unit_pid(UNIT)),
                "supervisor": overhead("supervisor", (self.state() or {}).get("supervisor"))}
