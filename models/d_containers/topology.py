"""The two ways model D runs its containers: a compose project, or a Swarm stack plus the gateway container.

Each knows how to start, stop, list and replace; the driver does the rest the same way for both.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from deploylab.platform.docker_engine import DockerEngine, EngineError

from . import cli

HERE = Path(__file__).resolve().parent
COMPOSE_FILE = HERE / "compose.yaml"
STACK_FILE = HERE / "stack.yaml"
SWARM_GATEWAY_FILE = HERE / "swarm-gateway.yaml"

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
STACK_LABEL = "com.docker.stack.namespace"
TASK_SERVICE_LABEL = "com.docker.swarm.service.name"
TASK_NAME_LABEL = "com.docker.swarm.task.name"


def stack_replicas() -> dict[str, int]:
    """Each service's replicas in the stack, as stack.yaml sets them: `replicas: ${GRADES_REPLICAS:-2}`."""
    found = re.findall(r"replicas: \$\{([A-Z]+)_REPLICAS:-(\d+)\}", STACK_FILE.read_text())
    return {name.lower(): int(count) for name, count in found}


@dataclass
class Compose:
    engine: DockerEngine
    project: str
    compose_files: tuple[Path, ...] = (COMPOSE_FILE,)

    def compose(self, *args: str, variables: dict[str, str], timeout: float = 300.0) -> str:
        command = cli.compose_command()
        assert command is not None  # available() said so
        files = [arg for path in self.compose_files for arg in ("-f", str(path))]
        return cli.run([*command, "-p", self.project, *files, *args], variables, timeout)

    def start(self, variables: dict[str, str], timeout: float) -> None:
        # Starts in depends_on's order; readiness is the driver's probes through the entry.
        self.compose("up", "-d", "--remove-orphans", variables=variables, timeout=timeout)

    def stop(self, variables: dict[str, str], purge: bool) -> None:
        self.compose("down", "--remove-orphans", *(["--volumes"] if purge else []), variables=variables)

    def replace(self, service: str, variables: dict[str, str], timeout: float) -> None:
        """Recreate one service's container from its (new) image; the others keep running."""
        self.compose("up", "-d", "--no-deps", service, variables=variables, timeout=timeout)

    def containers(self) -> dict[str, str]:
        """unit name -> container id."""
        found = self.engine.containers({PROJECT_LABEL: self.project})
        return {c["Labels"][SERVICE_LABEL]: c["Id"] for c in found if SERVICE_LABEL in c["Labels"]}


@dataclass
class Swarm:
    """Students, Grades and Web as a stack; compose.yaml's gateway as a plain container on its network."""

    engine: DockerEngine
    project: str

    @property
    def gateway(self) -> Compose:
        return Compose(self.engine, self.project, (COMPOSE_FILE, SWARM_GATEWAY_FILE))

    def variables(self, variables: dict[str, str]) -> dict[str, str]:
        return {**variables, "STACK_NETWORK": f"{self.project}_net"}

    def swarm_active(self) -> bool:
        return self.engine.info().get("Swarm", {}).get("LocalNodeState") == "active"

    def start(self, variables: dict[str, str], timeout: float) -> None:
        cli.run(["docker", "stack", "deploy", "--resolve-image", "never", "--prune",
                 "-c", str(STACK_FILE), self.project], self.variables(variables), timeout)
        self.gateway.compose("up", "-d", "--no-deps", "gateway", variables=self.variables(variables), timeout=timeout)

    def stop(self, variables: dict[str, str], purge: bool) -> None:
        self.gateway.compose("down", "--remove-orphans", variables=self.variables(variables))
        if self.swarm_active():
            cli.run(["docker", "stack", "rm", self.project], check=False)
        # `stack rm` returns before its tasks are gone; volumes and the network go only after them.
        cli.wait_for(lambda: not self.engine.containers({STACK_LABEL: self.project}), 60.0)
        cli.wait_for(lambda: not self.engine.request("GET", "/networks", {"filters": {"name": [f"{self.project}_net"]}}), 30.0)
        if purge:
            for volume in ("students-data", "grades-data"):
                cli.run(["docker", "volume", "rm", "-f", f"{self.project}_{volume}"], check=False)

    def replace(self, service: str, variables: dict[str, str], timeout: float) -> None:
        """A rolling update: start-first, one task at a time, as stack.yaml's update_config says."""
        tag = variables[f"{service.upper()}_IMAGE"]
        if service == "gateway":
            self.gateway.compose("up", "-d", "--no-deps", "gateway", variables=self.variables(variables), timeout=timeout)
            return
        cli.run(["docker", "service", "update", "--detach=false", "--quiet", "--image", tag,
                 f"{self.project}_{service}"], timeout=timeout)

    def pin(self, cpus: str) -> None:
        """Pin the running containers to `cpus`, as compose.yaml's cpuset does at creation: a stack file (version 3)
        has no cpuset, and unpinned tasks would share the load generator's cores. Tasks that Swarm starts later
        (after a kill) are pinned by the driver when they appear (Driver.repin_replacement)."""
        for container_id in self.containers().values():
            try:
                self.engine.request("POST", f"/containers/{container_id}/update",
                                    body=json.dumps({"CpusetCpus": cpus}).encode(),
                                    headers={"Content-Type": "application/json"})
            except EngineError as exc:
                if exc.status != 500:  # 500: it stopped since it was listed (a killed task); its replacement is next
                    raise

    def containers(self) -> dict[str, str]:
        units = self.gateway.containers()
        running = [c for c in self.engine.containers({STACK_LABEL: self.project}, all=False)]
        for c in running:
            service = c["Labels"][TASK_SERVICE_LABEL].removeprefix(f"{self.project}_")
            slot = c["Labels"].get(TASK_NAME_LABEL, "").split(".")[1:2]
            units[f"{service}.{slot[0]}" if slot else service] = c["Id"]
        return units
