"""A run's reports from a small fixed run directory: figures, blast radius, self-contained HTML."""

from __future__ import annotations

import json

from deploylab_loadtests.groups import group_of
from deploylab_loadtests.request_log import outcome

from deploylab.measure.records import DeploymentInfo, GeneratorLoad, Machine, Pinning, RunMeta, RunSummary, UnitInfo
from deploylab.measure.resources import cpu_series, usage
from deploylab.measure.scenarios import Fault, Scenario
from deploylab.report import write_reports

T0 = 1_000_000.0


def _meta(scenario: Scenario) -> RunMeta:
    return RunMeta(
        run_id="test-run", model="b", model_title="one server per service", scenario=scenario, profile="smoke",
        machine=Machine(cpu_model="cpu", cores=2, memory_bytes=2**30, kernel="k"), pinning=Pinning("0", "1"),
        started=T0 - 10, idle=(T0 - 8, T0 - 5), load=(T0, T0 + 30),
        deployment=DeploymentInfo("http://127.0.0.1:8000", 2.5, True, (UnitInfo("grades", "process", ("grades",)),)),
    )


def _write_requests(path) -> None:
    rows = ["t,group,name,method,ms,status,outcome"]
    for i in range(300):  # 10 requests/s per group for 30 s; grades down from 10 to 13 s, the page degraded then
        t = T0 + i / 10
        down = 10 <= i / 10 < 13
        rows.append(f"{t},students,/students/[id],GET,10,200,ok")
        rows.append(f"{t},grades,/grades/[id],GET,{2 if down else 12},{502 if down else 200},{'failed' if down else 'ok'}")
        rows.append(f"{t},web,/,GET,30,200,{'degraded' if down else 'ok'}")
    path.write_text("\n".join(rows) + "\n")


def test_fault_run_report(tmp_path):
    scenario = Scenario("crash-grades", "kill grades", "steady", 30, 10, 10, 1, 8,
                        faults=(Fault(at_s=10, kind="kill", service="grades"),))
    _write_requests(tmp_path / "requests.123.csv")
    events = [{"t": T0 + 10, "kind": "fault", "fault": "kill"}, {"t": T0 + 12.5, "kind": "unit-up-seen", "unit": "grades"}]
    samples = [{"unit": "grades", "t": T0 - 7 + s, "up": True, "cpu_seconds": 0.5 * s, "rss": 50 * 2**20,
                "uss": 40 * 2**20, "memory_source": "uss"} for s in range(40)]
    samples += _generator({1: 97.0, 20: 91.0, 21: 40.0})
    summary = write_reports(tmp_path, _meta(scenario), events, samples, 85.0)

    fault = summary.faults[0]
    assert fault.blast_radius == {"students": None, "grades": "failed", "web": "degraded"}
    assert fault.restart_seen_s == 2.5 + 10
    assert fault.back_within_threshold_s == 13.0  # the first healthy bin after the outage
    assert fault.time_to_recover_s == 0.5  # from the restart seen at 12.5 s
    assert fault.outage_s == 3.0
    assert summary.overall["students"].error_rate == 0.0
    assert summary.generator == GeneratorLoad(cpu_max_percent=91.0, limit_percent=85.0, overloaded=True)
    assert summary.resources.units["grades"].memory_idle_mib == 40.0
    assert summary.resources.units["grades"].cpu_percent_load == 50.0

    written = json.loads((tmp_path / "summary.json").read_text())
    assert written["run_id"] == "test-run" and written["schema"] == 2
    assert RunSummary.from_json(written) == summary  # what the reports read is what the file holds
    markdown = (tmp_path / "summary.md").read_text()
    assert "| grades |" in markdown and "failed" in markdown and "WARNING" in markdown
    grades_row = next(line for line in markdown.splitlines() if line.startswith("| grades |") and "failed" in line)
    before = fault.before["grades"]  # each window's figures with the requests they rest on
    assert f"/ {before.count} |" in grades_row and "shape steady, 10 users" in markdown
    page = (tmp_path / "report.html").read_text()
    assert page.count("<svg") == 5
    charts = sorted(path.name for path in (tmp_path / "charts").iterdir())  # each plot also as files of its own
    assert len(charts) == 10 and {name.rsplit(".", 1)[1] for name in charts} == {"svg", "png"}
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing fetched: opens offline
    assert "<script" not in page


def _generator(readings: dict[float, float]) -> list[dict]:
    return [{"unit": "locust", "t": T0 + t, "up": True, "cpu_percent": cpu} for t, cpu in readings.items()]


