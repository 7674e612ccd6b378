"""Where a page's time goes: the request log's Server-Timing column, its parsing, and the run report's figure."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from types import SimpleNamespace

from deploylab_loadtests.request_log import COLUMNS, SERVER_TIMING, RequestLog

from deploylab.measure import analysis
from deploylab.measure.records import HopTime, RunSummary
from deploylab.measure.scenarios import Fault, Scenario
from deploylab.report import page_time, write_reports
from deploylab.report.page_time import durations, entries
from tests.lab.test_report import T0, _meta

PAGE = "students;dur=2.0, web-students;dur=3.0, grades;dur=1.0, web-grades;dur=4.0, web;dur=6.0, gw;dur=7.0"


def test_entries_keep_their_order_and_a_quoted_comma() -> None:
    value = 'db;dur=2.5, cache;desc="miss, cold";dur=0.5, hit, web;dur=x, gw;DUR="7"'
    assert entries(value) == [("db", 2.5), ("cache", 0.5), ("hit", None), ("web", None), ("gw", 7.0)]
    assert entries("") == [] and entries(" , ;dur=1") == []


def test_durations_add_up_a_name_met_twice() -> None:
    assert durations("web-students;dur=1.5, web-students;dur=2.0, web;dur=4, hit") == {"web-students": 3.5, "web": 4.0}


def _row(t: float, value: str, group: str = "web", outcome: str = "ok") -> dict[str, str]:
    return {"t": f"{t}", "group": group, "name": "/", "method": "GET", "ms": "9", "status": "200", "outcome": outcome,
            SERVER_TIMING: value}


def _write_log(path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def test_the_log_records_each_answers_server_timing(tmp_path: Path) -> None:
    log = RequestLog(tmp_path / "requests.csv")
    answers = [
        SimpleNamespace(status_code=200, headers={"Server-Timing": "web;dur=3.0"}),
        SimpleNamespace(status_code=200, headers={"Server-Timing": ["students;dur=1.0", "gw;dur=2.0"]}),  # repeated
        SimpleNamespace(status_code=0, headers=None),  # no answer came
        None,
    ]
    for answer in answers:
        log.on_request("GET", "/", 5.0, response=answer, start_time=T0)
    log.close()
    [path] = tmp_path.glob("requests.*.csv")
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row[SERVER_TIMING] for row in rows] == ["web;dur=3.0", "students;dur=1.0, gw;dur=2.0", "", ""]
    assert len(analysis.read_requests([path])) == 4


def test_a_log_without_the_column_still_reads(tmp_path: Path) -> None:
    old = tmp_path / "requests.1.csv"
    _write_log(old, [_row(T0 + 5, PAGE)], COLUMNS[:-1])
    assert [r.group for r in analysis.read_requests([old])] == ["web"]
    assert page_time.page_values([old], T0, T0 + 30) == []
    assert page_time.from_log([old], T0, T0 + 30, T0) is None


def test_the_figure_is_each_entrys_median_over_the_pages_answers_before_the_first_fault(tmp_path: Path) -> None:
    rows = [_row(T0 + 2 + i / 10, PAGE.replace("web;dur=6.0", f"web;dur={5 + i}.0")) for i in range(3)]
    rows += [
        _row(T0 + 3, "web;dur=99.0", outcome="failed"),  # not answered: left out, as from the latencies
        _row(T0 + 3, "students;dur=50.0", group="students"),  # not the page
        _row(T0 + 4, ""),  # an answer without the header
        _row(T0 + 25, "web;dur=500.0"),  # during the fault
        _row(T0 + 0.5, "web;dur=500.0"),  # during the ramp-up
    ]
    _write_log(tmp_path / "requests.7.csv", rows)
    scenario = Scenario("crash-grades", "kill grades", "steady", 30, 10, 10, 1, 8,
                        faults=(Fault(at_s=20, kind="kill", service="grades"),))
    write_reports(tmp_path, _meta(scenario), [], [], 85.0)

    written = json.loads((tmp_path / "summary.json").read_text())
    page = RunSummary.from_json(written).page_time
    assert page is not None and page.to_json() == written["page_time"]
    assert RunSummary.from_json(written).to_json() == written  # the record holds it: nothing lost on a read
    assert (page.group, page.window_s) == ("web", (2.0, 20.0))
    assert page.hops[:3] == (HopTime("gw", 7.0, 3), HopTime("web", 6.0, 3), HopTime("web-grades", 4.0, 3))
    assert [hop.entry for hop in page.hops[3:]] == ["web-students", "students", "grades"]
    markdown = (tmp_path / "summary.md").read_text()
    assert "## Where a page's time goes (steady load, 2.0–20.0 s)" in markdown
    assert "| entry | median ms | n |" in markdown and "| web-students | 3.0 | 3 |" in markdown
    assert "Where a page&#x27;s time goes" in (tmp_path / "report.html").read_text()


def test_a_run_whose_log_has_no_server_timing_has_no_figure(tmp_path: Path) -> None:
    _write_log(tmp_path / "requests.7.csv", [_row(T0 + 5, "")])
    write_reports(tmp_path, _meta(Scenario("steady", "steady", "steady", 30, 10, 10, 1, 8)), [], [], 85.0)
    assert "page_time" not in json.loads((tmp_path / "summary.json").read_text())
    assert "## Where a page's time goes" not in (tmp_path / "summary.md").read_text()
