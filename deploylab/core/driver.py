"""The one interface through which the lab knows a deployment model.

A driver builds, starts, stops, samples and breaks one model. The runner, the faults,
the sampler and the reports only ever talk to this interface, so each is written once
and works for A, B, C and D.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from deploylab.core.errors import LabError
from deploylab.core.manifest import Manifest

if TYPE_CHECKING:
    from deploylab.platform.footprint import Footprint

UnitKind = Literal["process", "container", "vm"]

# Faults a driver carries out from outside the unit. In-process faults (latency, errors,
# cpu, leak, crash, reset) go through the chaos middleware over HTTP instead (deploylab.measure.chaos).
# poweroff / poweron: the whole machine a service runs on, where the model has one per service (C).
# partition / heal: packets to the unit dropped, in a network the lab made between the units (C, D).
DRIVER_FAULTS = ("kill", "stop", "start", "redeploy", "poweroff", "poweron", "partition", "heal")
MACHINE_FAULTS = ("poweroff", "poweron")
NETWORK_FAULTS = ("partition", "heal")
# A fault with until_s that the timeline undoes then: the service, the machine or the network is back at until_s.
UNDO = {"stop": "start", "poweroff": "poweron", "partition": "heal"}


@dataclass(frozen=True)
class Unit:
    """One thing that runs: a process, a container or a VM, hosting one or more services."""

    name: str  # "shared" (A), "students", "grades", "web", "gateway", "grades.2" (Swarm replica)
    kind: UnitKind
    services: tuple[str, ...]  # which apps it hosts ("gateway" for the gateway)
    address: str = ""  # where the lab can reach it directly, e.g. "http://127.0.0.1:8002"


@dataclass(frozen=True)
class UnitState:
    """What one unit is doing now, as `deploylab status` shows it."""

    unit: str
    kind: UnitKind
    services: tuple[str, ...]
    state: str  # "running" | "down" | what the model's supervisor says | "?" when the model cannot tell
    pid: int | None = None
    restarts: int | None = None  # by the model's supervisor, where it has one

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "services": list(self.services)}


@dataclass
class Sample:
    """One reading of one unit's resources. Memory in bytes, CPU in cumulative seconds."""

    unit: str
    t: float  # wall clock, time.time()
    up: bool
    cpu_seconds: float = 0.0  # user + system of the app processes since they started
    rss: int = 0  # resident set of the app processes
    uss: int | None = None  # unique set, where the source knows it
    pss: int | None = None  # proportional set, where the source knows it
    memory_source: str = "rss"  # what "memory" means for this unit: "uss", "pss", "rss" or "cgroup"
    overhead_rss: int | None = None  # what the model adds per unit: shim, a VM's systemd and sshd
    reserved: int | None = None  # memory set aside for the unit whether used or not (VMs)
    pids: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Deployment:
    """What `up` started: where to reach it and what runs."""

    model: str
    base_url: str
    units: list[Unit]
    chaos_token: str
    ready_seconds: float  # from the start of `up` until every readiness probe passed
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LabContext:
    """Everything a driver needs, parsed once at the edge (cli) and passed in.

    Tests build their own with a temporary state_dir and other ports.
    """

    root: Path  # the repository
    state_dir: Path  # git-ignored: .lab/ — state, secrets, logs, venvs
    manifest: Manifest
    port_offset: int = 0  # added to every port the lab binds, so tests can run beside a real model
    python: str = "python3"  # interpreter used to create the lab's virtual environments
    up_timeout: float = 120.0
    sut_cpus: str | None = None  # e.g. "0": pin the system under test here, so the load generator has the rest
    restart_policy: str = "on-failure"  # always | on-failure | no (model B's supervisor)
    verbose: bool = False
    options: dict[str, Any] = field(default_factory=dict)  # model-specific switches, e.g. {"swarm": True}

    def model_dir(self, model: str) -> Path:
        """.lab/<model>/, or .lab/<state_name>/ when two deployments of one model run at once (D and Swarm)."""
        return self.state_dir / str(self.options.get("state_name", model))

    @property
    def entry_port(self) -> int:
        return self.manifest.entry_port + self.port_offset

    def service_port(self, service: str) -> int:
        return self.manifest.services[service].port + self.port_offset

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.entry_port}"


