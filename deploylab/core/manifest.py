"""Reads services/manifest.toml, the one description of the services that models deploy."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from deploylab.core.errors import LabError

REPO_ROOT = Path(__file__).resolve().parents[2]
MANIFEST_PATH = REPO_ROOT / "services" / "manifest.toml"


@dataclass(frozen=True)
class Limits:
    """What a unit may use, as the manifest's [….limits] table gives it; every model applies the same numbers."""

    memory_mib: int  # above it the kernel OOM-kills the unit
    cpus: float  # a CPU quota in cores (0.6 = 60 ms of CPU time per 100 ms)

    @property
    def memory_bytes(self) -> int:
        return self.memory_mib * 2**20

    def cfs_quota_us(self, period_us: int = 100_000) -> int:
        """The quota as cgroup v1's cpu.cfs_quota_us for a period of period_us."""
        return round(self.cpus * period_us)


def parse_limits(raw: Mapping[str, object], where: str) -> Limits:
    memory, cpus = raw["memory_mib"], raw["cpus"]
    if isinstance(memory, bool) or not isinstance(memory, int) or memory <= 0:
        raise LabError(f"manifest: {where}.limits.memory_mib must be a positive whole number of MiB, not {memory!r}")
    if isinstance(cpus, bool) or not isinstance(cpus, int | float) or not 0 < cpus <= 64:
        raise LabError(f"manifest: {where}.limits.cpus must be a number of cores above 0, not {cpus!r}")
    return Limits(memory_mib=memory, cpus=float(cpus))


@dataclass(frozen=True)
class Service:
    """One app of the sample application (students, grades, web)."""

    name: str
    dir: Path
    wsgi: str  # "module:attribute"
    factory: bool  # True: the attribute is a factory to call with no arguments
    port: int
    prefixes: tuple[str, ...]
    health: str
    ready: str
    probe: str  # a path through the entry address that answers 200 once the service serves its routes
    requirements: Path
    limits: Limits
    env: Mapping[str, str] = field(default_factory=dict)
    allowed_hosts_env: str = ""  # the variable holding its Host allow-list, which a model extends

    def render_env(self, values: Mapping[str, str]) -> dict[str, str]:
        """The service's environment with this deployment's placeholders filled in."""
        try:
            return {key: template.format(**values) for key, template in self.env.items()}
        except KeyError as missing:
            raise LabError(f"manifest: {self.name} needs a value for {missing} that the model did not give") from None


@dataclass(frozen=True)
class Component:
    """A part of the lab that is not one of the sample apps (gateway, agent)."""

    name: str
    dir: Path
    module: str
    requirements: Path
    port: int | None = None
    health: str | None = None
    limits: Limits | None = None  # the gateway's; the agent is part of C's machines, not a unit under test


@dataclass(frozen=True)
class Manifest:
    entry_port: int
    entry_health: str
    default_service: str
    chaos_prefix: str
    max_body: int  # bytes: every server's request body limit
    common_dir: Path
    services: Mapping[str, Service]
    gateway: Component
    agent: Component

    def listen_port(self, name: str) -> int:
        """Where a service, or the gateway, listens inside a unit of its own (a container or machine: no offset)."""
        return self.services[name].port if name in self.services else self.entry_port

    def unit_limits(self) -> dict[str, Limits]:
        """The limits of every unit the manifest limits: each service's and the gateway's."""
        limits = {name: service.limits for name, service in self.services.items()}
        if self.gateway.limits is not None:
            limits[self.gateway.name] = self.gateway.limits
        return limits

    def shared_limits(self, cores: int) -> Limits:
        """The limits of one process hosting every service (model A): their memory summed, their CPU quotas
        summed but no more than the cores it may run on, where a larger quota could not bind anyway."""
        services = [service.limits for service in self.services.values()]
        return Limits(memory_mib=sum(limit.memory_mib for limit in services),
                      cpus=min(round(sum(limit.cpus for limit in services), 3), float(cores)))

    def route_table(self) -> list[tuple[str, str]]:
        """(prefix, service) pairs, longest prefix first, ending with the default service at "/"."""
        routes = [(p, s.name) for s in self.services.values() for p in s.prefixes]
        routes.sort(key=lambda route: len(route[0]), reverse=True)
        return routes + [("/", self.default_service)]

    def routes_spec(self) -> str:
        """The route table as the one-line form the gateway and model A read: "/students=students,…"."""
        return ",".join(f"{prefix}={name}" for prefix, name in self.route_table())


def load(path: Path = MANIFEST_PATH, root: Path = REPO_ROOT) -> Manifest:
    try:
        raw = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LabError(f"cannot read the manifest {path}: {exc}") from None
    try:
        services = {
            name: Service(
                name=name,
                dir=root / s["dir"],
                wsgi=s["wsgi"],
                factory=bool(s.get("factory", False)),
                port=int(s["port"]),
                prefixes=tuple(s.get("prefixes", ())),
                health=s["health"],
                ready=s["ready"],
                probe=s["probe"],
                requirements=root / s["requirements"],
                limits=parse_limits(s["limits"], f"services.{name}"),
                env=dict(s.get("env", {})),
                allowed_hosts_env=s.get("allowed_hosts_env", ""),
            )
            for name, s in raw["services"].items()
        }
        entry = raw["entry"]

        def component(name: str) -> Component:
            c = raw[name]
            return Component(
                name=name,
                dir=root / c["dir"],
                module=c["module"],
                requirements=root / c["requirements"],
                port=c.get("port"),
                health=c.get("health"),
                limits=parse_limits(c["limits"], name) if "limits" in c else None,
            )

        manifest = Manifest(
            entry_port=int(entry["port"]),
            entry_health=entry["health"],
            default_service=entry["default_service"],
            chaos_prefix=entry["chaos_prefix"],
            max_body=int(entry["max_body"]),
            common_dir=root / raw["common"]["dir"],
            services=services,
            gateway=component("gateway"),
            agent=component("agent"),
        )
        if manifest.gateway.limits is None:
            raise KeyError("gateway.limits")
    except (KeyError, TypeError, ValueError) as exc:
        raise LabError(f"the manifest {path} is missing or has a bad field: {exc}") from None
    if manifest.default_service not in services:
        raise LabError(f"manifest: default_service {manifest.default_service!r} is not a service")
    return manifest
