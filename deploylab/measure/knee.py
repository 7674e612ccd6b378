"""Capacity at the knee: the highest offered rate at which every group's p99 and the errors stay within the SLO.

Past saturation a closed loop's throughput is not capacity (../shared/MEASUREMENT.md, "Capacity"). With an open
loop the offered rate is the experiment's knob: `search` sweeps it coarsely until the first failure, then bisects
between the last pass and the first fail to a resolution; `knee` reads the same answer off a curve measured in
one sweep (`--rate-steps`). Pure functions over small records: the experiment is whatever `measure` does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from deploylab.measure.analysis import Request, percentile

MAX_ERROR_RATE = 0.001  # errors < 0.1 %
MIN_ACHIEVED = 0.98  # the system answered at least 98 % of what was offered: it kept up
MIN_SAMPLES = 100  # a p99 of fewer than 100 samples is the largest of them, not a 99th percentile


@dataclass(frozen=True)
class GroupLatency:
    p99_ms: float | None  # over answered requests; None when none was
    count: int  # the p99's sample size


@dataclass(frozen=True)
class Point:
    offered: float  # req/s scheduled
    achieved: float  # req/s answered (ok or degraded)
    groups: Mapping[str, GroupLatency]
    error_rate: float  # failed / scheduled


@dataclass(frozen=True)
class Slo:
    p99_ms: Mapping[str, float]  # per group; a group not named here is not judged
    max_error_rate: float = MAX_ERROR_RATE
    min_achieved: float = MIN_ACHIEVED
    min_samples: int = MIN_SAMPLES


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reasons: tuple[str, ...] = ()  # why not, one line each


def judge(point: Point, slo: Slo) -> Verdict:
    """Meets the SLO when every judged group's p99 (with enough samples) is within its limit, errors stay under
    the limit and the achieved rate kept up with the offered one."""
    reasons = []
    for group, limit in slo.p99_ms.items():
        latency = point.groups.get(group, GroupLatency(None, 0))
        if latency.count < max(1, slo.min_samples) or latency.p99_ms is None:
            reasons.append(f"{group}: {latency.count} samples, fewer than {slo.min_samples} for a p99")
        elif latency.p99_ms > limit:
            reasons.append(f"{group}: p99 {latency.p99_ms:.1f} ms > {limit:g} ms (n={latency.count})")
    if point.error_rate >= slo.max_error_rate:
        reasons.append(f"errors {100 * point.error_rate:.2f} % >= {100 * slo.max_error_rate:g} %")
    if point.achieved < slo.min_achieved * point.offered:
        reasons.append(f"achieved {point.achieved:.1f} req/s < {100 * slo.min_achieved:g} % of {point.offered:g}")
    return Verdict(not reasons, tuple(reasons))


def point_from(requests: Sequence[Request], offered: float, seconds: float) -> Point:
    """One offered rate's figures from the request log's rows of its window (e.g. one --rate-steps step)."""
    groups: dict[str, list[float]] = {}
    for r in requests:
        if r.outcome != "failed":
            groups.setdefault(r.group, []).append(r.ms)
    failed = sum(r.outcome == "failed" for r in requests)
    answered = len(requests) - failed
    return Point(
        offered=offered,
        achieved=answered / seconds if seconds > 0 else 0.0,
        groups={g: GroupLatency(percentile(ms, 0.99), len(ms)) for g, ms in groups.items()},
        error_rate=failed / len(requests) if requests else 0.0,
    )


# --- the search --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Trial:
    rate: float
    points: tuple[Point, ...]  # one per repeat
    verdicts: tuple[Verdict, ...]
    ok: bool  # the majority of the repeats met the SLO


@dataclass
class Search:
    capacity: float | None  # the highest offered rate that met the SLO; None: not even the start did
    first_fail: float | None  # the lowest failing rate above it; None: nothing up to max_rate failed
    trials: list[Trial] = field(default_factory=list)  # in the order measured
    note: str = ""

    @property
    def bracket(self) -> float | None:
        """How close the bracket came: first_fail / capacity - 1 (the search's resolution when it finished)."""
        if self.capacity is None or self.first_fail is None:
            return None
        return self.first_fail / self.capacity - 1


def coarse_rates(start: float, max_rate: float, growth: float = 2.0, step: float | None = None) -> list[float]:
    """start, then start x growth (or start + step) ..., ending exactly at max_rate."""
    if not (0 < start <= max_rate):
        raise ValueError("need 0 < start <= max_rate")
    if step is None and growth <= 1:
        raise ValueError("a geometric sweep needs growth > 1")
    if step is not None and step <= 0:
        raise ValueError("a linear sweep needs step > 0")
    rates, rate = [], start
    while rate < max_rate * (1 - 1e-9):
        rates.append(rate)
        rate = rate + step if step is not None else rate * growth
    return [*rates, max_rate]


def search(
    measure: Callable[[float], Point], start: float, max_rate: float, resolution: float = 0.05, *,
    slo: Slo, growth: float = 2.0, step: float | None = None, repeats: int = 1,
) -> Search:
    """Coarse sweep (geometric by `growth`, or linear by `step`) up to the first failing rate, then bisection between
    the last pass and the first fail until they are within `resolution` (relative) of each other.

    Each rate is measured `repeats` times and passes on a majority, so one noisy reading does not move the answer
    by a whole coarse step. A noisy curve can pass above a failure; the bisection still ends inside the bracket."""
    if resolution <= 0 or repeats < 1:
        raise ValueError("need resolution > 0 and repeats >= 1")
    result = Search(capacity=None, first_fail=None)

    def trial(rate: float) -> bool:
        points = tuple(measure(rate) for _ in range(repeats))
        verdicts = tuple(judge(p, slo) for p in points)
        ok = sum(v.ok for v in verdicts) * 2 > repeats
        result.trials.append(Trial(rate, points, verdicts, ok))
        return ok

    for rate in coarse_rates(start, max_rate, growth, step):
        if not trial(rate):
            result.first_fail = rate
            break
        result.capacity = rate
    if result.capacity is None:
        result.note = f"failed the SLO at the start rate {start:g} req/s: capacity is below it"
        return result
    if result.first_fail is None:
        result.note = f"met the SLO up to max_rate {max_rate:g} req/s: capacity is at least that"
        return result
    low, high = result.capacity, result.first_fail
    while high - low > resolution * low:
        middle = (low + high) / 2
        if trial(middle):
            low = middle
        else:
            high = middle
    result.capacity, result.first_fail = low, high
    result.note = f"between {low:g} (met) and {high:g} req/s (failed), within {100 * resolution:g} %"
    return result


# --- a measured curve --------------------------------------------------------------------------------------------

def knee(points: Iterable[Point], slo: Slo) -> Point | None:
    """The SLO's knee on a curve: the highest offered rate that met the SLO below the first one that did not.
    A pass above a failure is noise or luck, not capacity, so it does not count."""
    best = None
    for point in sorted(points, key=lambda p: p.offered):
        if not judge(point, slo).ok:
            break
        best = point
    return best


def bend(points: Iterable[Point], group: str, factor: float = 2.0) -> Point | None:
    """Where a group's latency curve bends, SLO aside: the first offered rate whose p99 reached `factor` times the
    p99 at the lowest offered rate. None when it never did (or the group has no answered requests)."""
    ordered = [p for p in sorted(points, key=lambda p: p.offered) if p.groups.get(group, GroupLatency(None, 0)).p99_ms]
    if not ordered:
        return None
    base = ordered[0].groups[group].p99_ms or math.inf
    return next((p for p in ordered if (p.groups[group].p99_ms or 0) >= factor * base), None)
