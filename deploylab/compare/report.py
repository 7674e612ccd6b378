"""The comparison document: compare.json (every collected figure) -> sections for the two writers.

`build_doc` is the only place the document's shape is decided; COMPARISON.md and comparison.html
render the same sections, so both always say the same thing.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from deploylab.compare import baseline, findings, html, markdown, performance, questions, tables
from deploylab.compare.charts import Pictures, pictures
from deploylab.compare.collect import REDEPLOY
from deploylab.compare.records import Comparison, Isolation, ModelColumn
from deploylab.compare.tables import Parts, Section
from deploylab.core.driver import LabContext
from deploylab.core.registry import make_driver
from deploylab.measure.profiles import FAULT_SCENARIOS
from deploylab.measure.rounds import Performance
from deploylab.platform.deps import describe_conflicts, union

FAULT_TITLES = {
    "crash-grades": "Fault: kill -9 whatever hosts Grades",
    "crash-students": "Fault: kill -9 whatever hosts Students",
    "cpu-grades": "Fault: two busy threads inside Grades",
    "leak-grades": "Fault: Grades leaks memory past its limit",
    "crash-grades-one": "Fault: one unit of Grades is killed (one of two replicas in Swarm)",
    "poweroff-grades": "Fault: Grades' machine loses power, and is switched on again (C)",
    "crash-gateway": "Fault: kill -9 the gateway, the one entry (B, C, D)",
    "slow-grades": "Fault: Grades answers late",
    "errors-grades": "Fault: half of Grades' answers fail",
    "partition-grades": "Fault: packets to Grades are dropped (C, D)",
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
            isolation: Isolation | None = None, performance: Performance | None = None) -> Comparison:
    return Comparison(time.time(), models, command=command, profile=profile, repeats=repeats, compare_id=compare_id,
                      elapsed_s=elapsed_s, expected_faults=expected_faults, isolation=isolation, performance=performance)


def as_comparison(doc: Comparison | dict[str, Any]) -> Comparison:
    """The record, or a compare.json as read (any version)."""
    return doc if isinstance(doc, Comparison) else Comparison.from_json(doc)


def sections(doc: Comparison | dict[str, Any], drawn: dict[str, Pictures] | None = None) -> list[Section]:
    """The tables and findings in the report's order, each with its pictures (drawn from compare.json alone
    unless given: compare/charts.py)."""
    doc = as_comparison(doc)
    models = doc.models
    drawn = pictures(doc) if drawn is None else drawn
    result = [
        Section(tables.startup(models), findings.startup(models)),
        Section(tables.memory(models), findings.memory(models)),
        Section(tables.disk(models), findings.disk(models)),
        *performance.sections(doc.performance),
    ]
    # the closed-loop tables, where a profile ran those phases (full): steady latency and the step load
    if any(m.capacity.best_throughput for m in models.values()):
        result.append(Section(tables.capacity(models), findings.capacity(models)))
    if any(m.latency.throughput for m in models.values()):
        result.append(Section(tables.latency(models), findings.latency(models)))
    if any(m.page_time for m in models.values()):
        result.append(Section(tables.page_time(models), findings.page_time(models)))
    expected = doc.expected_faults or [s for s in FAULT_SCENARIOS if any(s in m.faults for m in models.values())]
    for scenario in (s for s in FAULT_SCENARIOS if s in expected):
        result.append(Section(tables.fault(models, scenario, FAULT_TITLES[scenario]), findings.fault(models, scenario)))
    if any(REDEPLOY in m.faults or REDEPLOY in m.errors for m in models.values()):  # a profile without it: no table
        result.append(Section(tables.redeploy(models), findings.redeploy(models)))
    for section in result:
        found = drawn.get(section.table.key)
        section.chart = found.inline() if found else ""
    return result


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


def table_csv(table: tables.Table) -> str:
    """A table as CSV: its header row and its rows, the cells as the report prints them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([table.columns[0] or "figure", *table.columns[1:]])
    writer.writerows(table.rows)
    return out.getvalue()


def write(doc: Comparison | dict[str, Any], out_dir: Path, runs: Sequence[Path] = (),
          against: baseline.Against | None = None) -> Path:
    """compare.json, COMPARISON.md and comparison.html into out_dir, each chart as charts/<name>.svg and .png,
    each table as tables/<key>.csv; returns the HTML's path. runs: folders that may hold the runs compare.json
    names (for the fault timelines; default: out_dir's sibling runs/, as `deploylab compare` lays them out).
    against: the section comparing every figure with a baseline (compare/baseline.py)."""
    doc = as_comparison(doc)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "compare.json").write_text(json.dumps(doc.to_json(), indent=2, default=str))
    drawn = pictures(doc, list(runs) or [out_dir.parent / "runs"])
    parts = Parts(header(doc), warnings(doc), sections(doc, drawn), questions.answers(doc.models), isolation_lines(doc))
    _replace_folder(out_dir / "charts")
    for found in drawn.values():
        for chart in found.charts:
            chart.write(out_dir / "charts")
    _replace_folder(out_dir / "tables")
    for section in parts.sections:
        (out_dir / "tables" / f"{section.table.key}.csv").write_text(table_csv(section.table))
    if against:
        for table in against.tables:
            (out_dir / "tables" / f"{table.key}.csv").write_text(table_csv(table))
        (out_dir / "tables" / "baseline.csv").write_text(against.csv)
    (out_dir / "COMPARISON.md").write_text(markdown.render(doc, parts, drawn, against))
    (out_dir / "comparison.html").write_text(html.render(doc, parts, against))
    return out_dir / "comparison.html"


def _replace_folder(folder: Path) -> None:
    """An empty folder: files of an earlier report (a chart this one has not) must not linger."""
    if folder.exists():
        for old in folder.iterdir():
            if old.is_file() and old.suffix in (".svg", ".png", ".csv"):
                old.unlink()
    folder.mkdir(parents=True, exist_ok=True)
