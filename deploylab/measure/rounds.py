"""Performance in interleaved rounds: cost per request and the latency–load curve of every model, measured side
by side so that the host's drift over minutes hits every model alike (../shared/MEASUREMENT.md, "Noise").

Every model is up at once, each on its own port. A round measures each model in turn (the order rotates from
round to round): an open-loop run at one common offered rate (the cost: CPU seconds of the whole host, less the
load generator and the lab and less the host's rate at rest read before and after the round, per 1,000 successful
requests, with the CPU each unit used),
and in the rounds the plan names, an open-loop sweep of offered rates (the curve and its knee). Every
request's latency counts from its scheduled send time (loadtests/open_loop.py).
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from deploylab.core.driver import Driver, LabContext
from deploylab.core.errors import LabError
from deploylab.measure import hostcpu, knee
from deploylab.measure.analysis import Request, percentile
from deploylab.measure.runner import generator_cpus
from deploylab.platform import loadgen

IDLE_S = 4.0  # the idle reading between rounds: what the host spends with every model up, at rest
Log = Callable[[str], None]


@dataclass(frozen=True)
class Plan:
    """What the rounds measure; a profile's (deploylab.measure.profiles)."""

    rounds: int
    cost_rate: float  # req/s, offered to every model: one that every model holds
    cost_s: float
    sweep_rates: tuple[float, ...]  # req/s, each held sweep_step_s, in one open-loop run
    sweep_step_s: float
    sweep_rounds: tuple[int, ...]  # the rounds (0-based) that also sweep
    mix: str  # each endpoint group's share of the arrivals, fixed
    slo_p99_ms: Mapping[str, float]  # per group, for the knee


@dataclass(frozen=True)
class CostRun:
    model: str
    round: int
    rate: float
    seconds: float  # the window: Locust's start, its schedule and its last answers
    ok: int  # answered requests (ok or degraded)
    failed: int
    model_cpu_s: float  # host less generator and lab, less the idle rate over the window
    idle_cores: float  # what the host spent per second at rest (every model up, idle): the mean of the readings
    # before and after the window's round
    generator_cpu_s: float
    units_cpu_s: dict[str, float]  # each unit's own CPU over the window, its idle rate taken off
    lag_p99_ms: float | None  # how late the generator sent (its own health)
    groups: dict[str, dict[str, float | int | None]] = field(default_factory=dict)  # group -> p50, p99 (ms), n

    @property
    def per_1000(self) -> float | None:
        return round(1000 * self.model_cpu_s / self.ok, 4) if self.ok else None

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "cpu_s_per_1000": self.per_1000}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> CostRun:
        return cls(**{k: v for k, v in raw.items() if k != "cpu_s_per_1000"})


@dataclass(frozen=True)
class SweepStep:
    offered: float
    achieved: float
    error_rate: float
    groups: dict[str, dict[str, float | int | None]]  # group -> p50, p99 (ms), n
    meets_slo: bool
    why_not: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "why_not": list(self.why_not)}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> SweepStep:
        return cls(**{**raw, "why_not": tuple(raw.get("why_not", ()))})


@dataclass(frozen=True)
class Sweep:
    model: str
    round: int
    steps: tuple[SweepStep, ...]
    knee: float | None  # the highest offered rate that met the SLO below the first that did not
    first_fail: float | None

    def to_json(self) -> dict[str, Any]:
        return {"model": self.model, "round": self.round, "steps": [s.to_json() for s in self.steps],
                "knee": self.knee, "first_fail": self.first_fail}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Sweep:
        return cls(raw["model"], raw["round"], tuple(SweepStep.from_json(s) for s in raw["steps"]),
                   raw.get("knee"), raw.get("first_fail"))


@dataclass
class Performance:
    """Everything the rounds measured, as performance.json holds it."""

    plan: dict[str, Any]
    order: list[list[str]] = field(default_factory=list)  # each round's order
    costs: list[CostRun] = field(default_factory=list)
    sweeps: list[Sweep] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # model -> why it has no figures
    pinning: dict[str, str | None] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"plan": self.plan, "order": self.order, "costs": [c.to_json() for c in self.costs],
                "sweeps": [s.to_json() for s in self.sweeps], "errors": self.errors, "pinning": self.pinning}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Performance:
        return cls(dict(raw["plan"]), [list(o) for o in raw.get("order", [])],
                   [CostRun.from_json(c) for c in raw.get("costs", [])],
                   [Sweep.from_json(s) for s in raw.get("sweeps", [])], dict(raw.get("errors", {})),
                   dict(raw.get("pinning", {})))

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), indent=2))


# --- one open-loop run -------------------------------------------------------------------------------------------

def locust_open_loop(ctx: LabContext, base_url: str, out_dir: Path, steps: Sequence[tuple[float, float]],
                     mix: str, seed: int) -> list[str]:
    """Locust on the generator's cores, one open-loop run of rate:seconds steps; it ends after the last answers."""
    command = [
        *loadgen.locust(ctx.root), "--headless",
        "--host", base_url, "--rate-steps", ",".join(f"{rate:g}:{seconds:g}" for rate, seconds in steps),
        "--mix", mix, "--seed", str(seed), "--request-log", str(out_dir / "requests.csv"),
        "--only-summary", "--loglevel", "WARNING", "--logfile", str(out_dir / "locust.log"),
    ]
    cpus = generator_cpus(ctx.sut_cpus)
    return ["taskset", "-c", cpus, *command] if cpus and shutil.which("taskset") else command


