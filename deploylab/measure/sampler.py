"""Resource sampling during a run: the driver's per-unit readings and the load generator's own CPU.

A thread reads `driver.sample()` at a fixed rate (>= 1 Hz), appends each reading to samples.jsonl,
and notices when a unit goes down, comes back, or restarts between two readings (its CPU seconds
fell), so the event log shows restarts the model made on its own.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import psutil

from deploylab.core.driver import Driver, Sample

GENERATOR_UNIT = "locust"  # the load generator's row in samples.jsonl


class Sampler(threading.Thread):
    def __init__(
        self,
        driver: Driver,
        path: Path,
        on_event: Callable[[str, dict[str, Any]], None],
        interval_s: float = 1.0,
    ) -> None:
        super().__init__(name="sampler", daemon=True)
        self.driver = driver
        self.path = path
        self.on_event = on_event
        self.interval_s = min(interval_s, 1.0)
        self.samples: list[dict[str, Any]] = []
        self._generator: psutil.Process | None = None
        self._last: dict[str, Sample] = {}
        self._halt = threading.Event()
        self._lock = threading.Lock()

    def watch_generator(self, pid: int | None) -> None:
        """The load generator's process (and its workers): its CPU% is sampled beside the units."""
        with self._lock:
            self._generator = psutil.Process(pid) if pid else None
            if self._generator:
                self._generator_cpu(self._generator)  # the first cpu_percent call only sets the origin

    def stop(self) -> None:
        """Stops at once: a reading still in flight (the Docker engine's take about a second) is dropped."""
        self._halt.set()
        self.join(timeout=0.2)

    def taken(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.samples)

    def run(self) -> None:
        with self.path.open("a") as handle:
            while not self._halt.is_set():
                started = time.monotonic()
                self._read_once(handle)
                self._halt.wait(max(0.0, self.interval_s - (time.monotonic() - started)))

    def _read_once(self, handle: TextIO) -> None:
        try:
            readings = self.driver.sample()
        except Exception as exc:  # a reading that fails mid-fault is data, not a reason to stop the run
            self.on_event("sample-failed", {"error": f"{type(exc).__name__}: {exc}"})
            readings = {}
        if self._halt.is_set():
            return  # stopped while reading: the run is over and its report may already be written
        rows = [reading.to_json() for reading in readings.values()]
        for reading in readings.values():
            self._notice(reading)
        with self._lock:
            generator = self._generator
        if generator is not None:
            try:
                cpu = self._generator_cpu(generator)
                rows.append({"unit": GENERATOR_UNIT, "t": time.time(), "up": True, "cpu_percent": cpu})
            except psutil.Error:
                pass
        for row in rows:
            handle.write(json.dumps(row) + "\n")
        handle.flush()
        with self._lock:
            self.samples.extend(rows)

    @staticmethod
    def _generator_cpu(process: psutil.Process) -> float:
        """CPU% of the generator and its worker processes, 100 = one core busy."""
        total = process.cpu_percent(None)
        for child in process.children(recursive=True):
            try:
                total += child.cpu_percent(None)
            except psutil.Error:
                pass
        return total

    def _notice(self, reading: Sample) -> None:
        before = self._last.get(reading.unit)
        self._last[reading.unit] = reading
        if before is None:
            return
        if before.up and not reading.up:
            self.on_event("unit-down-seen", {"unit": reading.unit})
        elif not before.up and reading.up:
            self.on_event("unit-up-seen", {"unit": reading.unit})
        elif before.up and reading.up and reading.cpu_seconds + 0.05 < before.cpu_seconds:
            self.on_event("unit-restart-seen", {"unit": reading.unit})
