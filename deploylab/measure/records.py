"""Typed records of one measured run: what the runner collects (RunMeta) and what summary.json holds (RunSummary).

Every record is a frozen dataclass with one to_json/from_json pair; to_json writes exactly the keys the
files have always had. The top-level files carry a `schema` number. A file without one was written before
the number existed: version 1. Reading an older file goes through `upgrade`, one function per version
step (v1 -> v2, ...), so every shape the lab ever wrote is read in one place and only there.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from deploylab.core.errors import LabError
from deploylab.measure.analysis import PLATEAU_WITHIN, Figures
from deploylab.measure.scenarios import Fault, Scenario, Thresholds

JsonObject = dict[str, Any]  # a JSON object as read or written: free-form until a record parses it
Window = tuple[float, float]  # (start, end), seconds from the start of the load
Upgrade = Callable[[JsonObject], JsonObject]

SUMMARY_SCHEMA = 2  # summary.json (a measured run's, and the start-up phase's: compare/records.py)


def upgrade(doc: JsonObject, steps: Mapping[int, Upgrade], current: int, what: str) -> JsonObject:
    """doc in the current shape: steps[n] turns version n into n + 1. The input is left as it was."""
    version = doc.get("schema", 1)
    if not isinstance(version, int) or not 1 <= version <= current:
        raise LabError(f"{what} has schema {version!r}; this lab reads versions 1 to {current}")
    doc = copy.deepcopy(doc)
    while version < current:
        doc = steps[version](doc)
        version += 1
        doc["schema"] = version
    return doc


def window(pair: list[float]) -> Window:
    return pair[0], pair[1]


def figures_by_group(raw: Mapping[str, JsonObject]) -> dict[str, Figures]:
    return {group: Figures.from_json(figure) for group, figure in raw.items()}


def figures_json(figures: Mapping[str, Figures]) -> JsonObject:
    return {group: figure.to_json() for group, figure in figures.items()}


@dataclass(frozen=True)
class Machine:
    """measure/machine.py's facts: where a run ran and with which versions."""

    cpu_model: str
    cores: int | None
    memory_bytes: int
    kernel: str
    os: str = ""
    versions: dict[str, str | None] = field(default_factory=dict)

    def to_json(self) -> JsonObject:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: JsonObject) -> Machine:
        return cls(raw["cpu_model"], raw.get("cores"), raw["memory_bytes"], raw["kernel"], raw.get("os", ""),
                   dict(raw.get("versions", {})))


@dataclass(frozen=True)
class Pinning:
    sut_cpus: str | None
    generator_cpus: str | None

    def to_json(self) -> JsonObject:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: JsonObject) -> Pinning:
        return cls(raw.get("sut_cpus"), raw.get("generator_cpus"))


@dataclass(frozen=True)
class UnitInfo:
    name: str
    kind: str
    services: tuple[str, ...]

    def to_json(self) -> JsonObject:
        return {"name": self.name, "kind": self.kind, "services": list(self.services)}

    @classmethod
    def from_json(cls, raw: JsonObject) -> UnitInfo:
        return cls(raw["name"], raw["kind"], tuple(raw["services"]))


@dataclass(frozen=True)
class DeploymentInfo:
    """What the run measured: where, how long `up` took (NaN: the run found it up), which units."""

    base_url: str
    ready_seconds: float
    brought_up: bool
    units: tuple[UnitInfo, ...]

    def to_json(self) -> JsonObject:
        return {"base_url": self.base_url, "ready_seconds": self.ready_seconds, "brought_up": self.brought_up,
                "units": [unit.to_json() for unit in self.units]}

    @classmethod
    def from_json(cls, raw: JsonObject) -> DeploymentInfo:
        return cls(raw["base_url"], raw["ready_seconds"], raw["brought_up"],
                   tuple(UnitInfo.from_json(unit) for unit in raw["units"]))


@dataclass(frozen=True)
class HostSpeed:
    """measure/calibrate.py's reading on the system under test's cores, before and after a capacity run."""

    before: float | None
    unit: str
    after: float | None = None  # None: the run did not get that far

    def to_json(self) -> JsonObject:
        found: JsonObject = {"before": self.before, "unit": self.unit}
        if self.after is not None:
            found["after"] = self.after
        return found

    @classmethod
    def from_json(cls, raw: JsonObject) -> HostSpeed:
        return cls(raw.get("before"), raw.get("unit", ""), raw.get("after"))


