"""Run scenarios, read from loadtests/scenarios.toml: a load shape, a duration and a fault timeline."""

from __future__ import annotations

import math
import tomllib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from deploylab.core.driver import DRIVER_FAULTS
from deploylab.core.errors import LabError, UsageError
from deploylab.measure.chaos import KINDS as CHAOS_KINDS

FAULT_KINDS = DRIVER_FAULTS + CHAOS_KINDS

SCENARIOS_PATH = Path(__file__).resolve().parents[2] / "loadtests" / "scenarios.toml"


@dataclass(frozen=True)
class Fault:
    at_s: float
    kind: str
    service: str = ""
    unit: str = ""
    params: dict[str, float] = field(default_factory=dict)
    until_s: float | None = None
    name: str = ""  # in a chained run, the single-fault scenario this fault stands for (its figures go there)

    @property
    def target(self) -> str:
        target = self.unit or self.service
        return f"{target} (one unit)" if self.params.get("replicas") == 1 else target

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Fault:
        return cls(**raw)


@dataclass(frozen=True)
class Thresholds:
    rate_points: float = 0.01
    p95_ratio: float = 2.0
    p95_floor_ms: float = 25.0
    recover_bins: int = 3


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    shape: str
    duration_s: float
    users: int
    spawn_rate: float
    warmup_s: float
    window_s: float
    faults: tuple[Fault, ...] = ()
    think_scale: float = 1.0  # users' think time x this; 0 = closed loop, each user sends as soon as answered
    slo_p95_ms: float = math.inf  # the SLO comes from scenarios.toml; none when a scenario is built by hand
    slo_error_rate: float = 1.0
    thresholds: Thresholds = Thresholds()
    profile: str = "as written"  # or the profile that shaped it (deploylab.measure.profiles)
    steady_s: float = 0.0  # a chained run's lead with no fault: its stretch stands for the steady scenario
    # open loop: this many arrivals per second whatever the answers do, each to a group drawn by `mix`
    # (loadtests/open_loop.py); users, spawn_rate and think_scale are then unused. None: the closed-loop users.
    rate: float | None = None
    mix: str = ""

    @property
    def load(self) -> str:
        """The load in words, for reports and progress lines."""
        if self.rate is not None:
            return f"open loop at {self.rate:g} req/s, mix {self.mix or 'of the users'}"
        return f"shape {self.shape}, {self.users} users"

    def to_json(self) -> dict[str, Any]:
        """asdict, with the timeline last (summary.json's order)."""
        found = asdict(self)
        return {**{key: value for key, value in found.items() if key != "faults"},
                "faults": [fault.to_json() for fault in self.faults]}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Scenario:
        """Fields a scenario did not have yet when the file was written take their defaults."""
        return cls(**{**raw, "faults": tuple(Fault.from_json(f) for f in raw.get("faults", [])),
                      "thresholds": Thresholds(**raw.get("thresholds", {}))})

    def rescaled(self, duration_s: float) -> Scenario:
        """The same scenario over another duration: every time in the timeline moves in proportion."""
        k = duration_s / self.duration_s
        faults = tuple(
            replace(f, at_s=f.at_s * k, until_s=None if f.until_s is None else f.until_s * k) for f in self.faults
        )
        return replace(self, duration_s=duration_s, window_s=self.window_s * k, faults=faults, steady_s=self.steady_s * k)


def chained(name: str, parts: list[Scenario]) -> Scenario:
    """One run for several single-fault scenarios of the same load: the first one's baseline, then each part's
    fault and the time after it, one after another. Each fault keeps its part's name, under which the
    comparison reports it; every fault is judged against the baseline before the first (report/summary.py).
    A first part with no fault (steady) leads the run: its stretch is reported as that scenario and is the
    faults' baseline, in place of the first part's own time before its fault."""
    lead = parts[0] if parts and not parts[0].faults else None
    faulted = parts[1:] if lead else parts
    if not faulted:
        raise LabError(f"cannot chain {name!r}: no part has a fault")
    first = faulted[0]
    for part in parts:
        if (part is not lead and len(part.faults) != 1) or (part.shape, part.users, part.think_scale, part.rate) != (
                first.shape, first.users, first.think_scale, first.rate):
            raise LabError(f"cannot chain {part.name!r} into {name!r}: parts need one fault each and the same load")
    steady_s = lead.duration_s if lead else 0.0
    faults, clock = [], steady_s or first.faults[0].at_s  # a lead is the baseline: the first fault follows it
    for part in faulted:
        fault = part.faults[0]
        shift = clock - fault.at_s
        faults.append(replace(fault, name=part.name, at_s=clock,
                              until_s=None if fault.until_s is None else fault.until_s + shift))
        clock += part.duration_s - fault.at_s
    description = "One run through " + ", ".join(p.name for p in parts) + ", one after another."
    return replace(first, name=name, description=description, duration_s=clock, faults=tuple(faults),
                   steady_s=steady_s)


def load_all(path: Path = SCENARIOS_PATH) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    try:
        raw = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LabError(f"cannot read scenarios from {path}: {exc}") from None
    return raw, raw.get("scenarios", {})


def slo_p99_ms(path: Path = SCENARIOS_PATH) -> dict[str, float]:
    """The open-loop SLO: each endpoint group's p99 limit, in ms."""
    raw, _ = load_all(path)
    try:
        return {group: float(ms) for group, ms in raw["slo"]["p99_ms"].items()}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise LabError(f"{path.name}: [slo.p99_ms] is missing or malformed: {exc}") from None


def names(path: Path = SCENARIOS_PATH) -> list[str]:
    return list(load_all(path)[1])


def load(
    name: str,
    *,
    duration_s: float | None = None,
    users: int | None = None,
    path: Path = SCENARIOS_PATH,
) -> Scenario:
    """A scenario as written; duration_s rescales its timeline in proportion, users replaces its peak."""
    raw, scenarios = load_all(path)
    if name not in scenarios:
        raise UsageError(f"unknown scenario {name!r}: choose one of {', '.join(scenarios)}")
    spec = {**raw.get("defaults", {}), **scenarios[name]}
    slo, thresholds = raw.get("slo", {}), raw.get("thresholds", {})
    try:
        scenario = Scenario(
            name=name,
            description=spec.get("description", ""),
            shape=spec["shape"],
            duration_s=float(spec["duration_s"]),
            users=int(spec["users"]),
            spawn_rate=float(spec["spawn_rate"]),
            warmup_s=float(spec["warmup_s"]),
            window_s=float(spec["window_s"]),
            faults=tuple(Fault(**fault) for fault in spec.get("faults", [])),
            think_scale=float(spec.get("think_scale", 1.0)),
            slo_p95_ms=float(slo["p95_ms"]),
            slo_error_rate=float(slo["error_rate"]),
            thresholds=Thresholds(**thresholds),
            rate=float(spec["rate"]) if "rate" in spec else None,
            mix=str(spec.get("mix", "")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise LabError(f"scenario {name!r} in {path.name} is malformed: {exc}") from None
    unknown = [f.kind for f in scenario.faults if f.kind not in FAULT_KINDS]
    if unknown:  # found now, not when the timeline reaches it mid-run
        raise LabError(f"scenario {name!r} in {path.name}: unknown fault kind {unknown[0]!r}: "
                       f"choose one of {', '.join(FAULT_KINDS)}")
    if duration_s is not None:
        scenario = scenario.rescaled(duration_s)
    if users is not None:
        scenario = replace(scenario, users=users)
    return scenario
