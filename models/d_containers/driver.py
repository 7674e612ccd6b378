"""Model D: one container per service (Students, Grades, Web, and the gateway), with Docker Compose.

`ctx.options["swarm"]` runs the same images as a Swarm stack instead, with Students and Grades
replicated and rolled start-first. Images are built without any registry (local Debian base and a
host-built wheelhouse, see images.py) and are tagged by a hash of their inputs, so `build` is cached.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

from deploylab.core import state
from deploylab.core.driver import DRIVER_FAULTS, NETWORK_FAULTS, Deployment, LabContext, Sample, Unit
from deploylab.core.driver import Driver as BaseDriver
from deploylab.core.errors import LabError
from deploylab.core.wiring import entry_probes
from deploylab.platform import partition
from deploylab.platform.docker_engine import DockerEngine, EngineError
from deploylab.platform.footprint import Footprint, images_footprint
from deploylab.platform.ports import require_free
from deploylab.platform.probe import wait_until_ready
from deploylab.platform.progress import progress as lab_progress

from . import cli, images, topology, wiring
from .stats import sample_container
from .topology import Compose, Swarm

progress = functools.partial(lab_progress, model="d")

# Run inside a replica (docker exec): POST a fault to the service's own chaos middleware on its own port.
POST_TO_OWN_MIDDLEWARE = """
import os, sys, urllib.request
request = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST", headers={
    "Content-Type": "application/json", "X-Chaos-Token": os.environ["DEPLOYLAB_CHAOS_TOKEN"]})
