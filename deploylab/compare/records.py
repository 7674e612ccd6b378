"""Typed records of the comparison: the start-up phase's summary.json, a model's column, and compare.json.

As in measure/records.py: frozen dataclasses, one to_json/from_json pair each, and a `schema` number on
the files (none: version 1), read through one function per version step. A column's figures are lists,
one value per repeat; collection (compare/collect.py) appends to those lists and replaces the rest.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from deploylab_loadtests.groups import GROUPS

from deploylab.measure.records import (
    SUMMARY_SCHEMA,
    SUMMARY_UPGRADES,
    JsonObject,
    Machine,
    Pinning,
    Upgrade,
    upgrade,
)
from deploylab.measure.rounds import Performance

COMPARE_SCHEMA = 2  # compare.json
STARTUP_KIND = "startup"  # a start-up phase's summary.json says so in its `kind`


def _machine(raw: JsonObject | None) -> Machine | None:
    return None if raw is None else Machine.from_json(raw)


def _pinning(raw: JsonObject | None) -> Pinning | None:
    return None if raw is None else Pinning.from_json(raw)


@dataclass(frozen=True)
class Disk:
    """What a model keeps on disk besides the source (deploylab/platform/footprint.py measures it)."""

    total_bytes: int | None
    parts: dict[str, int] = field(default_factory=dict)
    note: str = ""

    def to_json(self) -> JsonObject:
        return {"total_bytes": self.total_bytes, "parts": dict(self.parts), "note": self.note}

    @classmethod
    def from_json(cls, raw: JsonObject) -> Disk:
        return cls(raw["total_bytes"], dict(raw["parts"]), raw["note"])


@dataclass(frozen=True)
class StartupTimes:
    """Seconds per cycle: the build check, the cold start, the warm start."""

    build_s: list[float] = field(default_factory=list)
    cold_s: list[float] = field(default_factory=list)
    warm_s: list[float] = field(default_factory=list)

    def to_json(self) -> JsonObject:
        return {"build_s": list(self.build_s), "cold_s": list(self.cold_s), "warm_s": list(self.warm_s)}

    @classmethod
    def from_json(cls, raw: JsonObject) -> StartupTimes:
        return cls(list(raw["build_s"]), list(raw["cold_s"]), list(raw["warm_s"]))


@dataclass(frozen=True)
class IdleReadings:
    """The start-up phase's idle figures (compare/startup.py:idle_figures): medians over its readings."""

    app_mib: float | None
    overhead_mib: float | None
    reserved_mib: float | None
    cpu_percent: float | None
    units: list[str]
    memory_sources: list[str]
    seconds: float | None

    def to_json(self) -> JsonObject:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: JsonObject) -> IdleReadings:
        return cls(raw["app_mib"], raw["overhead_mib"], raw["reserved_mib"], raw["cpu_percent"], list(raw["units"]),
                   list(raw["memory_sources"]), raw["seconds"])


@dataclass(frozen=True)
class StartupSummary:
    """summary.json of the start-up and idle phase (compare/startup.py), a run directory of its own."""

    run_id: str
    model: str
    model_key: str
    model_title: str
    startup: StartupTimes
    idle: IdleReadings
    disk: Disk | None
    environments: int | None
    machine: Machine | None
    pinning: Pinning | None

    def to_json(self) -> JsonObject:
        return {
            "schema": SUMMARY_SCHEMA, "kind": STARTUP_KIND,
            "run_id": self.run_id, "model": self.model, "model_key": self.model_key, "model_title": self.model_title,
            "startup": self.startup.to_json(), "idle": self.idle.to_json(),
            "disk": None if self.disk is None else self.disk.to_json(), "environments": self.environments,
            "machine": None if self.machine is None else self.machine.to_json(),
            "pinning": None if self.pinning is None else self.pinning.to_json(),
        }

    @classmethod
    def from_json(cls, raw: JsonObject) -> StartupSummary:
        """Any version: older shapes are upgraded first."""
        raw = upgrade(raw, SUMMARY_UPGRADES, SUMMARY_SCHEMA, f"the summary of run {raw.get('run_id', '?')}")
        return cls(
            run_id=raw["run_id"], model=raw["model"], model_key=raw["model_key"], model_title=raw["model_title"],
            startup=StartupTimes.from_json(raw["startup"]), idle=IdleReadings.from_json(raw["idle"]),
            disk=None if raw["disk"] is None else Disk.from_json(raw["disk"]), environments=raw["environments"],
            machine=_machine(raw["machine"]), pinning=_pinning(raw["pinning"]),
        )