@dataclass(frozen=True)
class RunMeta:
    """What the runner knows about a run besides its files: the input of report/summary.py."""

    run_id: str
    model: str
    model_title: str
    scenario: Scenario
    profile: str
    machine: Machine
    pinning: Pinning
    started: float
    ended: float | None = None
    partial: bool = False
    deployment: DeploymentInfo | None = None
    idle: tuple[float, float] = (0.0, 0.0)  # wall clock
    load: tuple[float, float] | None = None  # wall clock; None: the load never started
    host_speed: HostSpeed | None = None
    locust_command: tuple[str, ...] | None = None

    @property
    def load_window(self) -> tuple[float, float]:
        return self.load if self.load is not None else (self.started, self.started)


@dataclass(frozen=True)
class FaultFigures:
    """One fault of a run (report/summary.py:fault_figures): its windows, figures per group, verdicts, recovery."""

    fault: Fault
    window_s: Window
    baseline_window_s: Window
    segment_end_s: float | None  # the next fault's start or the end of the load: judged up to there
    before: dict[str, Figures]
    during: dict[str, Figures]
    after: dict[str, Figures]
    blast_radius: dict[str, str | None]
    restart_seen_s: float | None
    done_s: float | None
    fault_end_s: float | None
    back_within_threshold_s: float | None
    time_to_recover_s: float | None
    outage_s: float | None
    recovered: bool
    error: str | None = None  # the fault could not be carried out: its figures mean nothing
    oom_killed_s: float | None = None  # the kernel killed the target for memory (its first such kill)
    oom_watched: bool = False  # the kernel's log was read for the target's kills (oom_killed_s None: none)

    def to_json(self) -> JsonObject:
        return {
            "fault": self.fault.to_json(),
            "window_s": list(self.window_s), "baseline_window_s": list(self.baseline_window_s),
            "segment_end_s": self.segment_end_s,
            "before": figures_json(self.before), "during": figures_json(self.during), "after": figures_json(self.after),
            "blast_radius": dict(self.blast_radius),
            "restart_seen_s": self.restart_seen_s, "done_s": self.done_s, "fault_end_s": self.fault_end_s,
            "back_within_threshold_s": self.back_within_threshold_s,
            "time_to_recover_s": self.time_to_recover_s, "outage_s": self.outage_s,
            "recovered": self.recovered, "error": self.error, "oom_killed_s": self.oom_killed_s,
            "oom_watched": self.oom_watched,
        }

    @classmethod
    def from_json(cls, raw: JsonObject) -> FaultFigures:
        return cls(
            fault=Fault.from_json(raw["fault"]),
            window_s=window(raw["window_s"]), baseline_window_s=window(raw["baseline_window_s"]),
            segment_end_s=raw["segment_end_s"],
            before=figures_by_group(raw["before"]), during=figures_by_group(raw["during"]),
            after=figures_by_group(raw["after"]),
            blast_radius=dict(raw["blast_radius"]),
            restart_seen_s=raw["restart_seen_s"], done_s=raw["done_s"], fault_end_s=raw["fault_end_s"],
            back_within_threshold_s=raw["back_within_threshold_s"],
            time_to_recover_s=raw["time_to_recover_s"], outage_s=raw["outage_s"],
            recovered=raw["recovered"], error=raw["error"], oom_killed_s=raw.get("oom_killed_s"),
            oom_watched=raw.get("oom_watched", False),
        )


@dataclass(frozen=True)
class StepFigures:
    """One step of a capacity run, measured after it settled."""

    users: int
    window_s: Window
    sustained: bool
    figures: Figures

    def to_json(self) -> JsonObject:
        return {"users": self.users, "window_s": list(self.window_s), "sustained": self.sustained,
                **self.figures.to_json()}

    @classmethod
    def from_json(cls, raw: JsonObject) -> StepFigures:
        rest = {key: value for key, value in raw.items() if key not in ("users", "window_s", "sustained")}
        return cls(raw["users"], window(raw["window_s"]), raw["sustained"], Figures.from_json(rest))


@dataclass(frozen=True)
class CapacityFigures:
    """A step run's capacity: the best step within the SLO and the plateau a saturated model holds."""

    slo_p95_ms: float
    slo_error_rate: float
    steps: tuple[StepFigures, ...]
    best_throughput: float | None
    best_users: int | None
    plateau_throughput: float | None
    plateau_within: float = PLATEAU_WITHIN
    host_speed: HostSpeed | None = None

    def to_json(self) -> JsonObject:
        return {
            "slo": {"p95_ms": self.slo_p95_ms, "error_rate": self.slo_error_rate},
            "steps": [step.to_json() for step in self.steps],
            "best_throughput": self.best_throughput, "best_users": self.best_users,
            "plateau_throughput": self.plateau_throughput, "plateau_within": self.plateau_within,
            "host_speed": None if self.host_speed is None else self.host_speed.to_json(),
        }

    @classmethod
    def from_json(cls, raw: JsonObject) -> CapacityFigures:
        speed = raw["host_speed"]
        return cls(raw["slo"]["p95_ms"], raw["slo"]["error_rate"], tuple(StepFigures.from_json(s) for s in raw["steps"]),
                   raw["best_throughput"], raw["best_users"], raw["plateau_throughput"], raw["plateau_within"],
                   None if speed is None else HostSpeed.from_json(speed))


