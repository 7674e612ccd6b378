"""Model A for real: one waitress process hosts all three apps. One process dies, every route dies."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deploylab.core.driver import Deployment, Driver, LabContext
from deploylab.platform.probe import http_status

from .support import assert_cycles_leave_nothing, bring_up, poll, run_contract_suite

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


def test_killing_the_process_takes_every_route_down_until_started(model_a: tuple[Driver, Deployment]) -> None:
    driver, deployment = model_a
    driver.fault("shared", "kill")
    answers: list[int | None] = []
    poll(2.0, lambda: answers.extend(http_status(deployment.base_url + path, timeout=1) for path in ROUTES))
    assert set(answers) == {None}, "in model A nothing restarts the one process: every route must be gone"
    driver.fault("shared", "start")
    assert all(http_status(deployment.base_url + path) == 200 for path in ROUTES)