def test_the_generators_own_start_is_not_load(tmp_path):
    scenario = Scenario("steady", "steady", "steady", 30, 10, 10, 1, 8)
    _write_requests(tmp_path / "requests.123.csv")
    # Locust's start (imports, spawning users) in its first second, then the load: not overloaded
    summary = write_reports(tmp_path, _meta(scenario), [], _generator({1: 94.0, 2.5: 30.0, 10: 12.0}), 85.0)
    assert summary.generator == GeneratorLoad(cpu_max_percent=30.0, limit_percent=85.0, overloaded=False)


def test_a_leak_killed_for_memory_lasts_until_the_unit_is_back(tmp_path):
    scenario = Scenario("leak-grades", "leak past the limit", "steady", 30, 10, 10, 1, 8,
                        faults=(Fault(at_s=9.5, until_s=11, kind="leak", service="grades"),))
    _write_requests(tmp_path / "requests.123.csv")  # grades down from 10 to 13 s
    events = [{"t": T0 + 9.9, "kind": "oom-kill", "unit": "grades"}, {"t": T0 + 12.5, "kind": "unit-restart-seen",
              "unit": "grades"}, {"t": T0 + 31, "kind": "oom-watched", "units": ["grades"]}]
    fault = write_reports(tmp_path, _meta(scenario), events, [], 85.0).faults[0]
    assert (fault.oom_killed_s, fault.oom_watched, fault.restart_seen_s) == (9.9, True, 12.5)
    assert fault.fault_end_s == 12.5 and fault.time_to_recover_s == 0.5  # from the restart, not the assault's end
    assert "killed by the kernel for memory at 9.9 s" in (tmp_path / "summary.md").read_text()


def test_a_machine_switched_on_again_recovers_from_the_moment_it_was_switched_on(tmp_path):
    scenario = Scenario("poweroff-grades", "power cut", "steady", 30, 10, 10, 1, 8,
                        faults=(Fault(at_s=9.5, until_s=11, kind="poweroff", service="grades"),))
    _write_requests(tmp_path / "requests.123.csv")  # grades down from 10 to 13 s: the machine boots from 11 s
    events = [{"t": T0 + 12.5, "kind": "unit-up-seen", "unit": "grades"}]
    fault = write_reports(tmp_path, _meta(scenario), events, [], 85.0).faults[0]
    assert fault.fault_end_s == 11.0  # switched on: the boot is part of the recovery, not of the fault
    assert (fault.back_within_threshold_s, fault.time_to_recover_s, fault.outage_s) == (13.0, 2.0, 3.5)


def test_without_the_kernels_log_a_kill_for_memory_is_unknown(tmp_path):
    scenario = Scenario("leak-grades", "leak", "steady", 30, 10, 10, 1, 8,
                        faults=(Fault(at_s=9.5, until_s=11, kind="leak", service="grades"),))
    _write_requests(tmp_path / "requests.123.csv")
    fault = write_reports(tmp_path, _meta(scenario), [], [], 85.0).faults[0]
    assert (fault.oom_killed_s, fault.oom_watched) == (None, False)


def test_a_fault_that_broke_nothing_has_no_outage(tmp_path):
    scenario = Scenario("cpu-grades", "busy grades", "steady", 30, 10, 10, 1, 8,
                        faults=(Fault(at_s=20, until_s=25, kind="cpu", service="grades"),))
    _write_requests(tmp_path / "requests.123.csv")  # its only trouble (10-13 s) is before this fault
    summary = write_reports(tmp_path, _meta(scenario), [], [], 85.0)

    fault = summary.faults[0]
    assert fault.blast_radius == {"students": None, "grades": None, "web": None}
    assert (fault.outage_s, fault.time_to_recover_s, fault.recovered) == (0.0, 0.0, True)


def test_chained_faults_share_the_baseline_and_end_at_the_next_fault(tmp_path):
    scenario = Scenario("assaults-grades", "two assaults", "steady", 30, 10, 10, 1, 8, faults=(
        Fault(at_s=8, until_s=11, kind="latency", service="grades", name="slow-grades"),
        Fault(at_s=20, until_s=23, kind="errors", service="grades", name="errors-grades"),
    ))
    _write_requests(tmp_path / "requests.123.csv")  # grades fails from 10 to 13 s
    first, second = write_reports(tmp_path, _meta(scenario), [], [], 85.0).faults

    assert first.blast_radius["grades"] == "failed" and first.segment_end_s == 20.0
    assert (first.back_within_threshold_s, first.time_to_recover_s) == (13.0, 2.0)
    assert second.baseline_window_s == first.baseline_window_s == (2.0, 8.0)  # before the first fault
    assert second.blast_radius == {"students": None, "grades": None, "web": None}
    assert second.fault.name == "errors-grades" and second.segment_end_s == 30.0