@dataclass(frozen=True)
class IdleColumn:
    """A model's idle footprint over repeats, and where it came from (the idle phase or a run's readings)."""

    app_mib: list[float] = field(default_factory=list)
    overhead_mib: list[float] = field(default_factory=list)
    reserved_mib: list[float] = field(default_factory=list)
    cpu_percent: list[float] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    source: str = ""

    def to_json(self) -> JsonObject:
        return {"app_mib": list(self.app_mib), "overhead_mib": list(self.overhead_mib),
                "reserved_mib": list(self.reserved_mib), "cpu_percent": list(self.cpu_percent),
                "units": list(self.units), "source": self.source}

    @classmethod
    def from_json(cls, raw: JsonObject) -> IdleColumn:
        return cls(list(raw["app_mib"]), list(raw["overhead_mib"]), list(raw["reserved_mib"]),
                   list(raw["cpu_percent"]), list(raw["units"]), raw["source"])


@dataclass(frozen=True)
class CapacityColumn:
    """Each closed-loop capacity run's plateau, best step and the host's speed around it. The plateau is not rescaled
    by that speed: the timed loop moved under 10 % while the throughput moved 35 % in the same hour."""

    plateau_throughput: list[float | None] = field(default_factory=list)
    best_throughput: list[float | None] = field(default_factory=list)
    best_users: list[int | None] = field(default_factory=list)
    host_speed: list[float | None] = field(default_factory=list)

    def to_json(self) -> JsonObject:
        return {"plateau_throughput": list(self.plateau_throughput), "best_throughput": list(self.best_throughput),
                "best_users": list(self.best_users), "host_speed": list(self.host_speed)}

    @classmethod
    def from_json(cls, raw: JsonObject) -> CapacityColumn:
        return cls(list(raw["plateau_throughput"]), list(raw["best_throughput"]), list(raw["best_users"]),
                   list(raw["host_speed"]))  # an older report's "at_common_speed" is left unread


@dataclass(frozen=True)
class Quantiles:
    p50: list[float] = field(default_factory=list)
    p95: list[float] = field(default_factory=list)

    def to_json(self) -> JsonObject:
        return {"p50": list(self.p50), "p95": list(self.p95)}

    @classmethod
    def from_json(cls, raw: JsonObject) -> Quantiles:
        return cls(list(raw["p50"]), list(raw["p95"]))


@dataclass(frozen=True)
class LatencyColumn:
    """The steady scenario's p50 and p95 per endpoint group, and its throughput (all groups)."""

    groups: dict[str, Quantiles] = field(default_factory=lambda: {group: Quantiles() for group in GROUPS})
    throughput: list[float] = field(default_factory=list)

    def to_json(self) -> JsonObject:
        return {**{group: q.to_json() for group, q in self.groups.items()}, "throughput": list(self.throughput)}

    @classmethod
    def from_json(cls, raw: JsonObject) -> LatencyColumn:
        groups = {group: Quantiles.from_json(q) for group, q in raw.items() if group != "throughput"}
        return cls(groups, list(raw["throughput"]))


@dataclass(frozen=True)
class GroupFaultColumn:
    """One endpoint group in one fault, over repeats: its verdict and seconds failed or degraded."""

    verdict: list[str | None] = field(default_factory=list)
    failed_s: list[float] = field(default_factory=list)
    degraded_s: list[float] = field(default_factory=list)
    # the window's length when the group was still failed or degraded at its end (the seconds are a lower
    # bound, cut off there), else None
    cut_off_s: list[float | None] = field(default_factory=list)
    p99_before_ms: list[float | None] = field(default_factory=list)  # the group's p99 before the fault...
    p99_during_ms: list[float | None] = field(default_factory=list)  # ...and during it
    answered_before: list[int] = field(default_factory=list)  # the samples of each p99 before...
    answered_during: list[int] = field(default_factory=list)  # ...and during

    def to_json(self) -> JsonObject:
        found: JsonObject = {"verdict": list(self.verdict), "failed_s": list(self.failed_s),
                             "degraded_s": list(self.degraded_s)}
        later: dict[str, list[float | None] | list[int]] = {
            "cut_off_s": self.cut_off_s, "p99_before_ms": self.p99_before_ms, "p99_during_ms": self.p99_during_ms,
            "answered_before": self.answered_before, "answered_during": self.answered_during}
        return found | {key: list(value) for key, value in later.items() if value}  # written since they are known

    def cut_off(self) -> float | None:
        """The window's length when most repeats ended still broken: their seconds are a lower bound."""
        cut = [c for c in self.cut_off_s if c is not None]
        return max(cut) if cut and len(cut) * 2 > len(self.cut_off_s) else None

    @classmethod
    def from_json(cls, raw: JsonObject) -> GroupFaultColumn:
        return cls(list(raw["verdict"]), list(raw["failed_s"]), list(raw["degraded_s"]), list(raw.get("cut_off_s", [])),
                   list(raw.get("p99_before_ms", [])), list(raw.get("p99_during_ms", [])),
                   list(raw.get("answered_before", [])), list(raw.get("answered_during", [])))


