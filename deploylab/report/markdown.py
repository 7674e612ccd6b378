"""summary.md: the run's tables in Markdown, for a terminal or a pull request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from deploylab.measure.records import FaultFigures, RunSummary
from deploylab.report import tables


def _table(columns: Sequence[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def headline(summary: RunSummary) -> list[str]:
    """The lines both reports open with: what ran, where, and any reason to distrust the figures."""
    scenario, machine, pinning = summary.scenario, summary.machine, summary.pinning
    lines = [
        f"Model {summary.model} ({summary.model_title}), scenario {scenario.name} "
        f"({scenario.profile} profile): {scenario.description}",
        f"Load: {scenario.load}, {scenario.duration_s:.0f} s after a "
        f"{scenario.warmup_s:.0f} s warm-up; {summary.requests_logged} requests logged.",
        f"Machine: {machine.cpu_model}, {machine.cores} cores, {machine.memory_bytes / 2**30:.1f} GiB, "
        f"kernel {machine.kernel}. Pinning: system under test on CPUs {pinning.sut_cpus or 'any'}, "
        f"load generator on {pinning.generator_cpus or 'any'}.",
    ]
    ready = summary.deployment.ready_seconds if summary.deployment else None
    if ready is not None and ready == ready:  # NaN: the run found the model already up
        lines.append(f"Start-up: {ready:.2f} s from `up` to every readiness probe passing.")
    if summary.partial:
        lines.append("**PARTIAL RUN**: interrupted before the end; the figures cover what was measured.")
    generator = summary.generator
    if generator.overloaded:
        lines.append(f"**WARNING**: the load generator reached {generator.cpu_max_percent}% CPU (limit "
                     f"{generator.limit_percent}%): latencies may include the generator's own queueing.")
    return lines


def fault_title(fault: FaultFigures) -> str:
    f = fault.fault
    return f"Fault: {f.kind} {f.target} at {f.at_s:.1f} s"


def render(summary: RunSummary) -> str:
    parts = [f"# Run {summary.run_id}", "", *[f"- {line}" for line in headline(summary)], ""]
    parts += ["## Per endpoint group (whole load, after ramp-up)", "",
              _table(tables.FIGURE_COLUMNS, tables.figure_rows(summary.overall)), ""]
    if summary.steady:  # a chained run's lead
        parts += [f"## {tables.steady_title(summary.steady)}", "",
                  _table(tables.FIGURE_COLUMNS, tables.figure_rows(summary.steady.groups)), ""]
    page = summary.page_time
    if page:
        parts += [f"## {tables.page_time_title(page)}", "",
                  _table(tables.PAGE_TIME_COLUMNS, tables.page_time_rows(page)), "", tables.PAGE_TIME_NOTE, ""]
    for fault in summary.faults:
        parts += [f"## {fault_title(fault)}", "",
                  _table(tables.FAULT_COLUMNS, tables.fault_rows(fault)), "", tables.recovery_line(fault), ""]
    if summary.capacity:
        capacity = summary.capacity
        parts += ["## Capacity (step load)", "", _table(tables.STEP_COLUMNS, tables.step_rows(capacity)), "",
                  tables.capacity_line(capacity), ""]
    parts += ["## Resources per unit", "", _table(tables.RESOURCE_COLUMNS, tables.resource_rows(summary.resources)), ""]
    parts += ["## How the figures were computed", ""]
    parts += [f"- **{key}**: {value}" for key, value in summary.method.items()]
    parts += [f"- **thresholds**: {asdict(summary.thresholds)}", ""]
    return "\n".join(parts)
