"""summary.json: every figure of one run, computed from its files (request log, samples, events)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploylab_loadtests.shape_table import stages

from deploylab.core.driver import UNDO
from deploylab.measure import analysis
from deploylab.measure.records import (
    CapacityFigures,
    FaultFigures,
    GeneratorLoad,
    HostSpeed,
    PageTime,
    RunMeta,
    RunSummary,
    SteadyLead,
    StepFigures,
)
from deploylab.measure.resources import generator_cpu, usage
from deploylab.measure.scenarios import Fault, Scenario
from deploylab.report import page_time

BIN_S = 1.0
METHOD = {
    "percentiles": "exact, nearest rank, over every answered request (ok or degraded) in the per-request log; "
                   "failed requests count in the error rate, not in the latencies",
    "throughput": "requests started per second in the window, every outcome",
    "windows": "steady (a chained run's lead with no fault): from the end of the ramp-up to the lead's end; "
               "before: from the end of the ramp-up to the first fault (every fault of a run has this one "
               "baseline); during: the fault's at..until, or at..at+window_s for a fault with no end (kill, crash), "
               "longer when its action took longer to carry out (a redeploy: until its rollout ended); after: from "
               "the end of during to the next fault's start or the end of the load",
    "blast_radius": "a group is in the blast radius when, during the fault, its failed share exceeds the "
                    "baseline's by more than rate_points (failed), else its degraded share does (degraded), "
                    "else its p95 exceeds max(p95_ratio x baseline, baseline + p95_floor_ms) (slow)",
    "recovery": "time to recover: from the fault's end (until_s, when a stopped unit or a powered-off machine "
                "was started again, so its boot counts; for a kill or crash, the restart the sampler "
                "saw, else the fault itself) to the start of the first recover_bins consecutive 1-s bins in "
                "which every group of the blast radius is back within the same thresholds; bins without a "
                "request of those groups are skipped. outage: the same point measured from the fault's start",
    "page_time": "where a page's time goes (summary.json's page_time): per Server-Timing entry of the page group's "
                 "answered requests in the before window (steady load, before any fault), its median (nearest rank) "
                 "and the number of answers that carried it; one name met twice in an answer adds up",
}


@dataclass(frozen=True)
class Series:
    """What the run's plots draw: 1-s bins per group from t0 and the sampler's readings."""

    t0: float
    bin_s: float
    bins: dict[str, list[analysis.Figures]]
    samples: list[dict[str, Any]]  # samples.jsonl's rows


def _plateau(steps: list[analysis.Step]) -> float | None:
    found = analysis.plateau(steps)
    return None if found is None else round(found, 2)


def _rounded(figures: dict[str, analysis.Figures]) -> dict[str, analysis.Figures]:
    """As summary.json keeps them, so the reports read the figures the file holds."""
    return {group: figure.rounded() for group, figure in figures.items()}


def _rel(t: float | None, t0: float) -> float | None:
    return None if t is None else _since(t, t0)


def _since(t: float, t0: float) -> float:
    """Seconds from t0, as the summary writes them."""
    return round(t - t0, 2)


RESTARTS = ("unit-up-seen", "unit-restart-seen")


def _first(events: list[dict[str, Any]], kinds: tuple[str, ...], hosts: set[str], after: float,
           before: float = float("inf")) -> float | None:
    seen = [e["t"] for e in events if e["kind"] in kinds and e.get("unit") in hosts and after < e["t"] < before]
    return min(seen, default=None)


def fault_figures(
    fault: Fault, scenario: Scenario, requests: list[analysis.Request], bins: dict[str, list[analysis.Figures]],
    t0: float, segment_end: float, baseline: tuple[float, float], events: list[dict[str, Any]],
    units: list[tuple[str, tuple[str, ...]]], done: float | None = None, error: str | None = None,
) -> FaultFigures:
    """One fault's figures. segment_end: the next fault's start, or the end of the load: a fault is judged
    only up to there. units: (name, services) of each unit. done: when the action was carried out (a
    redeploy's rollout ends long after it began). error: why it could not be carried out."""
    at = t0 + fault.at_s
    planned = t0 + (fault.until_s if fault.until_s is not None else fault.at_s + scenario.window_s)
    during_end = min(segment_end, max(planned, done or planned))
    before = analysis.by_group(requests, *baseline)
    during = analysis.by_group(requests, at, during_end)
    after = analysis.by_group(requests, during_end, segment_end)
    radius = analysis.blast_radius(before, during, scenario.thresholds)
    hosts = {name for name, services in units if fault.service in services} | ({fault.unit} if fault.unit else set())
    # an assault may end in a restart too: a leak past the unit's limit is killed by the kernel (oom-kill events
    # come from the kernel's log, platform/oom.py) and its fault lasts until the unit is back
    restart = _first(events, RESTARTS, hosts, at, segment_end if fault.until_s is not None else float("inf"))
    oom_killed = _first(events, ("oom-kill",), hosts, at, segment_end)
    oom_watched = any(e["kind"] == "oom-watched" and hosts <= set(e["units"]) for e in events)
    if fault.until_s is None:
        fault_end = max(restart or at, done or at)
    elif fault.kind in UNDO:  # the lab started it again at until_s: the recovery counts from there, the boot in it
        fault_end = t0 + fault.until_s
    else:
        fault_end = max(t0 + fault.until_s, restart or at)
    broken = [group for group, verdict in radius.items() if verdict]
    back = analysis.recovered_at(bins, t0, before, broken, fault_end, scenario.thresholds, BIN_S, until=segment_end)
    return FaultFigures(
        fault=fault,
        window_s=(_since(at, t0), _since(during_end, t0)),
        baseline_window_s=(_since(baseline[0], t0), _since(baseline[1], t0)),
        segment_end_s=_rel(segment_end, t0),
        before=_rounded(before), during=_rounded(during), after=_rounded(after),
        blast_radius=radius,
        restart_seen_s=_rel(restart, t0),
        oom_killed_s=_rel(oom_killed, t0), oom_watched=oom_watched,
        done_s=_rel(done, t0),
        fault_end_s=_rel(fault_end, t0),
        back_within_threshold_s=_rel(back, t0),
        # nothing broke: no outage and nothing to recover from, whatever the fault's own duration
        time_to_recover_s=None if back is None else round(back - fault_end, 2) if broken else 0.0,
        outage_s=None if back is None else round(back - at, 2) if broken else 0.0,
        recovered=back is not None,
        error=error,
    )


def all_fault_figures(
    scenario: Scenario, requests: list[analysis.Request], bins: dict[str, list[analysis.Figures]],
    t0: float, load_end: float, baseline_start: float, events: list[dict[str, Any]],
    units: list[tuple[str, tuple[str, ...]]],
) -> list[FaultFigures]:
    """Every fault against the one baseline before the first; each judged up to the next fault's start."""
    starts = sorted(t0 + f.at_s for f in scenario.faults)
    baseline = (baseline_start, starts[0]) if starts else (baseline_start, load_end)
    done = {e["index"]: e["t"] for e in events if e["kind"] == "fault" and "index" in e}  # carried out, wall clock
    failed = {e["index"]: e["error"] for e in events if e["kind"] == "fault-failed" and "index" in e}
    figures = []
    for index, fault in enumerate(scenario.faults):
        segment_end = min([s for s in starts if s > t0 + fault.at_s] + [load_end])
        figures.append(fault_figures(fault, scenario, requests, bins, t0, segment_end, baseline, events, units,
                                     done.get(index), failed.get(index)))
    return figures


def capacity_figures(scenario: Scenario, requests: list[analysis.Request], t0: float,
                     host_speed: HostSpeed | None) -> CapacityFigures:
    """A step run's steps, each within the SLO or not, the best of them and the plateau."""
    steps = [(s.users, t0 + s.start_s, t0 + s.end_s) for s in stages("step", scenario.duration_s, scenario.users)]
    measured, best = analysis.capacity(requests, steps, scenario.slo_p95_ms, scenario.slo_error_rate)
    return CapacityFigures(
        slo_p95_ms=scenario.slo_p95_ms, slo_error_rate=scenario.slo_error_rate,
        steps=tuple(StepFigures(s.users, (_since(s.start, t0), _since(s.end, t0)), s.sustained, s.figures.rounded())
                    for s in measured),
        best_throughput=round(best.figures.throughput, 2) if best else None,
        best_users=best.users if best else None,
        plateau_throughput=_plateau(measured),
        plateau_within=analysis.PLATEAU_WITHIN,
        host_speed=host_speed,
    )


def baseline_window(scenario: Scenario, t0: float, load_end: float) -> tuple[float, float]:
    """The run's steady stretch, wall clock: from the end of the ramp-up to the first fault, or the end of the load."""
    # the closed loop's users arrive at spawn_rate; the open loop's schedule runs at its rate from its first second
    ramp = 1.0 if scenario.rate is not None else scenario.users / max(scenario.spawn_rate, 0.1) + 1.0
    first_fault = min((f.at_s for f in scenario.faults), default=None)
    start = t0 + min(ramp, first_fault / 2 if first_fault else ramp)
    return start, load_end if first_fault is None else t0 + first_fault


def run_page_time(out_dir: Path, meta: RunMeta) -> PageTime | None:
    """Where a page's time goes at the steady load: over the run's baseline window, before any fault."""
    t0, load_end = meta.load_window
    start, end = baseline_window(meta.scenario, t0, load_end)
    return page_time.from_log(sorted(out_dir.glob("requests.*.csv")), start, end, t0)


def summarize(
    out_dir: Path, meta: RunMeta, events: list[dict[str, Any]], samples: list[dict[str, Any]],
    generator_limit: float,
) -> tuple[RunSummary, Series]:
    """(summary for summary.json, series for the plots)."""
    scenario = meta.scenario
    requests = analysis.read_requests(sorted(out_dir.glob("requests.*.csv")))
    t0, load_end = meta.load_window
    baseline_start, _ = baseline_window(scenario, t0, load_end)
    bins = analysis.timeline(requests, t0, max(load_end, t0 + BIN_S), BIN_S)
    units = [(u.name, u.services) for u in meta.deployment.units] if meta.deployment else []
    # the generator's peak while the figures were measured: its first reading is Locust's own start (imports,
    # spawning users; up to ~95 % of a core for a second), which is not load and queues no measured request
    generator_max = max((cpu for t, cpu in generator_cpu(samples) if baseline_start < t <= load_end), default=0.0)
    steady = None
    if scenario.steady_s:  # a chained run's lead with no fault: the steady scenario's figures, same window
        steady = SteadyLead((_since(baseline_start, t0), scenario.steady_s),
                            _rounded(analysis.by_group(requests, baseline_start, t0 + scenario.steady_s)))
    summary = RunSummary(
        run_id=meta.run_id, model=meta.model, model_title=meta.model_title, partial=meta.partial,
        scenario=scenario, profile=meta.profile, machine=meta.machine, pinning=meta.pinning,
        deployment=meta.deployment, method=METHOD, thresholds=scenario.thresholds,
        requests_logged=len(requests),
        load_window_s=(0.0, _since(load_end, t0)),
        overall=_rounded(analysis.by_group(requests, baseline_start, load_end)),
        faults=tuple(all_fault_figures(scenario, requests, bins, t0, load_end, baseline_start, events, units)),
        resources=usage(samples, meta.idle, (t0, load_end)),
        generator=GeneratorLoad(round(generator_max, 1), generator_limit, generator_max > generator_limit),
        events=tuple({**e, "t": _rel(e["t"], t0)} for e in events),
        locust_command=meta.locust_command,
        steady=steady,
        capacity=capacity_figures(scenario, requests, t0, meta.host_speed) if scenario.shape == "step" else None,
        page_time=run_page_time(out_dir, meta),
    )
    return summary, Series(t0, BIN_S, bins, samples)
