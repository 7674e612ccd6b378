"""Where a page's time goes: the median of each Server-Timing entry over the page's answers at the steady load.

Every hop adds its own entry to an answer's Server-Timing — the gateway `gw`, Web `web`, Web's view of each
call it made `web-students` and `web-grades`, and the services' own `students` and `grades` (which Web
forwards) — and the per-request log keeps the value (loadtests/request_log.py). An outer hop's time includes
the inner ones': a REST hop's own cost is about web-students less students, the gateway's about gw less web.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable
from pathlib import Path

from deploylab_loadtests.request_log import SERVER_TIMING

from deploylab.measure.analysis import percentile
from deploylab.measure.records import HopTime, PageTime

PAGE_GROUP = "web"
# An entry, or a parameter of one, ends at a comma (a semicolon) outside a quoted string: desc="a, b" is one.
_ENTRY = re.compile(r'(?:[^,"]|"(?:[^"\\]|\\.)*")+')
_PARAM = re.compile(r'(?:[^;"]|"(?:[^"\\]|\\.)*")+')


def entries(value: str) -> list[tuple[str, float | None]]:
    """A Server-Timing value's entries in order: (name, dur in ms, None when it has none or a bad one)."""
    found = []
    for item in _ENTRY.findall(value):
        name, *params = [part.strip() for part in _PARAM.findall(item)] or [""]
        if name:
            found.append((name, _duration(params)))
    return found


def _duration(params: list[str]) -> float | None:
    for param in params:
        key, _, raw = param.partition("=")
        if key.strip().lower() == "dur":
            try:
                ms = float(raw.strip().strip('"'))
            except ValueError:
                return None
            return ms if math.isfinite(ms) and ms >= 0 else None
    return None


def durations(value: str) -> dict[str, float]:
    """{name: ms} of the entries that have a duration; a name met twice in one answer (a form that called
    Students twice) adds up, so each figure is the time that hop took for the answer."""
    found: dict[str, float] = {}
    for name, ms in entries(value):
        if ms is not None:
            found[name] = found.get(name, 0.0) + ms
    return found


def page_values(paths: Iterable[Path], start: float, end: float) -> list[str]:
    """The Server-Timing values of the page group's answered requests started in [start, end), wall clock."""
    values = []
    for path in paths:
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                value = row.get(SERVER_TIMING) or ""  # a log written before the column has none
                if value and row["group"] == PAGE_GROUP and row["outcome"] != "failed" and start <= float(row["t"]) < end:
                    values.append(value)
    return values


def from_log(paths: Iterable[Path], start: float, end: float, t0: float) -> PageTime | None:
    """The figure over the request log's files; None when no page answer in the window carried Server-Timing."""
    per_entry: dict[str, list[float]] = {}
    for value in page_values(paths, start, end):
        for name, ms in durations(value).items():
            per_entry.setdefault(name, []).append(ms)
    if not per_entry:
        return None
    hops = [HopTime(name, round(percentile(values, 0.5) or 0.0, 4), len(values)) for name, values in per_entry.items()]
    hops.sort(key=lambda hop: (-hop.median_ms, hop.entry))
    return PageTime(PAGE_GROUP, (round(start - t0, 2), round(end - t0, 2)), tuple(hops))
