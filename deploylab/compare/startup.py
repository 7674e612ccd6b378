"""The start-up and idle-footprint phase of one model, written as a run directory of its own.

cold: `build()` (a check when the caches are built) then the first `up()` after `down()`.
warm: `warm_start()`: the deployment stopped and started again at once, everything in place and in the
OS page cache (processes and containers: down then up; C's machines reboot as they are).
Both are the driver's `ready_seconds`: from the start of `up` until every readiness probe passed.
idle: readings of `driver.sample()` with no load at all, once the warm start is ready.
The model is left up, so the scenarios that follow reuse it.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

from deploylab.compare.records import Disk, IdleReadings, StartupSummary, StartupTimes
from deploylab.core import lifecycle
from deploylab.core.driver import Driver, LabContext
from deploylab.measure import machine
from deploylab.measure.records import Pinning
from deploylab.measure.resources import MIB, memory_bytes
from deploylab.measure.runner import generator_cpus


def _up(driver: Driver) -> float:
    deployment = driver.up()  # built just before, and timed apart
    lifecycle.mark_up(driver)
    return deployment.ready_seconds


def idle_figures(readings: list[dict[str, dict[str, Any]]], seconds: float | None = None) -> IdleReadings:
    """Medians over the readings of the sums over units; idle CPU from the first to the last reading."""
    def summed(reading: dict[str, dict[str, Any]], key: str) -> float:
        return sum((row.get(key) or 0) for row in reading.values() if row.get("up")) / MIB

    app = [sum(memory_bytes(row) for row in r.values() if row.get("up")) / MIB for r in readings]
    cpu = None
    if len(readings) >= 2:
        first, last = readings[0], readings[-1]
        spent = sum(last[u]["cpu_seconds"] - first[u]["cpu_seconds"] for u in last if u in first)
        elapsed = max(row["t"] for row in last.values()) - max(row["t"] for row in first.values())
        cpu = round(100.0 * max(spent, 0.0) / elapsed, 2) if elapsed > 0 else None
    last = readings[-1] if readings else {}
    return IdleReadings(
        app_mib=round(statistics.median(app), 1) if app else None,
        overhead_mib=round(statistics.median(summed(r, "overhead_rss") for r in readings), 1) if readings else None,
        reserved_mib=round(summed(last, "reserved"), 1) if any(r.get("reserved") for r in last.values()) else None,
        cpu_percent=cpu,
        units=sorted(last),
        memory_sources=sorted({row.get("memory_source", "rss") for row in last.values()}),
        seconds=seconds,
    )


def run_startup(
    ctx: LabContext, driver: Driver, model_key: str, out_dir: Path, idle_s: float, cycles: int = 1,
) -> StartupSummary:
    out_dir.mkdir(parents=True, exist_ok=True)
    build_s: list[float] = []
    cold_s: list[float] = []
    warm_s: list[float] = []
    for _ in range(cycles):
        lifecycle.take_down(driver)  # cold means from nothing running, in every cycle
        started = time.monotonic()
        driver.build()
        build_s.append(round(time.monotonic() - started, 3))
        cold_s.append(_up(driver))
        warm_s.append(driver.warm_start())
        lifecycle.mark_up(driver)
    readings: list[dict[str, dict[str, Any]]] = []
    deadline = time.monotonic() + idle_s
    with (out_dir / "samples.jsonl").open("w") as handle:
        while True:
            reading = {unit: sample.to_json() for unit, sample in driver.sample().items()}
            readings.append(reading)
            handle.writelines(json.dumps(row) + "\n" for row in reading.values())
            if time.monotonic() >= deadline and len(readings) >= 2:  # idle CPU needs two readings, however slow
                break
            time.sleep(1.0)
    footprint = driver.footprint()
    summary = StartupSummary(
        run_id=out_dir.name, model=driver.name, model_key=model_key, model_title=getattr(driver, "title", driver.name),
        startup=StartupTimes(build_s, cold_s, warm_s),
        idle=idle_figures(readings, idle_s),
        disk=Disk(footprint.total_bytes, dict(footprint.parts), footprint.note),
        environments=driver.environments(),
        machine=machine.facts(),
        pinning=Pinning(ctx.sut_cpus, generator_cpus(ctx.sut_cpus)),
    )
    (out_dir / "summary.json").write_text(json.dumps(summary.to_json(), indent=2))
    return summary
