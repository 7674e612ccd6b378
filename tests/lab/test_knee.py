"""Knee search (deploylab/measure/knee.py) on synthetic latency curves whose capacity is known."""

from __future__ import annotations

import math
import random

import pytest

from deploylab.measure import knee
from deploylab.measure.analysis import Request
from deploylab.measure.knee import GroupLatency, Point, Slo

SERVICE_RATE = 1000.0  # req/s the synthetic system serves at most
SLO = Slo(p99_ms={"students": 50.0, "grades": 80.0})
N = 10_000  # samples per group: enough for every p99


def mm1_p99_ms(rate: float, mu: float = SERVICE_RATE) -> float:
    """M/M/1: the response time is exponential with rate mu - lambda, so its p99 is ln(100) / (mu - lambda)."""
    return math.inf if rate >= mu else 1000 * math.log(100) / (mu - rate)


def true_capacity(limit_ms: float, mu: float = SERVICE_RATE) -> float:
    return mu - 1000 * math.log(100) / limit_ms


def curve(rate: float, noise: random.Random | None = None, sigma: float = 0.0) -> Point:
    """Students on an M/M/1 at mu = 1000, grades on one at mu = 1400 (never the binding group); past mu the
    system answers mu req/s and the rest fails."""
    def jitter() -> float:
        return math.exp(noise.gauss(0, sigma)) if noise else 1.0

    groups = {"students": GroupLatency(mm1_p99_ms(rate) * jitter(), N),
              "grades": GroupLatency(mm1_p99_ms(rate, 1400.0) * jitter(), N)}
    achieved = min(rate, SERVICE_RATE)
    return Point(offered=rate, achieved=achieved, groups=groups, error_rate=1 - achieved / rate)


def test_judge_names_every_reason_and_the_sample_size() -> None:
    assert knee.judge(curve(500), SLO).ok
    point = Point(offered=100, achieved=90, error_rate=0.002,
                  groups={"students": GroupLatency(60.0, 500), "grades": GroupLatency(10.0, 40)})
    verdict = knee.judge(point, SLO)
    assert not verdict.ok and len(verdict.reasons) == 4
    assert "students: p99 60.0 ms > 50 ms (n=500)" in verdict.reasons
    assert "grades: 40 samples, fewer than 100 for a p99" in verdict.reasons
    assert any(r.startswith("errors 0.20 %") for r in verdict.reasons)
    assert any(r.startswith("achieved 90.0 req/s") for r in verdict.reasons)
    # 0.1 % of errors is already too many ("errors < 0.1 %"); 98 % achieved is still enough
    assert not knee.judge(Point(100, 100, {"students": GroupLatency(1, N), "grades": GroupLatency(1, N)}, 0.001), SLO).ok
    assert knee.judge(Point(100, 98, {"students": GroupLatency(1, N), "grades": GroupLatency(1, N)}, 0.0), SLO).ok


def test_the_search_finds_the_known_capacity_within_its_resolution() -> None:
    calls: list[float] = []

    def measure(rate: float) -> Point:
        calls.append(rate)
        return curve(rate)

    result = knee.search(measure, start=50, max_rate=5000, resolution=0.05, slo=SLO)
    expected = true_capacity(50.0)  # 907.9 req/s: students' p99 reaches 50 ms there
    assert result.capacity is not None and result.first_fail is not None
    assert expected * 0.95 <= result.capacity <= expected < result.first_fail
    assert result.bracket is not None and result.bracket <= 0.05
    assert calls[:6] == [50, 100, 200, 400, 800, 1600]  # the coarse sweep stopped at its first failure
    assert len(calls) <= 6 + 5  # bisection from an 800..1600 bracket to 5 % takes at most 5 more
    assert [t.rate for t in result.trials] == calls and "within 5 %" in result.note


