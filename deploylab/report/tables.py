"""The report's tables as rows, shared by summary.md and report.html so both say the same."""

from __future__ import annotations

from typing import Any

from deploylab.measure.analysis import PLATEAU_WITHIN

FIGURE_COLUMNS = ("group", "req/s", "p50 ms", "p95 ms", "p99 ms", "failed %", "degraded %", "requests")


def _num(value: Any, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def figure_rows(figures: dict[str, dict[str, Any]]) -> list[list[str]]:
    return [[group, _num(f["throughput"]), _num(f["p50"]), _num(f["p95"]), _num(f["p99"]),
             _num(100 * f["error_rate"], 2), _num(100 * f["degraded_rate"], 2), str(f["count"])]
            for group, f in figures.items()]


def fault_rows(fault: dict[str, Any]) -> list[list[str]]:
    """One row per group: p95 and failed/degraded % before / during / after, and its blast-radius verdict."""
    rows = []
    for group, verdict in {**fault["blast_radius"], "all": None}.items():
        cells = [group]
        for window in ("before", "during", "after"):
            f = fault[window][group]
            cells.append(f"{_num(f['p95'])} / {_num(100 * f['error_rate'], 1)} / {_num(100 * f['degraded_rate'], 1)}")
        cells.append(verdict or ("" if group == "all" else "within"))
        rows.append(cells)
    return rows


FAULT_COLUMNS = ("group", "before p95 ms / failed % / degraded %", "during", "after", "blast radius")
RESOURCE_COLUMNS = ("unit", "memory source", "CPU % under load", "memory idle MiB", "memory load mean MiB",
                    "memory load max MiB", "overhead MiB")


def resource_rows(resources: dict[str, dict[str, Any]]) -> list[list[str]]:
    rows = []
    for unit, r in resources.items():
        rows.append([unit, r.get("memory_source", "sum"), _num(r.get("cpu_percent_load")), _num(r.get("memory_idle_mib")),
                     _num(r.get("memory_load_mean_mib")), _num(r.get("memory_load_max_mib")), _num(r.get("overhead_mib"))])
    return rows


STEP_COLUMNS = ("users", "window s", "req/s", "p95 ms", "failed %", "within SLO")


def step_rows(capacity: dict[str, Any]) -> list[list[str]]:
    return [[str(s["users"]), f"{s['window_s'][0]:.0f}-{s['window_s'][1]:.0f}", _num(s["throughput"]), _num(s["p95"]),
             _num(100 * s["error_rate"], 2), "yes" if s["sustained"] else "no"] for s in capacity["steps"]]


def recovery_line(fault: dict[str, Any]) -> str:
    f = fault["fault"]
    target = f["unit"] or f["service"]
    if fault.get("error"):
        return f"{f['kind']} {target} at {f['at_s']:.1f} s: NOT CARRIED OUT ({fault['error']}); the figures above mean nothing"
    restart = f"restart seen at {fault['restart_seen_s']} s; " if fault["restart_seen_s"] is not None else ""
    if fault.get("done_s") is not None and fault["done_s"] - f["at_s"] >= 1.0:
        restart = f"carried out by {fault['done_s']} s; " + restart
    if not fault["recovered"]:
        return (f"{f['kind']} {target} at {f['at_s']:.1f} s: {restart}not back within the thresholds before "
                f"{'the next fault' if f.get('name') else 'the load ended'} ({fault.get('segment_end_s')} s)")
    return (f"{f['kind']} {target} at {f['at_s']:.1f} s: {restart}fault end {fault['fault_end_s']} s; back within "
            f"thresholds at {fault['back_within_threshold_s']} s: time to recover {fault['time_to_recover_s']} s, "
            f"outage {fault['outage_s']} s")


def capacity_line(capacity: dict[str, Any]) -> str:
    slo = capacity["slo"]
    within = 100 * capacity.get("plateau_within", PLATEAU_WITHIN)
    return (f"Highest sustained throughput: {capacity['best_throughput']} req/s at {capacity['best_users']} users; "
            f"plateau (median of the sustained steps within {within:.0f} % of it): {capacity.get('plateau_throughput')} req/s "
            f"(SLO p95 <= {slo['p95_ms']} ms, failed <= {100 * slo['error_rate']:.0f} %).")


def steady_title(steady: dict[str, Any]) -> str:
    start, end = steady["window_s"]
    return f"Steady load, before any fault ({start:.1f}–{end:.1f} s: the steady scenario's figures)"
