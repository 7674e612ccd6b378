"""Model B for real: a process per service behind the gateway. Grades dies; Students and the page do not."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests

from deploylab.core.driver import Deployment, Driver, LabContext
from deploylab.platform.probe import http_status

from .support import (
    assert_cycles_leave_nothing,
    bring_up,
    cgroup_limits,
    gateway_back_after_kill,
    lab_cli,
    run_contract_suite,
    wait_for,
)

pytestmark = pytest.mark.slow


def test_up_down_cycles_leave_nothing(lab_ctx: LabContext) -> None:
    times = assert_cycles_leave_nothing("b", lab_ctx)
    print(f"model b: 20 up/down cycles, mean {sum(times) / len(times):.2f} s, max {max(times):.2f} s")


@pytest.fixture(scope="module")
def model_b(lab_ctx: LabContext) -> Iterator[tuple[Driver, Deployment]]:
    yield from bring_up("b", lab_ctx)


def test_contract_suite_passes(model_b: tuple[Driver, Deployment]) -> None:
    result = run_contract_suite(model_b[1])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def test_units_and_samples(model_b: tuple[Driver, Deployment]) -> None:
    driver, _ = model_b
    assert [u.name for u in driver.units()] == ["students", "grades", "web", "gateway"]
    samples = driver.sample()
    assert all(samples[name].up and samples[name].uss for name in ("students", "grades", "web", "gateway"))
    assert samples["supervisor"].overhead_rss and samples["supervisor"].rss == 0


def test_each_unit_runs_in_its_own_cgroups_with_the_manifests_limits(model_b: tuple[Driver, Deployment], lab_ctx: LabContext) -> None:
    driver, deployment = model_b
    assert deployment.details["limits"]["applied"] == "cgroup v1", deployment.details["limits"]
    for unit, limit in lab_ctx.manifest.unit_limits().items():
        pid = driver.unit_pid(unit)
        assert pid
        memory, quota, period, path = cgroup_limits(pid)
        assert path.startswith("/deploylab/b-") and path.endswith("/" + unit), path
        assert (memory, quota, period) == (limit.memory_mib * 2**20, round(limit.cpus * 100_000), 100_000), unit
    grades = lab_ctx.manifest.services["grades"].limits
    print(f"model b: grades in {cgroup_limits(driver.unit_pid('grades'))[3]}: {grades.memory_mib} MiB, {grades.cpus} cores")


def test_killed_grades_takes_only_its_routes_and_is_back_within_10s(model_b: tuple[Driver, Deployment]) -> None:
    driver, deployment = model_b
    base = deployment.base_url
    old_pid = driver.unit_pid("grades")
    driver.fault("grades", "kill")
    started = time.monotonic()
    students, pages, degraded, grades_back = [], [], 0, None
    while time.monotonic() - started < 10 and grades_back is None:
        students.append(http_status(base + "/students"))
        page = requests.get(base + "/", timeout=5)
        pages.append(page.status_code)
        degraded += page.headers.get("X-Degraded") == "grades"
        if http_status(base + "/grades") == 200 and driver.unit_pid("grades") not in (None, old_pid):
            grades_back = time.monotonic() - started
        time.sleep(0.05)
    assert set(students) == {200}, "Students must keep answering while Grades is down"
    assert set(pages) == {200}, "the page must keep rendering while Grades is down"
    assert degraded > 0, "the page must say it is degraded while Grades is down"
    assert grades_back is not None, "the supervisor must bring Grades back within 10 s"
    limit = driver.ctx.manifest.services["grades"].limits
    assert cgroup_limits(driver.unit_pid("grades"))[:2] == (limit.memory_mib * 2**20, round(limit.cpus * 100_000)), \
        "the restarted process is in its limited groups again"


def test_the_killed_gateway_is_restarted_by_the_supervisor(model_b: tuple[Driver, Deployment]) -> None:
    driver, deployment = model_b
    old = driver.unit_pid("gateway")
    back = gateway_back_after_kill(driver, deployment, lambda: driver.unit_pid("gateway") not in (None, old))
    assert back is not None, "the supervisor must restart the gateway and the entry answer again within 20 s"


def test_fault_verbs_through_the_cli(model_b: tuple[Driver, Deployment], lab_ctx: LabContext) -> None:
    driver, deployment = model_b
    base = deployment.base_url
    before = driver.unit_pid("grades")
    result = lab_cli(lab_ctx, "fault", "b", "grades", "crash")
    assert result.returncode == 0, result.stderr
    assert wait_for(lambda: driver.unit_pid("grades") not in (None, before) and http_status(base + "/grades") == 200, 10) is not None
    assert [row.restarts for row in driver.unit_states() if row.unit == "grades"][0] >= 1

    result = lab_cli(lab_ctx, "fault", "b", "grades", "latency", "ms=500", "duration_s=5")
    assert result.returncode == 0, result.stderr
    elapsed = requests.get(base + "/grades", timeout=5).elapsed.total_seconds()
    assert elapsed >= 0.5
    assert requests.get(base + "/students", timeout=5).elapsed.total_seconds() < 0.5
    assert lab_cli(lab_ctx, "fault", "b", "grades", "reset").returncode == 0


def test_stop_start_and_redeploy_one_unit(model_b: tuple[Driver, Deployment]) -> None:
    driver, deployment = model_b
    driver.fault("web", "stop")
    assert driver.unit_pid("web") is None and http_status(deployment.base_url + "/students") == 200
    driver.fault("web", "start")
    before = driver.unit_pid("students")
    driver.fault("students", "redeploy")
    assert driver.unit_pid("students") != before
    assert http_status(deployment.base_url + "/") == 200