def test_a_linear_sweep_finds_the_same_capacity() -> None:
    result = knee.search(curve, start=100, max_rate=2000, resolution=0.01, slo=SLO, step=100)
    assert result.capacity == pytest.approx(true_capacity(50.0), rel=0.01)
    assert [t.rate for t in result.trials][:10] == [100 * k for k in range(1, 11)]


def test_noise_moves_the_answer_by_the_noise_not_by_a_coarse_step() -> None:
    """p99 readings off by a log-normal factor (sigma 10 %): three repeats per rate, a majority decides."""
    expected = true_capacity(50.0)
    for seed in range(20):
        noise = random.Random(seed)

        def noisy(rate: float, noise: random.Random = noise) -> Point:
            return curve(rate, noise, sigma=0.10)

        result = knee.search(noisy, start=50, max_rate=5000, resolution=0.05, slo=SLO, repeats=3)
        assert result.capacity is not None
        # the curve is steep near the knee: a 10 % error in p99 is about 1 % in rate, plus the 5 % resolution
        assert expected * 0.92 <= result.capacity <= expected * 1.03, (seed, result.capacity)


def test_a_curve_that_never_passes_has_no_capacity_and_says_so() -> None:
    def always_slow(rate: float) -> Point:
        return Point(rate, rate, {"students": GroupLatency(500.0, N), "grades": GroupLatency(500.0, N)}, 0.0)

    result = knee.search(always_slow, start=50, max_rate=5000, slo=SLO)
    assert result.capacity is None and result.first_fail == 50 and len(result.trials) == 1
    assert "start rate 50" in result.note and result.bracket is None


def test_a_curve_that_always_passes_stops_at_max_rate() -> None:
    result = knee.search(lambda rate: curve(rate / 100), start=50, max_rate=1000, slo=SLO)
    assert result.capacity == 1000 and result.first_fail is None and "at least" in result.note
    assert [t.rate for t in result.trials] == [50, 100, 200, 400, 800, 1000]


def test_coarse_rates_end_at_max_rate_and_reject_nonsense() -> None:
    assert knee.coarse_rates(10, 100, growth=3) == [10, 30, 90, 100]
    assert knee.coarse_rates(10, 40, step=15) == [10, 25, 40]
    assert knee.coarse_rates(10, 10) == [10]
    for bad in ({"start": 0, "max_rate": 10}, {"start": 20, "max_rate": 10}, {"start": 1, "max_rate": 10, "growth": 1}):
        with pytest.raises(ValueError):
            knee.coarse_rates(**bad)


def test_knee_of_a_measured_curve_ignores_a_lucky_pass_above_a_failure() -> None:
    points = [curve(rate) for rate in (100, 300, 500, 700, 900, 1100)]
    lucky = Point(1300, 1300, {"students": GroupLatency(10.0, N), "grades": GroupLatency(10.0, N)}, 0.0)
    found = knee.knee([*reversed(points), lucky], SLO)
    assert found is not None and found.offered == 900  # 907.9 is the true capacity; 1100 fails
    assert knee.knee([curve(1100)], SLO) is None


def test_bend_is_where_the_p99_doubles_from_its_low_load_value() -> None:
    points = [curve(rate) for rate in range(100, 1000, 100)]
    found = knee.bend(points, "students", factor=2.0)
    # p99 doubles from its 100 req/s value (1/900) when mu - lambda = 450: at 550; the first rate at or past it is 600
    assert found is not None and found.offered == 600
    assert knee.bend(points, "students", factor=1000) is None and knee.bend(points, "web") is None


def test_point_from_request_log_rows() -> None:
    rows = ([Request(t=i / 100, group="students", ms=float(i % 100 + 1), outcome="ok") for i in range(200)]
            + [Request(t=2.0, group="web", ms=900.0, outcome="failed")])
    point = knee.point_from(rows, offered=100, seconds=2.0)
    assert point.achieved == 100 and point.error_rate == pytest.approx(1 / 201)
    assert point.groups == {"students": GroupLatency(99.0, 200)}  # failed requests are not in the p99
