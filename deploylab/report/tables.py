"""The report's tables as rows, shared by summary.md and report.html so both say the same."""

from __future__ import annotations

from deploylab.measure.analysis import Figures
from deploylab.measure.records import CapacityFigures, FaultFigures, PageTime, Resources, SteadyLead

FIGURE_COLUMNS = ("group", "req/s", "p50 ms", "p95 ms", "p99 ms", "failed %", "degraded %", "requests")


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def figure_rows(figures: dict[str, Figures]) -> list[list[str]]:
    return [[group, _num(f.throughput), _num(f.p50), _num(f.p95), _num(f.p99),
             _num(100 * f.error_rate, 2), _num(100 * f.degraded_rate, 2), str(f.count)]
            for group, f in figures.items()]


def fault_rows(fault: FaultFigures) -> list[list[str]]:
    """One row per group: p95, failed/degraded % and the requests they rest on, before / during / after, and its
    blast-radius verdict."""
    rows = []
    for group, verdict in {**fault.blast_radius, "all": None}.items():
        cells = [group]
        for window in (fault.before, fault.during, fault.after):
            f = window[group]
            cells.append(f"{_num(f.p95)} / {_num(100 * f.error_rate, 1)} / {_num(100 * f.degraded_rate, 1)} "
                         f"/ {f.count}")
        cells.append(verdict or ("" if group == "all" else "within"))
        rows.append(cells)
    return rows


FAULT_COLUMNS = ("group", "before: p95 ms / failed % / degraded % / requests", "during", "after", "blast radius")
RESOURCE_COLUMNS = ("unit", "memory source", "CPU % under load", "memory idle MiB", "memory load mean MiB",
                    "memory load max MiB", "overhead MiB")


def resource_rows(resources: Resources) -> list[list[str]]:
    rows = []
    units = [*resources.units.items(), *([("total", resources.total)] if resources.total else [])]
    for unit, r in units:
        rows.append([unit, r.memory_source or "sum", _num(r.cpu_percent_load), _num(r.memory_idle_mib),
                     _num(r.memory_load_mean_mib), _num(r.memory_load_max_mib), _num(r.overhead_mib)])
    return rows


STEP_COLUMNS = ("users", "window s", "req/s", "p95 ms", "failed %", "within SLO")


def _window(start: float | None, end: float | None) -> str:
    return f"{start:.0f}-{end:.0f}"


def step_rows(capacity: CapacityFigures) -> list[list[str]]:
    return [[str(s.users), _window(*s.window_s), _num(s.figures.throughput), _num(s.figures.p95),
             _num(100 * s.figures.error_rate, 2), "yes" if s.sustained else "no"] for s in capacity.steps]


def recovery_line(fault: FaultFigures) -> str:
    f = fault.fault
    if fault.error:
        return f"{f.kind} {f.target} at {f.at_s:.1f} s: NOT CARRIED OUT ({fault.error}); the figures above mean nothing"
    restart = f"restart seen at {fault.restart_seen_s} s; " if fault.restart_seen_s is not None else ""
    if fault.oom_killed_s is not None:
        restart = f"killed by the kernel for memory at {fault.oom_killed_s} s; " + restart
    if fault.done_s is not None and fault.done_s - f.at_s >= 1.0:
        restart = f"carried out by {fault.done_s} s; " + restart
    if not fault.recovered:
        return (f"{f.kind} {f.target} at {f.at_s:.1f} s: {restart}not back within the thresholds before "
                f"{'the next fault' if f.name else 'the load ended'} ({fault.segment_end_s} s)")
    return (f"{f.kind} {f.target} at {f.at_s:.1f} s: {restart}fault end {fault.fault_end_s} s; back within "
            f"thresholds at {fault.back_within_threshold_s} s: time to recover {fault.time_to_recover_s} s, "
            f"outage {fault.outage_s} s")


def capacity_line(capacity: CapacityFigures) -> str:
    within = 100 * capacity.plateau_within
    return (f"Highest sustained throughput: {capacity.best_throughput} req/s at {capacity.best_users} users; "
            f"plateau (median of the sustained steps within {within:.0f} % of it): {capacity.plateau_throughput} req/s "
            f"(SLO p95 <= {capacity.slo_p95_ms} ms, failed <= {100 * capacity.slo_error_rate:.0f} %).")


def steady_title(steady: SteadyLead) -> str:
    start, end = steady.window_s
    return f"Steady load, before any fault ({start:.1f}–{end:.1f} s: the steady scenario's figures)"


PAGE_TIME_COLUMNS = ("entry", "median ms", "n")
PAGE_TIME_NOTE = ("Each hop's Server-Timing entry; an outer hop's time includes the inner ones': a REST hop's own "
                  "cost is about web-students less students, the gateway's about gw less web.")


def page_time_title(page: PageTime) -> str:
    start, end = page.window_s
    return f"Where a page's time goes (steady load, {start:.1f}–{end:.1f} s)"


def page_time_rows(page: PageTime) -> list[list[str]]:
    return [[hop.entry, _num(hop.median_ms), str(hop.n)] for hop in page.hops]
