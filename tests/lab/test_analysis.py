"""The run figures on small fixed data with known answers."""

from __future__ import annotations

import pytest

from deploylab.measure import analysis
from deploylab.measure.analysis import Request
from deploylab.measure.scenarios import Thresholds

LIMITS = Thresholds(rate_points=0.01, p95_ratio=2.0, p95_floor_ms=25, recover_bins=3)


def steady(group: str, start: float, end: float, per_s: int, ms: float, outcome: str = "ok") -> list[Request]:
    return [Request(t=start + i / per_s, group=group, ms=ms, outcome=outcome) for i in range(int((end - start) * per_s))]


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))  # 1..100
    assert analysis.percentile(values, 0.50) == 50
    assert analysis.percentile(values, 0.95) == 95
    assert analysis.percentile(values, 0.99) == 99
    assert analysis.percentile([7.0], 0.95) == 7.0
    assert analysis.percentile([3, 1, 2], 0.5) == 2  # unsorted input
    assert analysis.percentile([], 0.5) is None


def test_figures_count_outcomes_and_keep_failures_out_of_latency():
    requests = [Request(0.1, "web", 10, "ok"), Request(0.2, "web", 20, "degraded"),
                Request(0.3, "web", 1, "failed"), Request(1.5, "web", 30, "ok")]
    figures = analysis.figures(requests, 0.0, 2.0)
    assert figures.count == 4
    assert figures.throughput == 2.0
    assert figures.error_rate == 0.25
    assert figures.degraded_rate == 0.25
    assert figures.p50 == 20  # over 10, 20, 30: the failed 1 ms answer is not a latency
    assert figures.p99 == 30


def test_window_is_half_open():
    requests = [Request(0.0, "students", 5, "ok"), Request(1.0, "students", 5, "ok")]
    assert analysis.figures(requests, 0.0, 1.0).count == 1


def test_blast_radius_tells_failed_degraded_slow_and_unharmed_apart():
    before = analysis.by_group(
        steady("students", 0, 10, 10, 10) + steady("grades", 0, 10, 10, 10) + steady("web", 0, 10, 10, 40), 0, 10)
    during = analysis.by_group(
        steady("students", 10, 20, 10, 10)
        + steady("grades", 10, 20, 10, 5, "failed")
        + steady("web", 10, 20, 10, 40, "degraded"), 10, 20)
    assert analysis.blast_radius(before, during, LIMITS) == {"students": None, "grades": "failed", "web": "degraded"}
    slow = analysis.by_group(steady("students", 10, 20, 10, 10) + steady("grades", 10, 20, 10, 100)
                             + steady("web", 10, 20, 10, 60), 10, 20)
    # grades: 100 > max(2 x 10, 10 + 25); web: 60 is under max(2 x 40, 40 + 25)
    assert analysis.blast_radius(before, slow, LIMITS) == {"students": None, "grades": "slow", "web": None}


def test_recovery_finds_the_first_run_of_healthy_bins():
    requests = (steady("grades", 0, 10, 10, 10) + steady("grades", 10, 14, 10, 5, "failed")
                + steady("grades", 14, 15, 10, 10) + steady("grades", 15, 16, 10, 5, "failed")
                + steady("grades", 16, 30, 10, 10))
    baseline = analysis.by_group(requests, 0, 10)
    bins = analysis.timeline(requests, 0, 30)
    # healthy at 14, broken again at 15, healthy for good from 16: three bins 16, 17, 18
    assert analysis.recovered_at(bins, 0, baseline, ["grades"], 10.0, LIMITS) == 16.0
    assert analysis.recovered_at(bins, 0, baseline, [], 10.0, LIMITS) == 10.0
    # judged only up to `until` (the next fault of a chained run): 16, 17, 18 must all end by then
    assert analysis.recovered_at(bins, 0, baseline, ["grades"], 10.0, LIMITS, until=19.0) == 16.0
    assert analysis.recovered_at(bins, 0, baseline, ["grades"], 10.0, LIMITS, until=18.5) is None


def test_recovery_skips_empty_bins_and_reports_never():
    requests = steady("grades", 0, 10, 10, 10) + steady("grades", 10, 30, 10, 5, "failed")
    baseline = analysis.by_group(requests, 0, 10)
    bins = analysis.timeline(requests, 0, 30)
    assert analysis.recovered_at(bins, 0, baseline, ["grades"], 10.0, LIMITS) is None
    gap = steady("web", 0, 10, 10, 10) + steady("web", 13, 20, 10, 10)  # nothing logged from 10 to 13
    assert analysis.recovered_at(analysis.timeline(gap, 0, 20), 0, analysis.by_group(gap, 0, 10),
                                 ["web"], 10.0, LIMITS) == 13.0


def test_capacity_picks_the_highest_throughput_within_the_slo():
    requests = (steady("students", 0, 10, 10, 50) + steady("students", 10, 20, 20, 100)
                + steady("students", 20, 30, 30, 900))
    steps, best = analysis.capacity(requests, [(1, 0, 10), (2, 10, 20), (3, 20, 30)], 500, 0.01, settle_s=2)
    assert [step.sustained for step in steps] == [True, True, False]
    assert best is not None and best.users == 2
    assert best.figures.throughput == pytest.approx(20.0)


def test_plateau_is_the_median_of_the_sustained_steps_near_the_best():
    requests = (steady("students", 0, 10, 10, 5) + steady("students", 10, 20, 100, 5)
                + steady("students", 20, 30, 96, 5) + steady("students", 30, 40, 90, 5)
                + steady("students", 40, 50, 110, 900))
    steps, best = analysis.capacity(requests, [(1, 0, 10), (2, 10, 20), (3, 20, 30), (4, 30, 40), (5, 40, 50)],
                                    500, 0.01, settle_s=0)
    assert best is not None and best.users == 2  # the 110 req/s step broke the SLO
    # 10 req/s is below the saturated steps (more than 15 % under the best): not part of the plateau
    assert analysis.plateau(steps) == pytest.approx(96.0)
    assert analysis.plateau([s for s in steps if not s.sustained]) is None


def test_read_requests_merges_per_process_files(tmp_path):
    header = "t,group,name,method,ms,status,outcome\n"
    (tmp_path / "requests.1.csv").write_text(header + "2.0,web,/,GET,5.0,200,degraded\n")
    (tmp_path / "requests.2.csv").write_text(header + "1.0,grades,/grades,GET,7.5,502,failed\n")
    rows = analysis.read_requests(sorted(tmp_path.glob("requests.*.csv")))
    assert [(r.t, r.group, r.outcome, r.status) for r in rows] == [(1.0, "grades", "failed", 502), (2.0, "web", "degraded", 200)]
