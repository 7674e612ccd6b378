"""Exact measurement: every request appended to a per-process CSV file (`--request-log PATH`).

Locust's own statistics are approximate (rounded response-time buckets) and cumulative; the run's
analysis needs exact percentiles and before / during / after windows, so it reads these rows.
Each process writes its own file, PATH with the pid before the suffix, so workers of a distributed
run (`--processes N`) never share a file: `requests.csv` -> `requests.12345.csv`.

Columns: t (start, wall clock s), group, name, method, ms (latency), status, outcome (ok | degraded | failed),
then three the open loop (loadtests/open_loop.py) fills and a closed loop leaves empty: lag_ms (how far the
generator was behind schedule when it sent), step (index of the --rate-steps step), rate (the offered
req/s at the request's scheduled time). For an open-loop request t is its *scheduled* time and ms counts
from it, so a stall shows in full even while the generator's own sending was late. Last, server_timing: the
answer's Server-Timing value as it came (each hop's entry, e.g. `students;dur=1.9, gw;dur=3.0`; empty when
there was none or no answer). Files written before that column have one column less: readers take a row's
columns by name and treat a missing one as empty.
"""

from __future__ import annotations

import csv
import os
import time
from pathlib import Path
from typing import Any, TextIO

from .groups import DEGRADED_SUFFIX, SETUP_NAME, base_name, group_of

SERVER_TIMING = "server_timing"
COLUMNS = ("t", "group", "name", "method", "ms", "status", "outcome", "lag_ms", "step", "rate", SERVER_TIMING)
FLUSH_EVERY_S = 1.0


def process_path(path: str | Path, pid: int | None = None) -> Path:
    path = Path(path)
    return path.with_name(f"{path.stem}.{pid or os.getpid()}{path.suffix or '.csv'}")


def outcome(name: str, exception: Any) -> str:
    if exception is not None:
        return "failed"
    return "degraded" if name.endswith(DEGRADED_SUFFIX) else "ok"


def open_loop_columns(context: dict[str, Any] | None) -> tuple[str, str, str]:
    """lag_ms, step, rate from an open-loop request's context; empty for the closed loop's requests."""
    context = context or {}
    if "scheduled" not in context:
        return "", "", ""
    lag = context.get("lag_ms")
    return (f"{lag:.2f}" if lag is not None else "", str(context.get("step", "")), f"{context.get('rate', 0.0):g}")


def server_timing(response: Any) -> str:
    """The answer's Server-Timing value; geventhttpclient hands a repeated field back as a list."""
    headers = getattr(response, "headers", None)
    value = headers.get("Server-Timing") if headers is not None else None
    if isinstance(value, list | tuple):
        return ", ".join(value)
    return value or ""


class RequestLog:
    """Opened lazily in the process that makes requests (after a fork), flushed about once a second."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._pid: int | None = None
        self._handle: TextIO | None = None
        self._writer: Any = None
        self._flushed = 0.0

    def _open(self) -> None:
        self._pid = os.getpid()
        target = process_path(self.path, self._pid)
        target.parent.mkdir(parents=True, exist_ok=True)
        self._handle = target.open("w", newline="")
        self._writer = csv.writer(self._handle)
        self._writer.writerow(COLUMNS)

    def on_request(
        self,
        request_type: str,
        name: str,
        response_time: float,
        response: Any = None,
        exception: Any = None,
        start_time: float | None = None,
        context: dict[str, Any] | None = None,
        **_: Any,
    ) -> None:
        if name == SETUP_NAME:
            return
        if self._pid != os.getpid():
            self._open()
        status = getattr(response, "status_code", 0) or 0
        started = start_time if start_time is not None else time.time() - response_time / 1000
        self._writer.writerow(
            (f"{started:.4f}", group_of(base_name(name)), base_name(name), request_type,
             f"{response_time:.2f}", status, outcome(name, exception), *open_loop_columns(context),
             server_timing(response))
        )
        now = time.monotonic()
        if now - self._flushed >= FLUSH_EVERY_S and self._handle is not None:
            self._handle.flush()
            self._flushed = now

    def close(self, **_: Any) -> None:
        if self._handle is not None and self._pid == os.getpid():
            self._handle.flush()
            self._handle.close()
            self._handle = None
            self._pid = None
