"""Model A for real: one waitress process hosts all three apps, under the same supervisor as B's units.
One process dies, every route dies, until the supervisor has it back; one cgroup holds the sum of the limits."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from deploylab.core.driver import Deployment, Driver, LabContext
from deploylab.platform.probe import http_status

from .support import assert_cycles_leave_nothing, bring_up, cgroup_limits, run_contract_suite

pytestmark = pytest.mark.slow

ROUTES = ("/students", "/grades", "/")


def test_up_down_cycles_leave_nothing(lab_ctx: LabContext) -> None:
    times = assert_cycles_leave_nothing("a", lab_ctx)
    print(f"model a: 20 up/down cycles, mean {sum(times) / len(times):.2f} s, max {max(times):.2f} s")


@pytest.fixture(scope="module")
def model_a(lab_ctx: LabContext) -> Iterator[tuple[Driver, Deployment]]:
    yield from bring_up("a", lab_ctx)


def test_contract_suite_passes(model_a: tuple[Driver, Deployment]) -> None:
    result = run_contract_suite(model_a[1])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def test_one_unit_hosts_every_service(model_a: tuple[Driver, Deployment]) -> None:
    driver, _ = model_a
    [unit] = driver.units()
    assert (unit.name, set(unit.services)) == ("shared", {"students", "grades", "web"})
    sample = driver.sample()["shared"]
    assert sample.up and sample.rss > 0 and sample.uss and sample.memory_source == "uss"


def test_the_one_process_has_the_sum_of_the_services_limits(model_a: tuple[Driver, Deployment], lab_ctx: LabContext) -> None:
    driver, deployment = model_a
    assert deployment.details["limits"]["applied"] == "cgroup v1", deployment.details["limits"]
    services = [s.limits for s in lab_ctx.manifest.services.values()]
    memory, quota, period, path = cgroup_limits(driver.unit_pid("shared"))
    assert path.startswith("/deploylab/a-") and path.endswith("/shared"), path
    assert memory == sum(limit.memory_mib for limit in services) * 2**20
    cores = len(os.sched_getaffinity(driver.unit_pid("shared")))  # the cores it may run on (pinned: 1)
    assert quota == round(min(sum(limit.cpus for limit in services), cores) * period)
    print(f"model a: {path}: {memory / 2**20:.0f} MiB, quota {quota}/{period} us on {cores} core(s)")


def test_a_killed_process_takes_every_route_until_the_supervisor_restarts_it(model_a: tuple[Driver, Deployment]) -> None:
    driver, deployment = model_a
    old = driver.unit_pid("shared")
    driver.fault("shared", "kill")
    started = time.monotonic()
    all_down = back = None
    while time.monotonic() - started < 15 and back is None:
        answers = [http_status(deployment.base_url + path, timeout=1) for path in ROUTES]
        if all_down is None and all(answer != 200 for answer in answers):
            all_down = time.monotonic() - started
        if all_down is not None and answers == [200] * len(ROUTES):
            back = time.monotonic() - started
        time.sleep(0.05)
    assert all_down is not None, "one process hosts every app: every route must fail with it"
    assert back is not None, "the supervisor must bring the one process back, and every route with it, within 15 s"
    assert driver.unit_pid("shared") not in (None, old)
    assert [row.restarts for row in driver.unit_states()] == [1]
    limit = driver.unit_limits()["shared"]  # type: ignore[attr-defined]
    assert cgroup_limits(driver.unit_pid("shared"))[0] == limit.memory_bytes, "the new process is in its group again"
    print(f"model a: every route down, back after {back:.1f} s")


def test_stop_start_and_redeploy(model_a: tuple[Driver, Deployment]) -> None:
    driver, deployment = model_a
    driver.fault("shared", "stop")
    assert driver.unit_pid("shared") is None and http_status(deployment.base_url + "/students") is None
    driver.fault("shared", "start")
    before = driver.unit_pid("shared")
    driver.fault("shared", "redeploy")
    assert driver.unit_pid("shared") not in (None, before)
    assert all(http_status(deployment.base_url + path) == 200 for path in ROUTES)