@dataclass(frozen=True)
class SteadyLead:
    """A chained run's lead with no fault: the steady scenario's figures, measured in the same run."""

    window_s: Window
    groups: dict[str, Figures]

    def to_json(self) -> JsonObject:
        return {"window_s": list(self.window_s), "groups": figures_json(self.groups)}

    @classmethod
    def from_json(cls, raw: JsonObject) -> SteadyLead:
        return cls(window(raw["window_s"]), figures_by_group(raw["groups"]))


@dataclass(frozen=True)
class GeneratorLoad:
    """The load generator's own CPU while the figures were measured: above the limit, latencies are suspect."""

    cpu_max_percent: float
    limit_percent: float
    overloaded: bool

    def to_json(self) -> JsonObject:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: JsonObject) -> GeneratorLoad:
        return cls(raw["cpu_max_percent"], raw["limit_percent"], raw["overloaded"])


@dataclass(frozen=True)
class UnitUsage:
    """measure/resources.py's figures of one unit; the total has no source, overhead or reservation."""

    cpu_percent_load: float | None
    memory_idle_mib: float | None
    memory_load_mean_mib: float | None
    memory_load_max_mib: float | None
    memory_source: str | None = None
    overhead_mib: float | None = None
    reserved_mib: float | None = None

    UNIT_KEYS = ("memory_source", "cpu_percent_load", "memory_idle_mib", "memory_load_mean_mib",
                 "memory_load_max_mib", "overhead_mib", "reserved_mib")
    TOTAL_KEYS = ("cpu_percent_load", "memory_idle_mib", "memory_load_mean_mib", "memory_load_max_mib")

    def to_json(self, total: bool = False) -> JsonObject:
        return {key: getattr(self, key) for key in (self.TOTAL_KEYS if total else self.UNIT_KEYS)}

    @classmethod
    def from_json(cls, raw: JsonObject) -> UnitUsage:
        return cls(**{key: raw.get(key) for key in cls.UNIT_KEYS})


@dataclass(frozen=True)
class Resources:
    """Per unit, and their total (None in a file written without readings)."""

    units: dict[str, UnitUsage]
    total: UnitUsage | None

    def to_json(self) -> JsonObject:
        found = {name: usage.to_json() for name, usage in self.units.items()}
        return found if self.total is None else {**found, "total": self.total.to_json(total=True)}

    @classmethod
    def from_json(cls, raw: JsonObject) -> Resources:
        units = {name: UnitUsage.from_json(usage) for name, usage in raw.items() if name != "total"}
        return cls(units, UnitUsage.from_json(raw["total"]) if "total" in raw else None)


@dataclass(frozen=True)
class HopTime:
    entry: str  # a Server-Timing entry's name: gw, web, web-students, students, ...
    median_ms: float
    n: int  # the page answers that carried the entry


@dataclass(frozen=True)
class PageTime:
    """Where a page's time goes (deploylab/report/page_time.py): per Server-Timing entry, its median over the page
    group's answered requests at the steady load."""

    group: str
    window_s: Window
    hops: tuple[HopTime, ...]  # the longest first: outer hops before the ones they contain

    def to_json(self) -> JsonObject:
        return {"group": self.group, "window_s": list(self.window_s), "hops": [asdict(hop) for hop in self.hops]}

    @classmethod
    def from_json(cls, raw: JsonObject) -> PageTime:
        return cls(raw["group"], window(raw["window_s"]), tuple(HopTime(**hop) for hop in raw["hops"]))


