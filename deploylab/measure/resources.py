"""Per-unit resource figures from the sampler's readings: CPU% and memory, idle and under load."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from typing import Any

from deploylab.measure.records import Resources, UnitUsage
from deploylab.measure.sampler import GENERATOR_UNIT

MIB = 1024 * 1024


def memory_bytes(row: dict[str, Any]) -> int:
    """The figure the unit's memory_source names: USS or PSS where known, else RSS (a cgroup's usage for containers)."""
    source = row.get("memory_source", "rss")
    if source in ("uss", "pss") and row.get(source) is not None:
        return int(row[source])
    return int(row.get("rss") or 0)


def cpu_series(rows: list[dict[str, Any]]) -> list[tuple[float, float]]:
    """(t, CPU%) between consecutive readings of one unit; a drop in CPU seconds is a new process."""
    series = []
    for before, after in zip(rows, rows[1:], strict=False):
        dt = after["t"] - before["t"]
        if dt <= 0 or not after.get("up"):
            continue
        used = after["cpu_seconds"] - before["cpu_seconds"]
        if used < 0:
            used = after["cpu_seconds"]
        series.append((after["t"], 100.0 * used / dt))
    return series


def per_unit(samples: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    units: dict[str, list[dict[str, Any]]] = {}
    for row in samples:
        if row.get("unit") != GENERATOR_UNIT:
            units.setdefault(row["unit"], []).append(row)
    return units


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 2) if values else None


def usage(samples: list[dict[str, Any]], idle: tuple[float, float], load: tuple[float, float]) -> Resources:
    """Per unit and total: mean CPU% under load, memory (MiB) idle (median) and under load (mean, max)."""
    units: dict[str, UnitUsage] = {}
    for unit, rows in sorted(per_unit(samples).items()):
        up_rows = [row for row in rows if row.get("up")]
        idle_mem = [memory_bytes(r) / MIB for r in up_rows if idle[0] <= r["t"] < idle[1]]
        load_mem = [memory_bytes(r) / MIB for r in up_rows if load[0] <= r["t"] < load[1]]
        load_cpu = [cpu for t, cpu in cpu_series(rows) if load[0] <= t < load[1]]
        overhead = [r["overhead_rss"] / MIB for r in up_rows if r.get("overhead_rss")]
        units[unit] = UnitUsage(
            memory_source=rows[-1].get("memory_source", "rss"),
            cpu_percent_load=_mean(load_cpu),
            memory_idle_mib=round(statistics.median(idle_mem), 1) if idle_mem else None,
            memory_load_mean_mib=_mean(load_mem),
            memory_load_max_mib=round(max(load_mem), 1) if load_mem else None,
            overhead_mib=_mean(overhead),
            reserved_mib=round(rows[-1]["reserved"] / MIB, 1) if rows[-1].get("reserved") else None,
        )
    total = lambda key: round(sum((getattr(u, key) or 0.0 for u in units.values()), 0.0), 1)  # noqa: E731
    return Resources(units, UnitUsage(cpu_percent_load=total("cpu_percent_load"),
                                      memory_idle_mib=total("memory_idle_mib"),
                                      memory_load_mean_mib=total("memory_load_mean_mib"),
                                      memory_load_max_mib=total("memory_load_max_mib")))


def generator_cpu(samples: Iterable[dict[str, Any]]) -> list[tuple[float, float]]:
    return [(row["t"], row["cpu_percent"]) for row in samples if row.get("unit") == GENERATOR_UNIT]
