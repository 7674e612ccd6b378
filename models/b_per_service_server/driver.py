"""Model B: one waitress process per service, each in its own venv, behind the Tornado gateway.

A small supervisor of ours (deploylab/platform/supervisor.py, the same one as model A's) owns the units:
it restarts a crashed one with back-off, so one service's death takes down only its own routes, and only
for a few seconds. It also puts each unit in its own cgroup v1 memory and cpu group with the manifest's
limits, so one service's leak or CPU hog meets its own limit.
"""

from __future__ import annotations

from typing import Any, ClassVar

from deploylab.core import wiring
from deploylab.core.driver import Sample, Unit
from deploylab.core.manifest import Limits
from deploylab.platform import procs, venvs
from deploylab.platform.psutil_sampler import overhead, read_tree
from deploylab.platform.supervised import SupervisedDriver

GATEWAY = "gateway"
# Each service has its own pool; Web's backend calls go to other processes, so no pool waits on itself.
THREADS = 8


class Driver(SupervisedDriver):
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

    def unit_limits(self) -> dict[str, Limits]:
        return self.ctx.manifest.unit_limits()  # each service's and the gateway's, one cgroup each

    def readiness(self) -> dict[str, str]:
        manifest = self.ctx.manifest
        probes = {name: self.service_url(name) + service.ready for name, service in manifest.services.items()}
        probes[GATEWAY] = self.ctx.base_url + (manifest.gateway.health or manifest.entry_health)
        return probes

    def sample(self) -> dict[str, Sample]:
        samples = {unit.name: read_tree(unit.name, self.unit_pid(unit.name)) for unit in self.units()}
        samples["supervisor"] = overhead("supervisor", (self.state() or {}).get("supervisor"))
        return samples