@dataclass(frozen=True)
class FaultColumn:
    """One fault scenario in one model, over repeats."""

    kind: str
    target: str
    groups: dict[str, GroupFaultColumn] = field(default_factory=lambda: {g: GroupFaultColumn() for g in GROUPS})
    time_to_recover_s: list[float | None] = field(default_factory=list)
    outage_s: list[float | None] = field(default_factory=list)
    recovered: list[bool] = field(default_factory=list)
    restart_seen_s: list[float | None] = field(default_factory=list)
    oom_killed_s: list[float | None] = field(default_factory=list)  # from the fault: the kernel's kill for memory

    def to_json(self) -> JsonObject:
        return {"kind": self.kind, "target": self.target,
                "groups": {group: slot.to_json() for group, slot in self.groups.items()},
                "time_to_recover_s": list(self.time_to_recover_s), "outage_s": list(self.outage_s),
                "recovered": list(self.recovered), "restart_seen_s": list(self.restart_seen_s)} | (
                    {"oom_killed_s": list(self.oom_killed_s)} if self.oom_killed_s else {})

    @classmethod
    def from_json(cls, raw: JsonObject) -> FaultColumn:
        return cls(raw["kind"], raw["target"],
                   {group: GroupFaultColumn.from_json(slot) for group, slot in raw["groups"].items()},
                   list(raw["time_to_recover_s"]), list(raw["outage_s"]), list(raw["recovered"]),
                   list(raw["restart_seen_s"]), list(raw.get("oom_killed_s", [])))


@dataclass(frozen=True)
class PhaseWarning:
    """A reason to distrust one phase's figures (an interrupted run, an overloaded load generator)."""

    phase: str
    why: str

    def to_json(self) -> JsonObject:
        return {"phase": self.phase, "why": self.why}

    @classmethod
    def from_json(cls, raw: JsonObject) -> PhaseWarning:
        return cls(raw["phase"], raw["why"])


@dataclass(frozen=True)
class ModelColumn:
    """One column of the comparison: a model (or a variant, d-swarm) and every figure collected for it."""

    key: str
    model: str
    title: str = ""
    status: str = "measured"  # measured | skipped | failed
    reason: str | None = None
    runs: list[str] = field(default_factory=list)
    startup: StartupTimes = field(default_factory=StartupTimes)
    idle: IdleColumn = field(default_factory=IdleColumn)
    disk: Disk | None = None
    environments: int | None = None
    capacity: CapacityColumn = field(default_factory=CapacityColumn)
    latency: LatencyColumn = field(default_factory=LatencyColumn)
    faults: dict[str, FaultColumn] = field(default_factory=dict)
    warnings: list[PhaseWarning] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # phase -> why it has no figure
    inapplicable: dict[str, str] = field(default_factory=dict)  # phase -> why the model has nothing it acts on
    # a page's time by Server-Timing entry at the steady load: entry -> its median (ms) in each run
    page_time: dict[str, list[float]] = field(default_factory=dict)
    machine: Machine | None = None
    pinning: Pinning | None = None

    @classmethod
    def empty(cls, key: str) -> ModelColumn:
        return cls(key=key, model=key.split("-")[0])

    def to_json(self) -> JsonObject:
        return {
            "key": self.key, "model": self.model, "title": self.title, "status": self.status, "reason": self.reason,
            "runs": list(self.runs), "startup": self.startup.to_json(), "idle": self.idle.to_json(),
            "disk": None if self.disk is None else self.disk.to_json(), "environments": self.environments,
            "capacity": self.capacity.to_json(), "latency": self.latency.to_json(),
            "faults": {name: fault.to_json() for name, fault in self.faults.items()},
            "warnings": [warning.to_json() for warning in self.warnings], "errors": dict(self.errors),
            **({"inapplicable": dict(self.inapplicable)} if self.inapplicable else {}),  # as older documents read
            **({"page_time": {entry: list(ms) for entry, ms in self.page_time.items()}} if self.page_time else {}),
            "machine": None if self.machine is None else self.machine.to_json(),
            "pinning": None if self.pinning is None else self.pinning.to_json(),
        }

    @classmethod
    def from_json(cls, raw: JsonObject) -> ModelColumn:
        return cls(
            key=raw["key"], model=raw["model"], title=raw["title"], status=raw["status"], reason=raw["reason"],
            runs=list(raw["runs"]), startup=StartupTimes.from_json(raw["startup"]),
            idle=IdleColumn.from_json(raw["idle"]),
            disk=None if raw["disk"] is None else Disk.from_json(raw["disk"]), environments=raw["environments"],
            capacity=CapacityColumn.from_json(raw["capacity"]), latency=LatencyColumn.from_json(raw["latency"]),
            faults={name: FaultColumn.from_json(fault) for name, fault in raw["faults"].items()},
            warnings=[PhaseWarning.from_json(warning) for warning in raw["warnings"]], errors=dict(raw["errors"]),
            inapplicable=dict(raw.get("inapplicable", {})),  # not in comparisons made before it was
            page_time={entry: list(ms) for entry, ms in raw.get("page_time", {}).items()},
            machine=_machine(raw["machine"]), pinning=_pinning(raw["pinning"]),
        )


