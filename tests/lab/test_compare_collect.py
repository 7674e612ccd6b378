"""Collection of the comparison's figures from fixed run summaries, with known answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deploylab.compare import collect
from deploylab.compare.figures import median, number, spread, untrustworthy, verdict
from deploylab.core.errors import LabError
from deploylab.measure.calibrate import host_speed
from tests.lab.compare_fixtures import base_summary, capacity, figure, kill_fault, matrix_runs, write_run


def test_figures_gather_per_model_column(tmp_path: Path) -> None:
    models = collect.collect(matrix_runs(tmp_path))
    assert list(models) == ["a", "b"]
    a, b = models["a"], models["b"]
    assert a.startup.cold_s == [2.5] and b.startup.warm_s == [3.2]
    assert a.idle.app_mib == [90.0] and len(b.idle.units) == 4
    assert a.latency.groups["web"].p95 == [40] and b.latency.groups["students"].p50 == [7]
    assert a.capacity.best_throughput == [300.0]
    assert a.capacity.plateau_throughput == [300.0]  # written before the plateau: the best step stands for it
    assert a.environments == 1 and b.environments == 4


def test_fault_downtime_per_group_comes_from_the_request_log(tmp_path: Path) -> None:
    models = collect.collect(matrix_runs(tmp_path))
    a_crash, b_crash = models["a"].faults["crash-grades"], models["b"].faults["crash-grades"]
    # A: every group failed in each 1-s bin from 4 s to 12 s; B: grades for 2 bins only
    assert [a_crash.groups[g].failed_s for g in ("students", "grades", "web")] == [[8.0]] * 3
    assert b_crash.groups["grades"].failed_s == [2.0]
    assert b_crash.groups["web"].failed_s == [0.0]
    assert b_crash.groups["grades"].verdict == ["failed"] and b_crash.groups["web"].verdict == [None]
    assert a_crash.recovered == [False] and b_crash.time_to_recover_s == [1.5]


def test_a_chained_run_reports_each_fault_under_its_own_scenario(tmp_path: Path) -> None:
    # grades fails from 4 to 6 s (the first fault's) and again from 8 to 9 s (the second's)
    requests = [(t + 0.5, g, "failed" if g == "grades" and (4 <= t < 6 or t == 8) else "ok")
                for t in range(12) for g in ("students", "grades", "web") for _ in range(5)]
    first = kill_fault({"students": None, "grades": "failed", "web": None}, True, 1.0, 2.0, None)
    second = kill_fault({"students": None, "grades": "failed", "web": None}, True, 1.0, 1.0, None)
    first["fault"] |= {"name": "slow-grades", "at_s": 4.0}
    first["segment_end_s"] = 8.0
    second["fault"] |= {"name": "errors-grades", "at_s": 8.0}
    second["segment_end_s"] = 12.0
    run = write_run(tmp_path, "b-assaults", base_summary("b-assaults", "b", "assaults-grades",
                                                         faults=[first, second]), "b", requests)
    faults = collect.collect([run])["b"].faults
    assert list(faults) == ["slow-grades", "errors-grades"]
    # each counted up to its segment's end: the second outage is not the first fault's
    assert faults["slow-grades"].groups["grades"].failed_s == [2.0]
    assert faults["errors-grades"].groups["grades"].failed_s == [1.0]
    # each p99 with the answered requests it rests on: none of Grades' 100 was answered during, all of Students'
    assert faults["slow-grades"].groups["grades"].answered_during == [0]
    assert faults["slow-grades"].groups["students"].answered_before == [100]


def test_a_chained_runs_steady_lead_fills_the_latency_table(tmp_path: Path) -> None:
    steady = {g: figure(p50=5, p95=9) for g in ("students", "grades", "web", "all")}
    run = write_run(tmp_path, "b-chain", base_summary("b-chain", "b", "grades-chain",
                                                      steady={"window_s": [2.0, 9.0], "groups": steady}), "b")
    latency = collect.collect([run])["b"].latency
    # the lead's figures, not the whole run's (overall, faults included)
    assert latency.groups["web"].p95 == [9] and latency.groups["grades"].p50 == [5] and latency.throughput == [10.0]


def test_a_fault_not_carried_out_is_an_error_not_a_clean_result(tmp_path: Path) -> None:
    fault = kill_fault({"students": None, "grades": None, "web": None}, True, 0.0, 0.0, None)
    fault["error"] = "agent on grades does not answer"
    run = write_run(tmp_path, "c-crash", base_summary("c-crash", "c", "crash-grades", faults=[fault]), "c")
    model = collect.collect([run])["c"]
    assert "crash-grades" not in model.faults
    assert "not carried out" in model.errors["crash-grades"]
    assert any("not carried out" in w.why for w in model.warnings)


def test_same_model_from_two_sources_gets_two_columns(tmp_path: Path) -> None:
    for source in ("mine", "reference"):
        write_run(tmp_path / source, "b-steady", base_summary("b-steady", "b", "steady"))
    models = collect.collect([tmp_path / "mine" / "b-steady", tmp_path / "reference" / "b-steady"])
    assert sorted(models) == ["b (mine)", "b (reference)"]


def test_runner_idle_readings_stand_in_without_a_startup_phase(tmp_path: Path) -> None:
    summary = base_summary("d-steady", "d", "steady", resources={
        "web": {"memory_idle_mib": 30.0, "overhead_mib": 4.0}, "grades": {"memory_idle_mib": 50.0, "overhead_mib": 4.0},
        "total": {"memory_idle_mib": 80.0}})
    models = collect.collect([write_run(tmp_path, "d-steady", summary)])
    assert models["d"].idle.app_mib == [80.0] and models["d"].idle.overhead_mib == [8.0]


def test_capacity_with_no_sustained_step_is_an_error_not_a_zero(tmp_path: Path) -> None:
    run = write_run(tmp_path, "a-cap", base_summary("a-cap", "a", "capacity", capacity=capacity(None, None)))
    model = collect.collect([run])["a"]
    assert model.capacity.best_throughput == [] and "capacity" in model.errors


def test_a_folder_without_summary_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LabError, match="no summary.json"):
        collect.collect([tmp_path])


def test_repeats_give_median_range_and_a_mark_when_they_disagree() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0 and spread([3.0, 1.0, 2.0]) == 2.0
    assert number([10.0, 10.5, 11.0]) == "10.5 (10.0–11.0)"
    assert untrustworthy([5.0, 10.0, 15.0]) and number([5.0, 10.0, 15.0]).endswith("!")
    assert not number([0.001, 0.0, 0.002], 2).endswith("!")  # below what the column shows
    assert number([]) == "—" and number([None]) == "—"
    assert verdict(["failed", None, "failed"]) == "failed" and verdict(["slow", "failed"]) == "failed"


def test_capacity_is_reported_as_measured_beside_the_host_speed_not_rescaled_by_it(tmp_path: Path) -> None:
    runs = [write_run(tmp_path, f"{model}-capacity", base_summary(f"{model}-capacity", model, "capacity", capacity=capacity(
        throughput, 40, plateau_throughput=throughput, host_speed={"before": speed - 10, "after": speed + 10})), model)
        for model, throughput, speed in (("a", 600.0, 100.0), ("b", 450.0, 75.0))]
    models = collect.collect(runs)
    assert models["b"].capacity.host_speed == [75.0]
    assert models["a"].capacity.plateau_throughput == [600.0] and models["b"].capacity.plateau_throughput == [450.0]
    assert "common" not in json.dumps(models["a"].capacity.to_json())


def test_the_host_speed_is_a_real_measurement() -> None:
    assert (host_speed(None, seconds=0.2) or 0) > 1.0
