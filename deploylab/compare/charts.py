"""The comparison's pictures: which charts each section gets, and the data they are drawn from.

Bar charts read compare.json alone (every figure is there, as a list over repeats: the median is drawn).
A fault's timeline needs the runs' request logs (requests.*.csv beside each run's summary.json); when the
run folders are not at hand (a committed reference holds compare.json only) the section says so instead.
The drawing itself is deploylab/report/plots.py, shared with the run reports.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from deploylab_loadtests.groups import GROUPS

from deploylab.compare.collect import REDEPLOY, load_start, read_summary
from deploylab.compare.figures import median
from deploylab.compare.records import Comparison, ModelColumn
from deploylab.core.errors import LabError
from deploylab.measure import analysis
from deploylab.measure.profiles import FAULT_SCENARIOS
from deploylab.measure.records import RunSummary
from deploylab.measure.rounds import Performance
from deploylab.report import plots

MIB = 1024 * 1024
BEFORE_S = 4.0  # seconds drawn ahead of each fault, for its baseline
GROUP_TITLES = {"students": "Students API", "grades": "Grades API", "web": "web page"}
Models = dict[str, ModelColumn]


@dataclass
class Pictures:
    """One section's charts, and why a picture it would have had is missing."""

    charts: list[plots.Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def inline(self) -> str:
        """For comparison.html: each chart's SVG, then the notes."""
        notes = "".join(f"<p class='note'>{_escape(note)}</p>" for note in self.notes)
        return "".join(f"<figure>{chart.inline()}</figure>" for chart in self.charts) + notes


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _values(models: Models, keys: Sequence[str], get: Callable[[ModelColumn], float | None]) -> list[float | None]:
    return [get(models[key]) for key in keys]


def _reserved(model: ModelColumn) -> float | None:
    """As the table reads it: a model with memory readings and nothing reserved reserves 0 MiB."""
    found = median(model.idle.reserved_mib)
    return found if found is not None or median(model.idle.app_mib) is None else 0.0


def _disk_mib(model: ModelColumn) -> float | None:
    total = model.disk.total_bytes if model.disk else None
    return None if total is None else total / MIB


def _fault_seconds(scenario: str, group: str, kind: str) -> Callable[[ModelColumn], float | None]:
    def figure(model: ModelColumn) -> float | None:
        entry = model.faults.get(scenario)
        if entry is None:
            return None
        return median(entry.groups[group].failed_s if kind == "failed" else entry.groups[group].degraded_s)
    return figure


def _p95(group: str) -> Callable[[ModelColumn], float | None]:
    return lambda m: median(m.latency.groups[group].p95)


def bar_charts(doc: Comparison) -> dict[str, list[plots.Chart]]:
    """Section key (the table's) -> its bar charts, drawn from compare.json's figures."""
    models = doc.models
    keys = plots.ordered(list(models))

    def bars(name: str, title: str, unit: str, panels: dict[str, Callable[[ModelColumn], float | None]],
             digits: int = 1) -> list[plots.Chart]:
        return [plots.bars(name, title, keys, {p: _values(models, keys, get) for p, get in panels.items()}, unit,
                           digits)]

    found = {
        "startup": bars("startup", "Start-up: seconds until every readiness probe passes", "s", {
            "cold: first up() after down()": lambda m: median(m.startup.cold_s),
            "warm: stopped and started again": lambda m: median(m.startup.warm_s)}, 2),
        "memory": bars("memory", "Idle memory (no load), MiB", "MiB", {
            "app processes": lambda m: median(m.idle.app_mib),
            "per-unit overhead": lambda m: median(m.idle.overhead_mib),
            "reserved (VMs)": _reserved}, 0),
        "disk": bars("disk", "On disk besides the source, MiB", "MiB", {"environments or images": _disk_mib}, 0),
        "capacity": bars("capacity", "Capacity: req/s held within the SLO (closed-loop step load)", "req/s", {
            "as measured": lambda m: median(m.capacity.plateau_throughput)}, 0),
        "latency": bars("latency", "p95 latency at a fixed load (steady scenario), ms", "ms", {
            GROUP_TITLES[g]: _p95(g) for g in GROUPS}, 1),
    }
    for scenario in (*FAULT_SCENARIOS, REDEPLOY):
        if any(scenario in m.faults for m in models.values()):
            found[scenario] = bars(f"{scenario}-seconds", f"{scenario}: seconds each group failed (1-s bins)", "s",
                                   {GROUP_TITLES[g]: _fault_seconds(scenario, g, "failed") for g in GROUPS}, 0)
    return found


def _run_dir(name: str, roots: Sequence[Path]) -> Path | None:
    for root in roots:
        if (root / name / "summary.json").exists():
            return root / name
    return None


def _timeline(model_key: str, run_dir: Path, summary: RunSummary, scenario: str, repeats: int,
              repeat: int) -> plots.Timeline | None:
    fault = next((f for f in summary.faults if summary.fault_name(f) == scenario and not f.error), None)
    t0 = load_start(run_dir)
    files = sorted(run_dir.glob("requests.*.csv"))
    if fault is None or t0 is None or not files:
        return None
    at = fault.fault.at_s
    start = max(0.0, at - BEFORE_S)
    end = fault.segment_end_s or summary.load_window_s[1]
    bins = analysis.timeline(analysis.read_requests(files), t0 + start, t0 + end)
    seconds = [start - at + i for i in range(len(bins[GROUPS[0]]))]

    def share(attr: str) -> dict[str, list[float | None]]:
        return {g: [round(100 * getattr(b, attr), 1) if b.count else None for b in bins[g]] for g in GROUPS}

    window = (fault.window_s[0] - at, fault.window_s[1] - at)
    note = f"repeat {repeat} of {repeats}" if repeats > 1 else ""
    return plots.Timeline(model_key, seconds, share("error_rate"), share("degraded_rate"), window, note)


def fault_timeline(doc: Comparison, scenario: str, roots: Sequence[Path]) -> tuple[plots.Chart | None, str]:
    """(one row per model around the fault, or None; a note naming what is missing)."""
    rows, missing = [], []
    for key in plots.ordered(list(doc.models)):
        model = doc.models[key]
        if scenario not in model.faults:
            continue
        found = None
        for name in model.runs:
            run_dir = _run_dir(name, roots)
            if run_dir is None:
                continue
            try:
                summary = read_summary(run_dir)
            except LabError:
                continue
            if isinstance(summary, RunSummary):
                found = _timeline(key, run_dir, summary, scenario, doc.times, 1)
            if found:
                break
        if found:
            rows.append(found)
        else:
            missing.append(plots.model_label(key))
    if not rows:
        where = ", ".join(str(r) for r in roots) or "nowhere"
        return None, (f"No timeline for {scenario}: its runs' request logs (requests.*.csv) are not in {where}; "
                      "this comparison was rebuilt from compare.json alone.")
    note = f"No timeline for {', '.join(missing)}: the run folder or its request log is missing." if missing else ""
    title = f"{scenario}: failed (solid) and degraded (dashed) share per endpoint group, 1-s bins"
    return plots.fault_timelines(f"{scenario}-timeline", title, rows), note


def performance_charts(performance: Performance) -> dict[str, Pictures]:
    """The rounds' pictures: each endpoint group's latency against the offered load with the knees, and the cost
    per request stacked by what spent it."""
    found: dict[str, Pictures] = {}
    knees = {model: statistics.median(k) if (k := [s.knee for s in performance.sweeps if s.model == model
                                                  and s.knee is not None]) else None
             for model in {s.model for s in performance.sweeps}}
    curves = []
    for group in GROUPS:
        series: dict[str, list[plots.LoadPoint]] = {}
        for sweep in performance.sweeps:
            if sweep.round == min(s.round for s in performance.sweeps if s.model == sweep.model):
                series[sweep.model] = [(step.offered, _ms(step.groups, group, "p50"), _ms(step.groups, group, "p99"))
                                       for step in sweep.steps]
        if series:
            curves.append(plots.latency_vs_load(f"knee-{group}", f"{GROUP_TITLES[group]}: latency against offered load "
                                                "(p50 solid, p99 dashed; knee dotted)", series, knees))
    if curves:
        found["knee"] = Pictures(curves)
    stacks = {}
    for model in {c.model for c in performance.costs}:
        runs = [c for c in performance.costs if c.model == model and c.ok]
        units = sorted({u for c in runs for u in c.units_cpu_s})
        parts = {u: statistics.median(1000 * c.units_cpu_s.get(u, 0.0) / c.ok for c in runs) for u in units}
        outside = statistics.median(1000 * (c.model_cpu_s - sum(c.units_cpu_s.values())) / c.ok for c in runs) if runs else 0
        stacks[model] = {**{u: max(v, 0.0) for u, v in parts.items()}, "outside the units": max(outside, 0.0)}
    if stacks:
        found["cost-by-unit"] = Pictures([plots.cost_stack("cost-by-unit", "Cost per request by unit (median over rounds)",
                                                           stacks)])
    return found


def _ms(groups: dict[str, dict[str, float | int | None]], group: str, q: str) -> float | None:
    value = groups.get(group, {}).get(q)
    return None if value is None else float(value)


def pictures(doc: Comparison, roots: Sequence[Path] = ()) -> dict[str, Pictures]:
    """Every section's pictures; roots: folders that may hold the runs named in compare.json."""
    found = {key: Pictures(list(charts)) for key, charts in bar_charts(doc).items()}
    if doc.performance is not None:
        found |= performance_charts(doc.performance)
    for scenario in (*FAULT_SCENARIOS, REDEPLOY):
        if scenario not in found:
            continue
        chart, note = fault_timeline(doc, scenario, roots)
        if chart:
            found[scenario].charts.insert(0, chart)
        if note:
            found[scenario].notes.append(note)
    return found
