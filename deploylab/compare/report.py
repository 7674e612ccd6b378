"""The comparison document: compare.json (every collected figure) -> sections for the two writers.

`build_doc` is the only place the document's shape is decided; COMPARISON.md and comparison.html
render the same sections, so both always say the same thing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from deploylab.compare import findings, html, markdown, questions, tables
from deploylab.compare.charts import bar_chart
from deploylab.compare.collect import REDEPLOY
from deploylab.compare.figures import median
from deploylab.compare.records import Comparison, Isolation, ModelColumn
from deploylab.compare.tables import Parts, Section
from deploylab.core.driver import LabContext
from deploylab.core.registry import make_driver
from deploylab.measure.profiles import FAULT_SCENARIOS
from deploylab.platform.deps import describe_conflicts, union
from loadtests.groups import GROUPS

FAULT_TITLES = {
    "crash-grades": "Fault: kill -9 whatever hosts Grades",
    "crash-students": "Fault: kill -9 whatever hosts Students",
    "cpu-grades": "Fault: two busy threads inside Grades",
    "leak-grades": "Fault: Grades leaks memory",
    "slow-grades": "Fault: Grades answers late",
    "errors-grades": "Fault: half of Grades' answers fail",
}


Models = dict[str, ModelColumn]


def isolation(ctx: LabContext, models: list[str]) -> Isolation:
    """Model A's shared environment against the services' own pins (deploylab/platform/deps.py), and env counts."""
    paths = [service.requirements for service in ctx.manifest.services.values()]
    merged, conflicts = union(paths)
    return Isolation(len(merged), describe_conflicts(conflicts, ctx.root),
                     {model: make_driver(model.split("-")[0], ctx).environments() for model in models})


def isolation_lines(doc: Comparison) -> list[str]:
    found = doc.isolation
    if not found:
        return ["Not recorded in these runs."]
    counts = ", ".join(f"{name} {n}" for name, n in found.environments.items())
    lines = [f"Python environments each model needs: {counts} (A: one interpreter for every app; the others: one per "
             f"service and one for the gateway)."]
    if found.conflicts:
        lines.append(f"The services' requirements conflict in model A's shared environment ({found.packages} packages): "
                     + "; ".join(found.conflicts) + ". A cannot be built until they agree; B, C and D are unaffected.")
    else:
        lines.append(f"The services' requirements do not conflict today: model A's shared environment holds all "
                     f"{found.packages} packages at one version each. The first pin two services disagree on breaks A only.")
    return lines


def new_doc(models: Models, *, command: str | None = None, profile: str | None = None, repeats: int | None = None,
            compare_id: str | None = None, elapsed_s: float | None = None, expected_faults: list[str] | None = None,
            isolation: Isolation | None = None) -> Comparison:
    return Comparison(time.time(), models, command=command, profile=profile, repeats=repeats, compare_id=compare_id,
                      elapsed_s=elapsed_s, expected_faults=expected_faults, isolation=isolation)


def as_comparison(doc: Comparison | dict[str, Any]) -> Comparison:
    """The record, or a compare.json as read (any version)."""
    return doc if isinstance(doc, Comparison) else Comparison.from_json(doc)


def _series(models: Models, get: Callable[[ModelColumn], float | None]) -> list[float | None]:
    return [get(model) for model in models.values()]


def _disk_mib(model: ModelColumn) -> float | None:
    total = model.disk.total_bytes if model.disk else None
    return total / tables.MIB if total else total


def sections(doc: Comparison | dict[str, Any]) -> list[Section]:
    doc = as_comparison(doc)
    models = doc.models
    names = list(models)

    def chart(title: str, unit: str, series: dict[str, Sequence[float | None]]) -> str:
        return bar_chart(title, names, series, unit)

    result = [
        Section(tables.startup(models), findings.startup(models), chart("Start-up", "s", {
            "cold": _series(models, lambda m: median(m.startup.cold_s)),
            "warm": _series(models, lambda m: median(m.startup.warm_s))})),
        Section(tables.memory(models), findings.memory(models), chart("Idle memory", "MiB", {
            "app processes": _series(models, lambda m: median(m.idle.app_mib)),
            "per-unit overhead": _series(models, lambda m: median(m.idle.overhead_mib)),
            "reserved": _series(models, lambda m: median(m.idle.reserved_mib))})),
        Section(tables.disk(models), findings.disk(models), chart("On disk", "MiB", {
            "disk": _series(models, _disk_mib)})),
        Section(tables.capacity(models), findings.capacity(models), chart("Capacity within the SLO", "req/s", {
            "req/s": _series(models, lambda m: median(m.capacity.plateau_throughput))})),
        Section(tables.latency(models), findings.latency(models), chart("p95 at a fixed load", "ms", {
            g: _series(models, findings.p95_of(g)) for g in GROUPS})),
    ]
    expected = doc.expected_faults or [s for s in FAULT_SCENARIOS if any(s in m.faults for m in models.values())]
    for scenario in (s for s in FAULT_SCENARIOS if s in expected):
        result.append(Section(tables.fault(models, scenario, FAULT_TITLES[scenario]), findings.fault(models, scenario),
                                  _downtime_chart(chart, models, scenario)))
    result.append(Section(tables.redeploy(models), findings.redeploy(models), _downtime_chart(chart, models, REDEPLOY)))
    return result


def _downtime_chart(chart: Callable[[str, str, dict[str, Sequence[float | None]]], str], models: Models,
                    scenario: str) -> str:
    def seconds(group: str) -> Callable[[ModelColumn], float | None]:
        def figure(model: ModelColumn) -> float | None:
            entry = model.faults.get(scenario)
            return None if entry is None else median(entry.groups[group].failed_s)
        return figure
    return chart(f"{scenario}: seconds failed per group", "s", {g: _series(models, seconds(g)) for g in GROUPS})


def warnings(doc: Comparison) -> list[str]:
    lines = [f"{name} {w.phase}: {w.why}" for name, m in doc.models.items() for w in m.warnings]
    if doc.times > 1:
        lines.append("A figure marked ! disagreed across repeats by more than 20 % of its median: do not trust it alone.")
    return lines


def header(doc: Comparison) -> list[str]:
    """What ran, where, how; every line a reader needs to reproduce or distrust the figures."""
    machine = next((m.machine for m in doc.models.values() if m.machine), None)
    pinning = next((m.pinning for m in doc.models.values() if m.pinning), None)
    lines = [f"Command: `{doc.command or '?'}`; profile {doc.profile or '?'}"
             + (f", each phase {doc.times} times (median, range in brackets)" if doc.times > 1 else "")
             + (f"; took {doc.elapsed_s / 60:.1f} min" if doc.elapsed_s else "") + "."]
    if machine:
        versions = ", ".join(f"{k} {v}" for k, v in machine.versions.items() if v)
        lines.append(f"Machine: {machine.cpu_model}, {machine.cores} cores, {machine.memory_bytes / 2**30:.1f} GiB, "
                     f"kernel {machine.kernel}. Versions: {versions}.")
    if pinning:
        lines.append(f"Pinning: system under test on CPUs {pinning.sut_cpus or 'any'}, "
                     f"load generator on {pinning.generator_cpus or 'any'}.")
    for name, model in doc.models.items():
        if model.status != "measured":
            lines.append(f"Model {name}: {model.status} — {model.reason}.")
        for phase, why in model.errors.items():
            lines.append(f"Model {name}, {phase}: {why}.")
    if doc.provider_c:
        lines.append(f"Model C's provider: {doc.provider_c}.")
    return lines


def write(doc: Comparison | dict[str, Any], out_dir: Path) -> Path:
    """compare.json, COMPARISON.md and comparison.html into out_dir; returns the HTML's path."""
    doc = as_comparison(doc)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "compare.json").write_text(json.dumps(doc.to_json(), indent=2, default=str))
    parts = Parts(header(doc), warnings(doc), sections(doc), questions.answers(doc.models), isolation_lines(doc))
    (out_dir / "COMPARISON.md").write_text(markdown.render(doc, parts))
    (out_dir / "comparison.html").write_text(html.render(doc, parts))
    return out_dir / "comparison.html"
