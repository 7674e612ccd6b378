"""What long work tells the user on stderr: one line per step (`progress`), and during a measured run one
refreshed line (`Progress`): elapsed / remaining, req/s, error %, active fault."""

from __future__ import annotations

import csv
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO


def progress(message: str, model: str = "") -> None:
    """One line on stderr, flushed at once; prefixed with the model it is about."""
    print(f"model {model}: {message}" if model else message, file=sys.stderr, flush=True)


def latest_rates(history: Path) -> tuple[float, float] | None:
    """(requests/s, failures/s) of the newest 'Aggregated' row in Locust's stats history, if any."""
    try:
        with history.open(newline="") as handle:
            rows = [row for row in csv.DictReader(handle) if row.get("Name") == "Aggregated"]
    except OSError:
        return None
    if not rows:
        return None
    try:
        return float(rows[-1]["Requests/s"]), float(rows[-1]["Failures/s"])
    except (KeyError, ValueError):
        return None


class Progress:
    def __init__(
        self, history: Path, t0: float, duration_s: float, active_fault: Callable[[], str],
        *, enabled: bool = True, stream: TextIO = sys.stderr,
    ) -> None:
        self.history, self.t0, self.duration_s = history, t0, duration_s
        self.active_fault = active_fault
        self.stream = stream
        self.enabled = enabled and stream.isatty()

    def line(self, now: float | None = None) -> str:
        elapsed = (now or time.time()) - self.t0
        rates = latest_rates(self.history)
        rps, fails = rates or (0.0, 0.0)
        errors = 100.0 * fails / rps if rps else 0.0
        return (f"{elapsed:5.0f}s / {self.duration_s:.0f}s  ({max(0.0, self.duration_s - elapsed):.0f}s left)"
                f"  {rps:7.1f} req/s  {errors:5.1f}% errors  fault: {self.active_fault()}")

    def show(self) -> None:
        if self.enabled:
            self.stream.write("\r\033[K" + self.line())
            self.stream.flush()

    def done(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