@dataclass(frozen=True)
class RunSummary:
    """summary.json of a measured run: every figure, computed once from the run's files."""

    run_id: str
    model: str
    model_title: str
    partial: bool
    scenario: Scenario
    profile: str
    machine: Machine
    pinning: Pinning
    deployment: DeploymentInfo | None  # None: the run stopped before the model was up
    method: dict[str, str]  # how each figure was computed, in words
    thresholds: Thresholds
    requests_logged: int
    load_window_s: Window
    overall: dict[str, Figures]
    faults: tuple[FaultFigures, ...]
    resources: Resources
    generator: GeneratorLoad
    events: tuple[JsonObject, ...]  # the event log, t from the start of the load; details differ per kind
    locust_command: tuple[str, ...] | None
    steady: SteadyLead | None = None
    capacity: CapacityFigures | None = None
    model_key: str | None = None  # the comparison's column, when a run says so itself
    page_time: PageTime | None = None  # None: the run's log recorded no Server-Timing on the page

    def to_json(self) -> JsonObject:
        found: JsonObject = {
            "schema": SUMMARY_SCHEMA,
            "run_id": self.run_id, "model": self.model, "model_title": self.model_title, "partial": self.partial,
            "scenario": self.scenario.to_json(), "profile": self.profile,
            "machine": self.machine.to_json(), "pinning": self.pinning.to_json(),
            "deployment": {} if self.deployment is None else self.deployment.to_json(),
            "method": {**self.method, "thresholds": asdict(self.thresholds)},
            "requests_logged": self.requests_logged,
            "load_window_s": list(self.load_window_s),
            "overall": figures_json(self.overall),
            "faults": [fault.to_json() for fault in self.faults],
            "resources": self.resources.to_json(),
            "generator": self.generator.to_json(),
            "events": [dict(event) for event in self.events],
            "locust_command": None if self.locust_command is None else list(self.locust_command),
        }
        if self.model_key is not None:
            found["model_key"] = self.model_key
        if self.steady is not None:
            found["steady"] = self.steady.to_json()
        if self.capacity is not None:
            found["capacity"] = self.capacity.to_json()
        if self.page_time is not None:
            found["page_time"] = self.page_time.to_json()
        return found

    @classmethod
    def from_json(cls, raw: JsonObject) -> RunSummary:
        """Any version: older shapes are upgraded first."""
        raw = upgrade(raw, SUMMARY_UPGRADES, SUMMARY_SCHEMA, f"the summary of run {raw.get('run_id', '?')}")
        method = {key: value for key, value in raw["method"].items() if key != "thresholds"}
        command = raw["locust_command"]
        return cls(
            run_id=raw["run_id"], model=raw["model"], model_title=raw["model_title"], partial=raw["partial"],
            scenario=Scenario.from_json(raw["scenario"]), profile=raw["profile"],
            machine=Machine.from_json(raw["machine"]), pinning=Pinning.from_json(raw["pinning"]),
            deployment=DeploymentInfo.from_json(raw["deployment"]) if raw["deployment"] else None,
            method=method, thresholds=Thresholds(**raw["method"]["thresholds"]),
            requests_logged=raw["requests_logged"], load_window_s=window(raw["load_window_s"]),
            overall=figures_by_group(raw["overall"]),
            faults=tuple(FaultFigures.from_json(fault) for fault in raw["faults"]),
            resources=Resources.from_json(raw["resources"]), generator=GeneratorLoad.from_json(raw["generator"]),
            events=tuple(raw["events"]), locust_command=None if command is None else tuple(command),
            steady=SteadyLead.from_json(raw["steady"]) if "steady" in raw else None,
            capacity=CapacityFigures.from_json(raw["capacity"]) if "capacity" in raw else None,
            model_key=raw.get("model_key"),
            page_time=PageTime.from_json(raw["page_time"]) if "page_time" in raw else None,
        )

    def fault_name(self, fault: FaultFigures) -> str:
        """The scenario a fault stands for: its own name in a chained run, else the run's scenario."""
        return fault.fault.name or self.scenario.name


def _summary_v1_to_v2(doc: JsonObject) -> JsonObject:
    """Before the schema number, summaries grew figures one by one; a file may lack the later ones:
    a fault's error (carried out: none), done_s and segment_end_s (judged to the end of the load, as a
    single fault is); capacity's plateau (then: the best step alone), its width and the host's speed
    (not read: nothing to scale by). The start-up phase's idle readings lacked their memory sources."""
    if doc.get("kind") == "startup":
        doc["idle"].setdefault("memory_sources", [])
        doc["idle"].setdefault("seconds", None)
        return doc
    end = doc["load_window_s"][1]
    for fault in doc.get("faults", []):
        fault.setdefault("error", None)
        fault.setdefault("done_s", None)
        fault.setdefault("segment_end_s", end)
    capacity = doc.get("capacity")
    if capacity is not None:
        capacity.setdefault("plateau_throughput", capacity["best_throughput"])
        capacity.setdefault("plateau_within", PLATEAU_WITHIN)
        capacity.setdefault("host_speed", None)
    return doc


SUMMARY_UPGRADES: dict[int, Upgrade] = {1: _summary_v1_to_v2}
