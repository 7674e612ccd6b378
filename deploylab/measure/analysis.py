"""Figures of a run, computed exactly from the per-request log (loadtests/request_log.py).

Pure functions over small records, so each figure has a unit test with a known answer:
percentiles (nearest rank), throughput, error and degraded rates per endpoint group, per window;
the blast radius of a fault and the time to recover; the capacity of a step run.
"""

from __future__ import annotations

import csv
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from deploylab_loadtests.groups import GROUPS

from deploylab.measure.scenarios import Thresholds


@dataclass(frozen=True)
class Request:
    t: float  # start, wall clock
    group: str
    ms: float
    outcome: str  # ok | degraded | failed
    name: str = ""
    method: str = "GET"
    status: int = 200


@dataclass(frozen=True)
class Figures:
    count: int
    throughput: float  # requests started per second in the window, every outcome
    p50: float | None  # ms, over answered requests (ok + degraded): a refused connection is fast, not good
    p95: float | None
    p99: float | None
    error_rate: float  # failed / count
    degraded_rate: float  # degraded / count

    def rounded(self) -> Figures:
        """As summary.json keeps them: floats to 4 decimals."""
        def r(value: float | None) -> float | None:
            return None if value is None else round(value, 4)
        return Figures(self.count, round(self.throughput, 4), r(self.p50), r(self.p95), r(self.p99),
                       round(self.error_rate, 4), round(self.degraded_rate, 4))

    def to_json(self) -> dict[str, Any]:
        return asdict(self.rounded())

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Figures:
        return cls(raw["count"], raw["throughput"], raw["p50"], raw["p95"], raw["p99"], raw["error_rate"],
                   raw["degraded_rate"])


def read_requests(paths: Iterable[Path]) -> list[Request]:
    rows: list[Request] = []
    for path in paths:
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                rows.append(Request(
                    t=float(row["t"]), group=row["group"], ms=float(row["ms"]), outcome=row["outcome"],
                    name=row["name"], method=row["method"], status=int(row["status"] or 0),
                ))
    rows.sort(key=lambda request: request.t)
    return rows


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest rank: the smallest value with at least q of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def figures(requests: Iterable[Request], start: float, end: float) -> Figures:
    chosen = [r for r in requests if start <= r.t < end]
    answered = [r.ms for r in chosen if r.outcome != "failed"]
    count = len(chosen)
    span = max(end - start, 1e-9)
    return Figures(
        count=count,
        throughput=count / span,
        p50=percentile(answered, 0.50),
        p95=percentile(answered, 0.95),
        p99=percentile(answered, 0.99),
        error_rate=sum(r.outcome == "failed" for r in chosen) / count if count else 0.0,
        degraded_rate=sum(r.outcome == "degraded" for r in chosen) / count if count else 0.0,
    )


def by_group(requests: Sequence[Request], start: float, end: float) -> dict[str, Figures]:
    """Figures per endpoint group, plus 'all'."""
    result = {group: figures([r for r in requests if r.group == group], start, end) for group in GROUPS}
    result["all"] = figures(requests, start, end)
    return result


def timeline(requests: Sequence[Request], start: float, end: float, bin_s: float = 1.0) -> dict[str, list[Figures]]:
    """Figures per group in consecutive bins of bin_s seconds from start (for plots and recovery)."""
    n = max(1, math.ceil((end - start) / bin_s))
    buckets: dict[str, list[list[Request]]] = {group: [[] for _ in range(n)] for group in GROUPS}
    for r in requests:
        i = int((r.t - start) // bin_s)
        if 0 <= i < n and r.group in buckets:
            buckets[r.group][i].append(r)
    return {
        group: [figures(chunk, start + i * bin_s, start + (i + 1) * bin_s) for i, chunk in enumerate(chunks)]
        for group, chunks in buckets.items()
    }


def verdict(current: Figures, baseline: Figures, limits: Thresholds) -> str | None:
    """'failed', 'degraded' or 'slow' when current is worse than baseline beyond the thresholds; else None."""
    if current.count == 0:
        return None
    if current.error_rate > baseline.error_rate + limits.rate_points:
        return "failed"
    if current.degraded_rate > baseline.degraded_rate + limits.rate_points:
        return "degraded"
    if current.p95 is not None and baseline.p95 is not None:
        ceiling = max(baseline.p95 * limits.p95_ratio, baseline.p95 + limits.p95_floor_ms)
        if current.p95 > ceiling:
            return "slow"
    return None


def blast_radius(before: dict[str, Figures], during: dict[str, Figures], limits: Thresholds) -> dict[str, str | None]:
    return {group: verdict(during[group], before[group], limits) for group in GROUPS}


def recovered_at(
    bins: dict[str, list[Figures]],
    bins_start: float,
    baseline: dict[str, Figures],
    groups: Iterable[str],
    after: float,
    limits: Thresholds,
    bin_s: float = 1.0,
    until: float | None = None,
) -> float | None:
    """Start of the first run of `recover_bins` bins, from `after` on (and ending by `until`, when given), in
    which every group is back within the thresholds. Bins with no request of any watched group are skipped:
    they neither count nor break a run."""
    watched = list(groups)
    if not watched:
        return after
    first = max(0, int((after - bins_start) // bin_s))
    last = len(next(iter(bins.values())))
    if until is not None:
        last = min(last, int((until - bins_start + 1e-9) // bin_s))
    run_start, run_length = None, 0
    for i in range(first, last):
        current = [bins[group][i] for group in watched]
        if all(figure.count == 0 for figure in current):
            continue
        if any(verdict(figure, baseline[group], limits) for group, figure in zip(watched, current, strict=True)):
            run_start, run_length = None, 0
            continue
        if run_start is None:
            run_start = bins_start + i * bin_s
        run_length += 1
        if run_length >= limits.recover_bins:
            return max(run_start, after)
    return None


@dataclass(frozen=True)
class Step:
    users: int
    start: float
    end: float
    figures: Figures
    sustained: bool


def capacity(
    requests: Sequence[Request], steps: Sequence[tuple[int, float, float]], slo_p95_ms: float, slo_error_rate: float,
    settle_s: float = 1.0,  # a closed loop fills a step's new users within half a second (spawn rate 20/s)
) -> tuple[list[Step], Step | None]:
    """Each step (users, start, end) measured after it settled; the best is the highest throughput whose p95
    and error rate stayed within the SLO."""
    result = []
    for users, start, end in steps:
        measured = figures(requests, min(start + settle_s, end), end)
        ok = measured.count > 0 and measured.error_rate <= slo_error_rate and (measured.p95 or 0) <= slo_p95_ms
        result.append(Step(users, start, end, measured, ok))
    sustained = [step for step in result if step.sustained]
    return result, max(sustained, key=lambda step: step.figures.throughput, default=None)


PLATEAU_WITHIN = 0.15


def plateau(steps: Sequence[Step], within: float = PLATEAU_WITHIN) -> float | None:
    """The throughput a saturated model holds: the median over the sustained steps within `within` of the best.

    In a closed loop every step past saturation measures the same limit; their median is steadier from run
    to run than the best step alone, which is the highest of a few noisy readings."""
    sustained = [step.figures.throughput for step in steps if step.sustained]
    if not sustained:
        return None
    best = max(sustained)
    return statistics.median(t for t in sustained if t >= best * (1.0 - within))
