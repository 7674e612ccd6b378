"""Collects the comparison's figures from run directories (their summary.json), made now or elsewhere.

Every figure is kept as a list, one value per repeat, so the report can show a median and a spread.
A run directory written by the comparison also holds compare-phase.json, which says which column it
belongs to (D and D on Swarm are both model "d" to the runner).
"""

from __future__ import annotations

import json
import statistics
from dataclasses import replace
from pathlib import Path

from deploylab_loadtests.groups import GROUPS

from deploylab.compare.records import (
    STARTUP_KIND,
    Comparison,
    FaultColumn,
    ModelColumn,
    Outcome,
    PhaseWarning,
    StartupSummary,
)
from deploylab.core.errors import LabError
from deploylab.measure import analysis
from deploylab.measure.records import FaultFigures, HostSpeed, JsonObject, RunSummary

PHASE_FILE = "compare-phase.json"
REDEPLOY = "redeploy-grades"

Summary = RunSummary | StartupSummary


def read_json(path: Path) -> JsonObject:
    try:
        found: JsonObject = json.loads(path.read_text())
    except OSError as exc:
        raise LabError(f"cannot read {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise LabError(f"{path} is not JSON: {exc}") from None
    return found


def upgrade(doc: JsonObject) -> Comparison:
    """An earlier compare.json, of any version, as today's record (compare/records.py upgrades it step by step)."""
    return Comparison.from_json(doc)


def read_summary(run_dir: Path) -> Summary:
    """A run directory's summary.json: a measured run's, or the start-up phase's."""
    raw = read_json(run_dir / "summary.json")
    return StartupSummary.from_json(raw) if raw.get("kind") == STARTUP_KIND else RunSummary.from_json(raw)


def load_start(run_dir: Path) -> float | None:
    """The wall-clock start of the measured load, from the run's raw event log."""
    try:
        lines = (run_dir / "events.jsonl").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        event = json.loads(line)
        if event.get("kind") == "load-start":
            return float(event["t"])
    return None


def group_downtime(run_dir: Path, summary: RunSummary, fault: FaultFigures) -> dict[str, dict[str, float | None]] | None:
    """Per group, seconds (1-s bins) from the fault on in which the group was failed, or degraded/slow,
    against its own baseline and the run's thresholds, and cut_off_s: the window's length when its last bin
    was still failed or degraded (the seconds are then a lower bound). None without the request log."""
    t0 = load_start(run_dir)
    files = sorted(run_dir.glob("requests.*.csv"))
    if t0 is None or not files:
        return None
    requests = analysis.read_requests(files)
    load_end = summary.load_window_s[1]
    bins = analysis.timeline(requests, t0, t0 + load_end)
    at = int(fault.fault.at_s)
    until = int(fault.segment_end_s or load_end)  # a chained run's next fault, or the end
    result = {}
    for group in GROUPS:
        verdicts = [analysis.verdict(b, fault.before[group], summary.thresholds) for b in bins[group][at:until]]
        cut = bool(verdicts) and verdicts[-1] in ("failed", "degraded", "slow")
        result[group] = {"failed_s": float(sum(v == "failed" for v in verdicts)),
                         "degraded_s": float(sum(v in ("degraded", "slow") for v in verdicts)),
                         "cut_off_s": float(until - at) if cut else None}
    return result



def _add_startup(model: ModelColumn, summary: StartupSummary) -> ModelColumn:
    model.startup.build_s.extend(summary.startup.build_s)
    model.startup.cold_s.extend(summary.startup.cold_s)
    model.startup.warm_s.extend(summary.startup.warm_s)
    idle = summary.idle
    for mine, value in ((model.idle.app_mib, idle.app_mib), (model.idle.overhead_mib, idle.overhead_mib),
                        (model.idle.reserved_mib, idle.reserved_mib), (model.idle.cpu_percent, idle.cpu_percent)):
        if value is not None:
            mine.append(value)
    source = "idle phase: " + ", ".join(idle.memory_sources)
    return replace(model, idle=replace(model.idle, units=list(idle.units), source=source),
                   disk=summary.disk, environments=summary.environments)


def _idle_from_run(model: ModelColumn, summary: RunSummary) -> ModelColumn:
    """Without a start-up phase (runs made by `deploylab run`): the runner's own idle readings."""
    units = summary.resources.units
    if not units or model.idle.source.startswith("idle phase"):
        return model
    model.idle.app_mib.append(round(sum(r.memory_idle_mib or 0 for r in units.values()), 1))
    model.idle.overhead_mib.append(round(sum(r.overhead_mib or 0 for r in units.values()), 1))
    reserved = [r.reserved_mib for r in units.values() if r.reserved_mib]
    if reserved:
        model.idle.reserved_mib.append(round(sum(reserved), 1))
    return replace(model, idle=replace(model.idle, units=sorted(units),
                                       source=f"runner's idle readings of {summary.run_id}"))


def _add_fault(model: ModelColumn, run_dir: Path, summary: RunSummary) -> None:
    for fault in summary.faults:
        # a chained run's faults each name the scenario they stand for; a single-fault run is its scenario
        name = summary.fault_name(fault)
        if fault.error:  # nothing was broken, so "within" would be a false finding
            model.errors[name] = f"the fault was not carried out ({fault.error})"
            model.warnings.append(PhaseWarning(name, f"the fault was not carried out: {fault.error}"))
            continue
        entry = model.faults.setdefault(name, FaultColumn(fault.fault.kind, fault.fault.target))
        downtime = group_downtime(run_dir, summary, fault)
        for group in GROUPS:
            slot = entry.groups[group]
            slot.verdict.append(fault.blast_radius.get(group))
            if group in fault.before and group in fault.during:
                slot.p99_before_ms.append(fault.before[group].p99)
                slot.p99_during_ms.append(fault.during[group].p99)
                slot.answered_before.append(_answered(fault.before[group]))
                slot.answered_during.append(_answered(fault.during[group]))
            if downtime:
                slot.failed_s.append(downtime[group]["failed_s"] or 0.0)
                slot.degraded_s.append(downtime[group]["degraded_s"] or 0.0)
                slot.cut_off_s.append(downtime[group]["cut_off_s"])
        entry.time_to_recover_s.append(fault.time_to_recover_s)
        entry.outage_s.append(fault.outage_s)
        entry.recovered.append(fault.recovered)
        entry.restart_seen_s.append(fault.restart_seen_s)
        if fault.oom_watched:  # else the lab could not tell, and says "?"
            killed = fault.oom_killed_s
            entry.oom_killed_s.append(None if killed is None else round(killed - fault.fault.at_s, 2))


def _add_run(model: ModelColumn, run_dir: Path, summary: RunSummary) -> ModelColumn:
    name = summary.scenario.name
    if summary.partial:
        model.warnings.append(PhaseWarning(name, "the run was interrupted (partial)"))
    generator = summary.generator
    if generator.overloaded:
        model.warnings.append(PhaseWarning(name, f"the load generator reached {generator.cpu_max_percent}% CPU "
                                                 f"(limit {generator.limit_percent}%)"))
    # the steady scenario: a run of its own, or the lead of a chained run (the same load, before any fault)
    steady = summary.overall if name == "steady" else summary.steady.groups if summary.steady else None
    if steady:
        for group in GROUPS:
            quantiles = model.latency.groups[group]
            for values, value in ((quantiles.p50, steady[group].p50), (quantiles.p95, steady[group].p95)):
                if value is not None:
                    values.append(value)
        model.latency.throughput.append(steady["all"].throughput)
        for hop in summary.page_time.hops if summary.page_time else ():  # over the same stretch: before any fault
            model.page_time.setdefault(hop.entry, []).append(hop.median_ms)
        model = _idle_from_run(model, summary)
    found = summary.capacity
    if found is not None and found.best_throughput is not None:
        model.capacity.plateau_throughput.append(found.plateau_throughput)
        model.capacity.best_throughput.append(found.best_throughput)
        model.capacity.best_users.append(found.best_users)
        model.capacity.host_speed.append(_speed(found.host_speed))
    elif found is not None:
        model.errors["capacity"] = "no step stayed within the SLO"
    if summary.faults:
        _add_fault(model, run_dir, summary)
    return model


def _answered(figures: analysis.Figures) -> int:
    """The requests a p99 is over: the answered ones (ok or degraded)."""
    return round(figures.count * (1 - figures.error_rate))


def _speed(measured: HostSpeed | None) -> float | None:
    """The host's speed around a capacity run: the mean of the readings before and after it."""
    readings = [value for value in (measured.before, measured.after) if value] if measured else []
    return round(statistics.fmean(readings), 2) if readings else None


def column_key(run_dir: Path, summary: Summary) -> tuple[str, str]:
    """(model column, source): the comparison's own label when it wrote one, else the runner's model."""
    phase = run_dir / PHASE_FILE
    if phase.exists():
        label = read_json(phase)
        return label["model_key"], label.get("compare_id", run_dir.parent.name)
    return summary.model_key or summary.model, run_dir.parent.name


def collect(run_dirs: list[Path]) -> dict[str, ModelColumn]:
    """{column: figures}. Runs of one model from different sources get a column each ("b (ref)")."""
    found: list[tuple[Path, Summary, str, str]] = []
    for run_dir in run_dirs:
        if not (run_dir / "summary.json").exists():
            raise LabError(f"{run_dir} has no summary.json: not a run directory")
        summary = read_summary(run_dir)
        found.append((run_dir, summary, *column_key(run_dir, summary)))
    sources: dict[str, set[str]] = {}
    for _, _, key, source in found:
        sources.setdefault(key, set()).add(source)
    models: dict[str, ModelColumn] = {}
    found.sort(key=lambda item: not isinstance(item[1], StartupSummary))  # the idle phase wins over a run's readings
    for run_dir, summary, key, source in found:
        column = key if len(sources[key]) == 1 else f"{key} ({source})"
        model = replace(models.get(column) or ModelColumn.empty(column), model=summary.model,
                        title=summary.model_title, machine=summary.machine, pinning=summary.pinning)
        model.runs.append(run_dir.name)
        if isinstance(summary, StartupSummary):
            model = _add_startup(model, summary)
        else:
            model = _add_run(model, run_dir, summary)
        models[column] = model
    return models


def from_outcomes(outcomes: dict[str, Outcome]) -> dict[str, ModelColumn]:
    """The matrix's columns, in its order: each model's runs collected, with its status and its phases' errors."""
    models = collect([run for outcome in outcomes.values() for run in outcome.runs])
    columns = {}
    for key, outcome in outcomes.items():
        model = models.get(key) or ModelColumn.empty(key)
        columns[key] = replace(model, status=outcome.status, reason=outcome.reason,
                               errors={**model.errors, **outcome.errors}, inapplicable=dict(outcome.inapplicable))
    return columns