@dataclass(frozen=True)
class Outcome:
    """What the matrix made of one model (compare/matrix.py): its run directories, or why it has none."""

    status: str  # measured | skipped | failed
    reason: str | None = None
    runs: list[Path] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # phase -> why it failed
    inapplicable: dict[str, str] = field(default_factory=dict)  # phase -> why it was not run: nothing to act on


@dataclass(frozen=True)
class Isolation:
    """Model A's shared environment against the services' own pins, and how many environments each model needs."""

    packages: int
    conflicts: list[str]
    environments: dict[str, int]

    def to_json(self) -> JsonObject:
        return {"packages": self.packages, "conflicts": list(self.conflicts), "environments": dict(self.environments)}

    @classmethod
    def from_json(cls, raw: JsonObject) -> Isolation:
        return cls(raw["packages"], list(raw["conflicts"]), dict(raw["environments"]))


@dataclass(frozen=True)
class Comparison:
    """compare.json: how the comparison ran and one column per model. Rebuilding the report reads only this."""

    created: float
    models: dict[str, ModelColumn]
    command: str | None = None
    profile: str | None = None
    repeats: int | None = None  # None: not recorded (a comparison of runs made earlier): once
    compare_id: str | None = None
    elapsed_s: float | None = None
    expected_faults: list[str] | None = None  # the fault scenarios the profile ran, measured or not
    isolation: Isolation | None = None
    provider_c: str | None = None  # written by earlier versions only
    performance: Performance | None = None  # the interleaved rounds: cost per request, the latency–load curves

    @property
    def times(self) -> int:
        """How often each phase ran."""
        return self.repeats or 1

    def to_json(self) -> JsonObject:
        found: JsonObject = {"schema": COMPARE_SCHEMA, "created": self.created}
        optional = {"command": self.command, "profile": self.profile, "repeats": self.repeats,
                    "compare_id": self.compare_id, "elapsed_s": self.elapsed_s, "expected_faults": self.expected_faults,
                    "isolation": None if self.isolation is None else self.isolation.to_json(),
                    "provider_c": self.provider_c,
                    "performance": None if self.performance is None else self.performance.to_json()}
        found |= {key: value for key, value in optional.items() if value is not None}
        return found | {"models": {name: model.to_json() for name, model in self.models.items()}}

    @classmethod
    def from_json(cls, raw: JsonObject) -> Comparison:
        """Any version: older shapes are upgraded first."""
        raw = upgrade(raw, COMPARE_UPGRADES, COMPARE_SCHEMA, "compare.json")
        isolation = raw.get("isolation")
        return cls(
            created=raw["created"], models={name: ModelColumn.from_json(m) for name, m in raw["models"].items()},
            command=raw.get("command"), profile=raw.get("profile"), repeats=raw.get("repeats"),
            compare_id=raw.get("compare_id"), elapsed_s=raw.get("elapsed_s"), expected_faults=raw.get("expected_faults"),
            isolation=None if isolation is None else Isolation.from_json(isolation), provider_c=raw.get("provider_c"),
            performance=Performance.from_json(raw["performance"]) if raw.get("performance") else None,
        )


def _compare_v1_to_v2(doc: JsonObject) -> JsonObject:
    """Before the schema number: capacity was the best step alone (no plateau), and before the host's speed
    was read there was nothing to scale by."""
    for model in doc.get("models", {}).values():
        capacity = model["capacity"]
        capacity.setdefault("plateau_throughput", list(capacity.get("best_throughput", [])))
        capacity.setdefault("host_speed", [])
    return doc


COMPARE_UPGRADES: dict[int, Upgrade] = {1: _compare_v1_to_v2}