print(urllib.request.urlopen(request, timeout=10).read().decode())
"""


class Driver(BaseDriver):
    name: ClassVar[str] = "d"
    title: ClassVar[str] = "one container per service (Docker Compose; --swarm: a single-node Swarm stack)"
    has_network: ClassVar[bool] = True  # the containers' own network, and a namespace each

    def __init__(self, ctx: LabContext) -> None:
        super().__init__(ctx)
        self.engine = DockerEngine()
        self.model_dir = ctx.model_dir(self.name)
        self.project = wiring.project_name(ctx)

    # -- what runs where ---------------------------------------------------------------------

    def recorded(self) -> dict[str, Any]:
        return state.read_state(self.model_dir) or {}

    def swarm_mode(self) -> bool:
        recorded = self.recorded()
        return bool(recorded["swarm"]) if "swarm" in recorded else bool(self.ctx.options.get("swarm"))

    def topology(self, swarm: bool | None = None) -> Compose | Swarm:
        use_swarm = self.swarm_mode() if swarm is None else swarm
        return Swarm(self.engine, self.project) if use_swarm else Compose(self.engine, self.project)

    def variables(self, image_tags: dict[str, str], *, fresh_secrets: bool = False) -> dict[str, str]:
        """Renders the env files and compose variables. fresh_secrets: a new deployment's (at `up`, as in every
        model); otherwise the running deployment's, kept (`down`, a redeploy of one service)."""
        envs = wiring.environments(self.ctx, state.deployment_secrets(self.model_dir, fresh=fresh_secrets))
        env_dir = wiring.write_env_files(self.model_dir, envs)
        variables = wiring.compose_variables(self.ctx, image_tags, env_dir)
        wiring.write_compose_env(self.model_dir, variables)
        return variables

    def footprint(self) -> Footprint:
        return images_footprint(DockerEngine(), "org.deploylab.model=d")  # the images

    def environments(self) -> int:
        return len(self.ctx.manifest.services) + 1  # one per service and the gateway, each in its own image

    def available(self) -> str | None:
        if shutil.which("docker") is None and shutil.which("dockerd") is None:
            return "docker is not installed (apt-get install docker.io docker-compose)"
        if cli.compose_command() is None:
            return "neither `docker compose` nor docker-compose is installed"
        if not self.engine.ping() and shutil.which("dockerd") is None:
            return "no Docker engine answers at /var/run/docker.sock"
        return None

    # -- build, up, down ---------------------------------------------------------------------

    def build(self) -> None:
        cli.ensure_engine(self.engine, self.ctx.root)
        images.build_all(self.engine, self.ctx, progress)  # tagged by a hash of their inputs: found again by it

    def up(self) -> Deployment:
        started = time.monotonic()
        cli.ensure_engine(self.engine, self.ctx.root)
        self.down()  # whatever an earlier run left, including what dockerd restarted on its own
        swarm = bool(self.ctx.options.get("swarm"))
        require_free([self.ctx.entry_port])
        tags = images.build_all(self.engine, self.ctx, progress)
        variables = self.variables(tags, fresh_secrets=True)
        initialised = self.join_swarm() if swarm else False
        record = {"swarm": swarm, "swarm_initialised": initialised, "images": tags,
                  "project": self.project, "base_url": self.ctx.base_url}
        state.write_state(self.model_dir, record)
        progress(f"starting {'a Swarm stack' if swarm else 'compose project'} {self.project}")
        topology = self.topology(swarm)
        try:
            topology.start(variables, self.ctx.up_timeout)
            self.wait_ready(started)
            self.pin_swarm(topology)
        except LabError as exc:
            report = self.diagnose()
            self.down()
            raise LabError(f"model d did not come up: {exc}\n{report}".rstrip()) from None
        ready = time.monotonic() - started
        progress(f"ready in {ready:.1f} s at {self.ctx.base_url}")
        return Deployment(
            model=self.name,
            base_url=self.ctx.base_url,
            units=self.units(),
            chaos_token=state.deployment_secrets(self.model_dir)["chaos_token"],
            ready_seconds=ready,
            details={"project": self.project, "swarm": swarm, "images": tags},
        )

    def pin_swarm(self, topology: Compose | Swarm) -> None:
        if isinstance(topology, Swarm) and self.ctx.sut_cpus:
            topology.pin(self.ctx.sut_cpus)

    def wait_ready(self, started: float) -> None:
        manifest = self.ctx.manifest
        base = self.ctx.base_url
        probes = entry_probes(manifest, base)
        remaining = max(self.ctx.up_timeout - (time.monotonic() - started), 5.0)
        late = wait_until_ready(probes, remaining, interval=0.3)
        if late:
            raise LabError(f"{late} did not answer 200 at {probes[late]} within {self.ctx.up_timeout:.0f} s")

    def diagnose(self) -> str:
        """The first container that is not running and healthy, with its log tail."""
        for unit, container_id in self.topology().containers().items():
            info = self.engine.container(container_id) or {}
            status = info.get("State", {})
            health = (status.get("Health") or {}).get("Status", "none")
            if not status.get("Running") or health not in ("healthy", "none"):
                logs = self.engine.logs(container_id, tail=30)
                return f"unhealthy container: {unit} ({status.get('Status')}, health {health}); its log:\n{logs}"
        return ""

    def down(self) -> None:
        if not self.engine.ping():
            return  # no engine: nothing of ours can run
        recorded = self.recorded()
        tags = recorded.get("images") or {part.name: "none" for part in images.parts(self.ctx)}
        variables = self.variables(tags)
        purge = bool(self.ctx.options.get("purge"))
        # Both ways, whatever the state says: a crashed run may have left either behind.
        if self.swarm_leftovers():
            Swarm(self.engine, self.project).stop(variables, purge)
        Compose(self.engine, self.project).stop(variables, purge)
        if recorded.get("swarm_initialised"):
            cli.run(["docker", "swarm", "leave", "--force"], check=False)
            # `swarm init` also made docker_gwbridge, which leaving keeps: the engine as the lab found it.
            cli.run(["docker", "network", "rm", "docker_gwbridge"], check=False)
        state.clear_state(self.model_dir)  # a state.json means "up" to status and down

    def swarm_leftovers(self) -> bool:
        return bool(self.engine.containers({"com.docker.stack.namespace": self.project})) or (
            self.engine.info().get("Swarm", {}).get("LocalNodeState") == "active"
            and bool(self.engine.request("GET", "/services", {"filters": {"label": [f"com.docker.stack.namespace={self.project}"]}}))
        )

    def join_swarm(self) -> bool:
        """Make this engine a one-node swarm unless it is one; True when the lab did it (and so must leave)."""
        if self.engine.info().get("Swarm", {}).get("LocalNodeState") == "active":
            return False
        cli.run(["docker", "swarm", "init", "--advertise-addr", "127.0.0.1"])
        return True

    # -- what runs, faults, samples ----------------------------------------------------------

    def units(self) -> list[Unit]:
        out = []
        for unit, container_id in sorted(self.topology().containers().items()):
            service = unit.split(".")[0]
            info = self.engine.container(container_id) or {}
            networks = (info.get("NetworkSettings") or {}).get("Networks") or {}
            ip = next((n.get("IPAddress") for n in networks.values() if n.get("IPAddress")), "")
            out.append(Unit(unit, "container", (service,), f"http://{ip}:{self.ctx.manifest.listen_port(service)}" if ip else ""))
        return out

    def _pid(self, container_id: str) -> int:
        """The container's first process on the host (0: not running)."""
        return int((self.engine.container(container_id) or {}).get("State", {}).get("Pid") or 0)

    def units_of(self, service: str) -> int:
        """Compose: one container per service; Swarm: the stack's replicas (stack.yaml's default)."""
        return topology.stack_replicas().get(service, 1) if self.swarm_mode() else 1

    def settled(self) -> bool:
        """As many running containers per service as configured, every one healthy: after a kill Swarm starts a
        new task, and until it is healthy one replica serves alone while the entry already answers."""
        found = [unit.split(".")[0] for unit in self.topology().containers()]
        expected = [*self.ctx.manifest.services, "gateway"]
        return all(found.count(name) >= self.units_of(name) for name in expected) and not self.diagnose()

    def replicas(self, service: str) -> list[str]:
        if not self.swarm_mode():
            return []  # compose: one container per service, which the entry reaches
        return sorted(unit for unit in self.topology().containers() if unit.startswith(f"{service}."))  # <service>.<slot>

    def replica_chaos(self, unit: str, kind: str, params: dict[str, Any], token: str, prefix: str) -> dict[str, Any]:
        """Swarm's entry balances over the replicas: a fault and its end must reach the one(s) meant, so each
        is posted from inside its container to the service's own port."""
        port = self.ctx.manifest.services[unit.split(".")[0]].port
        code, out = self.engine.exec(self.container_id(unit), [
            "python", "-c", POST_TO_OWN_MIDDLEWARE, f"http://127.0.0.1:{port}{prefix}/{kind}", json.dumps(params),
        ], env={"DEPLOYLAB_CHAOS_TOKEN": token})
        if code != 0:
            raise LabError(f"model d: the {kind} fault did not reach {unit}: {out.strip()[-300:]}")
        return json.loads(out or "{}")

    def memory_groups(self) -> dict[str, str]:
        return {unit: f"/docker/{container_id}" for unit, container_id in self.topology().containers().items()}

    def container_id(self, unit: str) -> str:
        found = self.topology().containers()
        if unit not in found:
            raise LabError(f"model d: no unit {unit!r}; units: {', '.join(sorted(found)) or 'none (is it up?)'}")
        return found[unit]

    def fault(self, unit: str, kind: str, **params: Any) -> None:
        if kind not in DRIVER_FAULTS:
            raise LabError(f"model d: unknown fault {kind!r}: choose one of {', '.join(DRIVER_FAULTS)}")
        why = self.cannot(kind, unit.split(".")[0])
        if why:
            raise LabError(why)
        if kind == "redeploy":
            self.redeploy(unit.split(".")[0], str(params.get("version") or int(time.time())))
            return
        container_id = self.container_id(unit)
        if kind in NETWORK_FAULTS:  # in the container's own network namespace, on its service's port
            partition.apply(kind, self._pid(container_id), self.ctx.manifest.listen_port(unit.split(".")[0]),
                            f"model d: {unit}")
        elif kind == "kill":
            # From the host, not `docker kill`: the engine records that as a manual stop and never restarts it.
            pid = self._pid(container_id)
            if pid:
                os.kill(pid, signal.SIGKILL)
                self.repin_replacement(container_id)
        elif kind == "stop":
            self.engine.request("POST", f"/containers/{container_id}/stop", {"t": 10}, timeout=30)
        else:
            self.engine.request("POST", f"/containers/{container_id}/start")

    def repin_replacement(self, killed: str, timeout_s: float = 30.0) -> None:
        """Swarm replaces a killed task with a new container, which its stack file cannot pin: pin it as soon as it
        appears (in the background), so that a restart never spills onto the load generator's cores."""
        topology = self.topology()
        if not isinstance(topology, Swarm) or not self.ctx.sut_cpus:
            return
        before, cpus = set(topology.containers().values()) - {killed}, self.ctx.sut_cpus

        def watch() -> None:
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline:
                try:
                    if set(topology.containers().values()) - before:
                        topology.pin(cpus)
                        return
                except EngineError as exc:  # the engine is busy replacing the task: try again, say so at the end
                    progress(f"pinning Swarm's new task: {exc}; trying again")
                time.sleep(0.2)
            progress(f"no new task of the killed container appeared within {timeout_s:.0f} s to pin")

        threading.Thread(target=watch, name="swarm-repin", daemon=True).start()

    def redeploy(self, service: str, version: str) -> None:
        """A new image of one service (its version label changed), replacing its container(s) while the rest serve."""
        recorded = self.recorded()
        if not recorded.get("images"):
            raise LabError("model d is not up")
        part = next((p for p in images.parts(self.ctx) if p.name == service), None)
        if part is None:
            raise LabError(f"model d: cannot redeploy {service!r}")
        base = images.base_image(self.engine, self.ctx, progress)
        tag = images.build_part(self.engine, self.ctx, part, base, version, progress)
        recorded["images"] = {**recorded["images"], service: tag}
        state.write_state(self.model_dir, recorded)
        topology = self.topology()
        topology.replace(service, self.variables(recorded["images"]), self.ctx.up_timeout)
        self.pin_swarm(topology)
        progress(f"{service} redeployed as {tag}")

    def sample(self) -> dict[str, Sample]:
        # The engine's stats call takes about a second per container (its collector's cycle), so the
        # containers are read at once: one reading a second whatever the number of containers.
        containers = self.topology().containers()
        if not containers:
            return {}
        with ThreadPoolExecutor(max_workers=len(containers)) as pool:
            readings = pool.map(lambda item: sample_container(self.engine, *item), containers.items())
            return {reading.unit: reading for reading in readings}

    # -- by hand: compose's own commands, and the containers' logs ---------------------------

    def shell_env(self) -> dict[str, str]:
        """COMPOSE_PROJECT_NAME, COMPOSE_FILE and compose.env's variables of the running deployment, and the
        engine's DOCKER_HOST: after `eval "$(deploylab shell d)"`, `docker-compose ps` and `logs` work anywhere."""
        if not self.recorded().get("images"):
            raise LabError("model d is not up (deploylab up d)")
        env_file = self.model_dir / "compose.env"
        variables = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
        topology = self.topology()
        compose = topology.gateway if isinstance(topology, Swarm) else topology
        return {"COMPOSE_PROJECT_NAME": self.project,
                "COMPOSE_FILE": os.pathsep.join(str(path) for path in compose.compose_files),
                **(topology.variables(variables) if isinstance(topology, Swarm) else variables),
                "DOCKER_HOST": self.engine.endpoint.host}

    def logs(self, unit: str | None, lines: int) -> str:
        """The tail of each container's output, from the Engine API (what `docker logs --tail` shows).
        In Swarm, `grades` means every replica (grades.1, grades.2)."""
        containers = self.topology().containers()
        if not containers:
            raise LabError("model d is not up (deploylab up d)")
        names = sorted(name for name in containers if unit is None or name == unit or name.startswith(f"{unit}."))
        if not names:
            raise LabError(f"model d has no unit {unit!r}: its units are {', '.join(sorted(containers))}")
        return "".join(f"--- {name}: container {containers[name][:12]} ---\n"
                       f"{self.engine.logs(containers[name], tail=lines).rstrip()}\n" for name in names)