class Driver(ABC):
    """One deployment model. Implementations live in models/<x>/driver.py."""

    name: ClassVar[str]  # "a" | "b" | "c" | "d"
    title: ClassVar[str]  # one line for humans
    has_gateway: ClassVar[bool] = True  # a gateway of its own gives the model its one entry (A's server is it)
    has_machines: ClassVar[bool] = False  # one machine per service, which can lose power (C)
    has_network: ClassVar[bool] = False  # a network the lab made between the units, which can be cut (C, D)

    def __init__(self, ctx: LabContext) -> None:
        self.ctx = ctx

    @abstractmethod
    def build(self) -> None:
        """Prepare venvs / images / hosts. Cached and idempotent: a second call with no change does nothing."""

    @abstractmethod
    def up(self) -> Deployment:
        """Start the model and wait until it is ready. On failure: name the unit, show its log, leave nothing running."""

    @abstractmethod
    def down(self) -> None:
        """Stop everything this model started. Idempotent; no process, port or state left behind."""

    @abstractmethod
    def units(self) -> list[Unit]:
        """What runs now."""

    @abstractmethod
    def fault(self, unit: str, kind: str, **params: Any) -> None:
        """Out-of-process fault on one unit: one of DRIVER_FAULTS."""

    @abstractmethod
    def sample(self) -> dict[str, Sample]:
        """One resource reading per unit."""

    def cannot(self, kind: str, service: str, replicas: int | None = None) -> str | None:
        """Why this model has nothing for a fault to act on (None: it has), known before anything runs: A has no
        gateway, only a model with one machine per service has a machine to power off, and only one whose units
        talk over a network the lab made has a network to cut. A fault on some of a service's units (replicas)
        where the model has no more than that many is the fault on all of them, measured as such."""
        if replicas is not None and self.units_of(service) <= replicas:
            return f"model {self.name} runs one unit of {service}: losing it is losing all of {service}"
        if service == "gateway" and not self.has_gateway:
            return f"model {self.name} has no gateway (its one server is the entry)"
        if kind in MACHINE_FAULTS and not self.has_machines:
            return f"model {self.name} has no machine of its own per service to power off"
        if kind in NETWORK_FAULTS and not self.has_network:
            return (f"model {self.name} has no network of its own between its services to cut (they call each "
                    "other over the host's loopback)")
        return None

    def units_of(self, service: str) -> int:
        """How many units host the service, as the model is configured (up or not)."""
        return 1

    def settled(self) -> bool:
        """Every unit the model is configured with runs and is ready, as far as the model can tell besides its
        entry's health check (which the caller asks): a replica still starting behind an entry that answers is not
        settled. Models whose entry cannot answer without all of their units need not say more."""
        return True

    def unit_states(self) -> list[UnitState]:
        """What each unit is doing now; a model that cannot tell cheaply says "?"."""
        return [UnitState(u.name, u.kind, u.services, "?") for u in self.units()]

    def replicas(self, service: str) -> list[str]:
        """A service's units when more than one sits behind one address, so that the entry reaches one of them per
        request and an in-process fault must go to each itself (replica_chaos); empty when the entry reaches the
        service's one instance."""
        return []

    def replica_chaos(self, unit: str, kind: str, params: dict[str, Any], token: str, prefix: str) -> dict[str, Any]:
        """An in-process fault POSTed to one replica's own chaos middleware, not through the entry: its answer."""
        raise LabError(f"model {self.name} reaches each service through its entry, not replica by replica")

    def memory_groups(self) -> dict[str, str]:
        """Each unit's memory cgroup as the kernel names it in an out-of-memory kill (platform/oom.py), e.g.
        /docker/<id>; a model that cannot tell leaves its units out."""
        return {}

    @abstractmethod
    def footprint(self) -> Footprint:
        """What the model keeps on disk besides the source tree: environments or images."""

    @abstractmethod
    def environments(self) -> int:
        """Python environments the model needs: one per interpreter that holds its own libraries."""

    def logs(self, unit: str | None, lines: int) -> str:
        """The last `lines` lines of one unit's output (every unit's when unit is None), where the model keeps
        them: A and B their log files, C each machine's journal, D the engine's container logs."""
        raise LabError(f"model {self.name} cannot show its units' logs")

    def available(self) -> str | None:
        """None when this machine can run the model; otherwise why not (one line)."""
        return None

    def warm_start(self) -> float:
        """Stop the running deployment and start it again with everything in place; seconds until ready.

        For processes and containers that is down then up (nothing is kept between the two but the
        caches); a model with machines that outlive their services (C) reboots them instead.
        """
        self.down()
        return self.up().ready_seconds