def test_a_chained_runs_steady_lead_is_measured_before_any_fault(tmp_path):
    scenario = Scenario("grades-chain", "steady, then an assault", "steady", 30, 10, 10, 1, 8, faults=(
        Fault(at_s=12, until_s=15, kind="errors", service="grades", name="errors-grades"),), steady_s=9)
    _write_requests(tmp_path / "requests.123.csv")  # grades fails from 10 to 13 s: after the lead
    summary = write_reports(tmp_path, _meta(scenario), [], [], 85.0)
    assert summary.steady is not None and summary.steady.window_s == (2.0, 9)
    assert summary.steady.groups["grades"].error_rate == 0.0 < summary.overall["grades"].error_rate
    assert summary.steady.groups["grades"].count == 70  # 10 requests/s from 2 to 9 s
    assert summary.faults[0].baseline_window_s == (2.0, 12.0)  # the baseline starts in the lead
    assert "## Steady load, before any fault (2.0–9.0 s" in (tmp_path / "summary.md").read_text()


def test_a_fault_is_not_back_when_the_next_one_starts_first(tmp_path):
    scenario = Scenario("assaults-grades", "two assaults", "steady", 30, 10, 10, 1, 8, faults=(
        Fault(at_s=8, until_s=11, kind="latency", service="grades", name="slow-grades"),
        Fault(at_s=14, until_s=16, kind="errors", service="grades", name="errors-grades"),
    ))
    _write_requests(tmp_path / "requests.123.csv")  # back at 13 s, but three healthy bins need until 16 s
    first = write_reports(tmp_path, _meta(scenario), [], [], 85.0).faults[0]
    assert first.recovered is False and first.time_to_recover_s is None
    assert "before the next fault (14.0 s)" in (tmp_path / "summary.md").read_text()


def test_a_slow_redeploy_is_judged_until_it_was_carried_out(tmp_path):
    scenario = Scenario("redeploy-grades", "redeploy", "steady", 30, 10, 10, 1, 2,
                        faults=(Fault(at_s=5, kind="redeploy", service="grades"),))
    _write_requests(tmp_path / "requests.123.csv")  # the switch-over: grades fails from 10 to 13 s
    events = [{"t": T0 + 14, "kind": "fault", "fault": "redeploy", "index": 0, "at_s": 14.0, "fired_s": 5.0}]
    fault = write_reports(tmp_path, _meta(scenario), events, [], 85.0).faults[0]
    # window_s alone (5..7 s) would have missed the switch-over and reported a harmless redeploy
    assert fault.window_s == (5.0, 14.0) and fault.done_s == 14.0
    assert fault.blast_radius["grades"] == "failed"
    assert (fault.fault_end_s, fault.time_to_recover_s) == (14.0, 0.0)


def test_a_fault_that_could_not_be_carried_out_says_so(tmp_path):
    scenario = Scenario("crash-students", "kill students", "steady", 30, 10, 10, 1, 8,
                        faults=(Fault(at_s=20, kind="kill", service="students"),))
    _write_requests(tmp_path / "requests.123.csv")
    events = [{"t": T0 + 20, "kind": "fault-failed", "fault": "kill", "target": "students", "index": 0,
               "error": "agent on students does not answer"}]
    fault = write_reports(tmp_path, _meta(scenario), events, [], 85.0).faults[0]
    assert fault.error == "agent on students does not answer"
    assert "NOT CARRIED OUT" in (tmp_path / "summary.md").read_text()


def test_capacity_section(tmp_path):
    scenario = Scenario("capacity", "step", "step", 30, 10, 10, 1, 8)
    _write_requests(tmp_path / "requests.1.csv")
    summary = write_reports(tmp_path, _meta(scenario), [], [], 85.0)
    assert summary.capacity is not None and len(summary.capacity.steps) == 5
    assert summary.capacity.best_throughput is not None
    assert "Capacity" in (tmp_path / "summary.md").read_text()


def test_cpu_series_survives_a_restart():
    rows = [{"t": 0, "up": True, "cpu_seconds": 5.0}, {"t": 1, "up": True, "cpu_seconds": 5.5},
            {"t": 2, "up": True, "cpu_seconds": 0.2}]
    assert cpu_series(rows) == [(1, 50.0), (2, 20.0)]


def test_usage_prefers_the_named_memory_source():
    rows = [{"unit": "web", "t": t, "up": True, "cpu_seconds": 0.0, "rss": 100 * 2**20, "pss": 60 * 2**20,
             "memory_source": "pss"} for t in range(5)]
    assert usage(rows, (0, 2), (2, 5)).units["web"].memory_idle_mib == 60.0


def test_groups_and_outcomes():
    assert [group_of(n) for n in ("/students/[id]", "/grades", "/update/[id]", "/", "/gradesx")] == \
        ["students", "grades", "web", "web", "web"]
    assert outcome("/ (degraded)", None) == "degraded"
    assert outcome("/", RuntimeError()) == "failed"
    assert outcome("/", None) == "ok"