@dataclass(frozen=True)
class Row:
    request: Request
    step: int
    lag_ms: float | None


def read_rows(out_dir: Path) -> list[Row]:
    rows = []
    for path in sorted(out_dir.glob("requests.*.csv")):
        with path.open(newline="") as handle:
            for raw in csv.DictReader(handle):
                if not raw.get("step"):
                    continue  # not an open-loop request
                request = Request(float(raw["t"]), raw["group"], float(raw["ms"]), raw["outcome"], raw["name"],
                                  raw["method"], int(raw["status"] or 0))
                rows.append(Row(request, int(raw["step"]), float(raw["lag_ms"]) if raw.get("lag_ms") else None))
    return rows


def _run_locust(command: list[str], out_dir: Path, timeout_s: float) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "locust.stderr").open("w") as stderr:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)
        try:
            code = process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise LabError(f"the load generator did not finish within {timeout_s:.0f} s; see {out_dir}") from None
    if code not in (0, 1):  # 1: some requests failed, which an overloaded step expects
        raise LabError(f"locust exited with {code}; see {out_dir / 'locust.log'}")


def _unit_cpu(driver: Driver) -> dict[str, float]:
    return {unit: sample.cpu_seconds for unit, sample in driver.sample().items() if sample.up}


def _delta(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
    return {unit: after[unit] - before[unit] for unit in after if unit in before}


@dataclass(frozen=True)
class AtRest:
    """An idle reading: the host's rate (cores) and each model's units' rates with nothing offered."""

    host_cores: float
    units: dict[str, dict[str, float]]  # model -> unit -> cores


def at_rest(entries: Sequence[tuple[str, Driver, str]], seconds: float = IDLE_S) -> AtRest:
    before = {key: _unit_cpu(driver) for key, driver, _ in entries}
    start = hostcpu.Reading.now()
    time.sleep(seconds)
    end = hostcpu.Reading.now()
    after = {key: _unit_cpu(driver) for key, driver, _ in entries}
    idle = hostcpu.spent(start, end)
    return AtRest(idle.model / idle.seconds,
                  {key: {u: d / idle.seconds for u, d in _delta(before[key], after[key]).items()} for key in before})


def around(before: AtRest, after: AtRest) -> AtRest:
    """The rate at rest over a round: the mean of the readings on either side of it. One reading alone carries
    the noise of its few seconds into every cost of the round (at 150 req/s the host at rest is a fifth of a
    window's CPU); two halve it, and a model measured late in the round is not judged by a reading made long
    before it."""
    units = {key: {u: (rate + after.units[key][u]) / 2 for u, rate in found.items() if u in after.units.get(key, {})}
             for key, found in before.units.items()}
    return AtRest((before.host_cores + after.host_cores) / 2, units)


@dataclass(frozen=True)
class Window:
    """What one cost run measured, before the host's rate at rest is taken off (cost_of)."""

    model: str
    round: int
    rate: float
    seconds: float
    ok: int
    failed: int
    model_cpu_s: float  # host less generator and lab over the window
    generator_cpu_s: float
    units_cpu_s: dict[str, float]  # each unit's own CPU over the window
    lag_p99_ms: float | None
    groups: dict[str, dict[str, float | int | None]]


def measure_window(driver: Driver, base_url: str, plan: Plan, key: str, round_: int, out_dir: Path) -> Window:
    """The common rate, and the CPU the whole host and each unit spent meanwhile."""
    command = locust_open_loop(driver.ctx, base_url, out_dir, [(plan.cost_rate, plan.cost_s)], plan.mix, seed=round_)
    units2, start = _unit_cpu(driver), hostcpu.Reading.now()
    _run_locust(command, out_dir, timeout_s=plan.cost_s + 60)
    end, units3 = hostcpu.Reading.now(), _unit_cpu(driver)
    spent = hostcpu.spent(start, end)
    rows = read_rows(out_dir)
    ok = sum(r.request.outcome != "failed" for r in rows)
    lags = [r.lag_ms for r in rows if r.lag_ms is not None]
    return Window(key, round_, plan.cost_rate, round(spent.seconds, 3), ok, len(rows) - ok, spent.model,
                  round(spent.generator, 3), _delta(units2, units3), percentile(lags, 0.99) if lags else None,
                  group_latency([r.request for r in rows]))


def cost_of(window: Window, rest: AtRest) -> CostRun:
    """What the requests cost: the window's CPU less the rate at rest over the window."""
    idle_rate, units_idle = rest.host_cores, rest.units.get(window.model, {})
    units = {u: round(d - units_idle.get(u, 0.0) * window.seconds, 4) for u, d in window.units_cpu_s.items()}
    return CostRun(
        model=window.model, round=window.round, rate=window.rate, seconds=window.seconds, ok=window.ok,
        failed=window.failed, model_cpu_s=round(max(window.model_cpu_s - idle_rate * window.seconds, 0.0), 4),
        idle_cores=round(idle_rate, 4), generator_cpu_s=window.generator_cpu_s, units_cpu_s=units,
        lag_p99_ms=window.lag_p99_ms, groups=window.groups,
    )


def group_latency(requests: Sequence[Request]) -> dict[str, dict[str, float | int | None]]:
    """Per endpoint group: p50 and p99 of the answered requests (ms, from their scheduled time), and how many."""
    found: dict[str, dict[str, float | int | None]] = {}
    for group in sorted({r.group for r in requests}):
        answered = [r.ms for r in requests if r.group == group and r.outcome != "failed"]
        found[group] = {"p50": percentile(answered, 0.5), "p99": percentile(answered, 0.99), "n": len(answered)}
    return found


def measure_sweep(driver: Driver, base_url: str, plan: Plan, key: str, round_: int, out_dir: Path) -> Sweep:
    steps = [(rate, plan.sweep_step_s) for rate in plan.sweep_rates]
    command = locust_open_loop(driver.ctx, base_url, out_dir, steps, plan.mix, seed=1000 + round_)
    _run_locust(command, out_dir, timeout_s=len(steps) * plan.sweep_step_s + 90)
    rows = read_rows(out_dir)
    slo = knee.Slo(dict(plan.slo_p99_ms))
    points, measured = [], []
    for index, rate in enumerate(plan.sweep_rates):
        requests = [r.request for r in rows if r.step == index]
        # judged against what was really scheduled: Poisson arrivals offer the nominal rate only on average
        point = knee.point_from(requests, len(requests) / plan.sweep_step_s, plan.sweep_step_s)
        verdict = knee.judge(point, slo)
        points.append(point)
        measured.append(SweepStep(rate, round(point.achieved, 2), round(point.error_rate, 5), group_latency(requests),
                                  verdict.ok, verdict.reasons))
    met = [step.meets_slo for step in measured]
    last = next((i for i, ok in enumerate(met) if not ok), len(met)) - 1  # the last rate met before the first miss
    found = plan.sweep_rates[last] if last >= 0 else None
    first_fail = plan.sweep_rates[last + 1] if last + 1 < len(met) else None
    return Sweep(key, round_, tuple(measured), found, first_fail)


def measure_rate(ctx: LabContext, base_url: str, rate: float, seconds: float, mix: str, out_dir: Path,
                 seed: int) -> knee.Point:
    """One offered rate held for `seconds`, open loop in the fixed mix: a point for the knee search to judge."""
    _run_locust(locust_open_loop(ctx, base_url, out_dir, [(rate, seconds)], mix, seed), out_dir, timeout_s=seconds + 60)
    requests = [r.request for r in read_rows(out_dir)]
    return knee.point_from(requests, len(requests) / seconds, seconds)


# --- the rounds ---------------------------------------------------------------------------------------------------

def run_rounds(entries: Sequence[tuple[str, Driver, str]], plan: Plan, out_dir: Path, log: Log,
               on_phase: Callable[[str, str], None] | None = None) -> Performance:
    """entries: (model key, its driver, its base URL), every one up. Round r measures them in an order rotated by r,
    so no model is always first after a pause or last before one."""
    out_dir.mkdir(parents=True, exist_ok=True)
    result = Performance(plan={**asdict(plan), "slo_p99_ms": dict(plan.slo_p99_ms), "idle_s": IDLE_S})
    rest = at_rest(entries)
    for round_ in range(plan.rounds):
        shift = round_ % max(len(entries), 1)
        order = [*entries[shift:], *entries[:shift]]
        result.order.append([key for key, _, _ in order])
        windows: list[Window] = []
        knees: dict[str, str] = {}
        for key, driver, base_url in order:
            if key in result.errors:
                continue
            if on_phase:
                on_phase(key, f"round {round_ + 1}/{plan.rounds}")
            try:
                windows.append(measure_window(driver, base_url, plan, key, round_, out_dir / f"{key}-r{round_ + 1}-cost"))
                if round_ in plan.sweep_rounds:
                    sweep = measure_sweep(driver, base_url, plan, key, round_, out_dir / f"{key}-r{round_ + 1}-sweep")
                    result.sweeps.append(sweep)
                    knees[key] = f"; knee {sweep.knee} req/s"
            except (LabError, OSError, ValueError) as exc:
                result.errors[key] = f"round {round_ + 1}: {exc}"
                log(f"[compare] model {key}: rounds stopped — {exc}")
        # the rate at rest after the round: this round's second reading, and the next one's first
        after = at_rest([e for e in entries if e[0] not in result.errors])
        for window in windows:
            cost = cost_of(window, around(rest, after))
            result.costs.append(cost)
            log(f"[compare] model {window.model}, round {round_ + 1}: cost {cost.per_1000} CPU-s per 1000 requests "
                f"at {plan.cost_rate:g} req/s{knees.get(window.model, '')}")
        rest = after
        result.write(out_dir / "performance.json")
    return result
