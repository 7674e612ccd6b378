"""Short fault runs for real (smoke profile, about 40 s each): the runner, the faults and the analysis together.

Model B: killing Grades breaks the Grades API, degrades the page, spares the Students API, and the
supervisor brings Grades back. Model A: the same kill takes the one shared process, so every group
breaks until its supervisor restarts it.
"""

from __future__ import annotations

import json

import pytest

from deploylab.core.driver import LabContext
from deploylab.core.registry import make_driver
from deploylab.measure import analysis, profiles
from deploylab.measure.runner import pinned, run_scenario

pytestmark = pytest.mark.slow


def _crash_grades(model: str, ctx: LabContext, tmp_path) -> dict:
    ctx = pinned(ctx)
    driver = make_driver(model, ctx)
    driver.down()
    # smoke's open loop, 50 req/s: the outage lasts under a second and still catches requests of each group
    scenario = profiles.get("smoke").scenario("crash-grades")
    assert scenario.rate == 50
    result = run_scenario(ctx, driver, scenario, tmp_path / f"{model}-crash-grades", show_progress=False)
    assert not result.partial
    assert driver.units() == [] or all(not s.up for s in driver.sample().values())  # the run took down what it started
    for name in ("summary.json", "summary.md", "report.html", "events.jsonl", "samples.jsonl"):
        assert (result.out_dir / name).exists(), name
    assert list(result.out_dir.glob("requests.*.csv")) and (result.out_dir / "locust_stats_history.csv").exists()
    summary = json.loads((result.out_dir / "summary.json").read_text())
    print(json.dumps({k: summary["faults"][0][k] for k in ("blast_radius", "restart_seen_s", "time_to_recover_s")}))
    return summary


@pytest.mark.timeout(120)
def test_model_b_grades_crash_is_contained(lab_ctx: LabContext, tmp_path) -> None:
    summary = _crash_grades("b", lab_ctx, tmp_path)
    fault = summary["faults"][0]
    assert fault["blast_radius"]["grades"] == "failed"
    assert fault["blast_radius"]["students"] is None
    # The supervisor restarts Grades within about a second, so a page request may or may not land in the
    # outage; one that does is answered without grades (degraded), never failed; the first pages after the
    # restart may wait on a cold Grades (slow).
    assert fault["blast_radius"]["web"] in (None, "degraded", "slow")
    assert fault["during"]["web"]["error_rate"] <= fault["before"]["web"]["error_rate"] + 0.01
    requests = analysis.read_requests(sorted((tmp_path / "b-crash-grades").glob("requests.*.csv")))
    down = [r.t for r in requests if r.group == "grades" and r.outcome == "failed"]
    assert down, "the kill failed no Grades request"
    pages = [r for r in requests if r.group == "web" and min(down) <= r.t <= max(down)]
    assert all(r.outcome != "failed" for r in pages)
    assert fault["restart_seen_s"] is not None
    assert fault["time_to_recover_s"] is not None


@pytest.mark.timeout(120)
def test_model_a_grades_crash_takes_everything_until_its_supervisor_restarts_it(lab_ctx: LabContext, tmp_path) -> None:
    summary = _crash_grades("a", lab_ctx, tmp_path)
    fault = summary["faults"][0]
    requests = analysis.read_requests(sorted((tmp_path / "a-crash-grades").glob("requests.*.csv")))
    failed = [r for r in requests if r.outcome == "failed"]
    assert failed, "the kill failed no request"
    # From the end of the first failure to the start of the last the one process was down: nothing was
    # answered, and every group with a request in that time failed, not just Grades.
    down_from, down_to = min(r.t + r.ms / 1000 for r in failed), max(r.t for r in failed)
    inside = [r for r in requests if down_from < r.t and r.t + r.ms / 1000 < down_to]
    assert all(r.outcome == "failed" for r in inside)
    assert len({r.group for r in inside}) >= 2
    assert all(fault["blast_radius"][group] == "failed" for group in {r.group for r in inside})
    # supervised as B is: the one process comes back, and with it every route
    assert fault["restart_seen_s"] is not None and fault["recovered"]
