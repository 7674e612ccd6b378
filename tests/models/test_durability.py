"""Acknowledged Grades writes survive kill -9 of the unit that holds them: B's process, D's container.

As a client sees it, through the entry: N `POST /grades` answered 201, then SIGKILL of Grades' unit (B:
the supervisor restarts the process; D: the restart policy, the container), and once Grades answers
again every acknowledged grade is there, as it was acknowledged. SQLite in WAL mode with
`synchronous=NORMAL` keeps a commit through the death of the process (not through the machine's; the
lab does not test power loss). Students has the same test on its own (services/students/tests).

Each test brings its model up and takes it down (purging its data), so B and D never hold the entry
port at once; run beside other models with DEPLOYLAB_TEST_PORT_OFFSET.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Iterator

import pytest
import requests

from deploylab.core.driver import Deployment, Driver, LabContext
from deploylab.core.errors import LabError
from deploylab.platform.docker_engine import DockerEngine
from deploylab.platform.probe import http_status

from .support import ROOT, bring_up, wait_for

pytestmark = pytest.mark.slow

N = 50


def purging(ctx: LabContext) -> LabContext:
    """The test's deployments leave no data behind (D's named volumes outlive a plain `down`)."""
    return dataclasses.replace(ctx, options={**ctx.options, "purge": True})


def post_grades(base: str, n: int) -> list[dict]:
    """n new grades through the entry; those acknowledged with 201, as the service answered them."""
    prefix = f"k9{uuid.uuid4().hex[:8]}"
    acknowledged = []
    with requests.Session() as session:
        for i in range(n):
            grade = {"grade_id": f"{prefix}-{i}", "building": f"Building {i}", "teacher": f"Teacher {prefix}"}
            response = session.post(f"{base}/grades", json=grade, timeout=10)
            assert response.status_code == 201, response.text[:500]
            acknowledged.append(response.json())
    return acknowledged


def assert_all_there(base: str, acknowledged: list[dict]) -> None:
    ids = {grade["grade_id"] for grade in acknowledged}
    response = requests.get(f"{base}/grades", params={"limit": 500}, timeout=10)
    assert response.status_code == 200, response.text[:500]
    stored = [grade for grade in response.json() if grade["grade_id"] in ids]
    assert stored == acknowledged, f"{len(acknowledged) - len(stored)} of {len(acknowledged)} acknowledged grades lost"


@pytest.fixture
def model_b(lab_ctx: LabContext) -> Iterator[tuple[Driver, Deployment]]:
    yield from bring_up("b", purging(lab_ctx))


def test_acknowledged_grades_survive_kill_9_of_bs_grades_process(model_b: tuple[Driver, Deployment]) -> None:
    driver, deployment = model_b
    base = deployment.base_url
    acknowledged = post_grades(base, N)
    old_pid = driver.unit_pid("grades")
    driver.fault("grades", "kill")  # = deploylab fault b grades kill: SIGKILL, the supervisor restarts it
    back = wait_for(lambda: driver.unit_pid("grades") not in (None, old_pid) and http_status(base + "/grades") == 200, 20)
    assert back is not None, "the supervisor must bring Grades back"
    assert_all_there(base, acknowledged)


@pytest.fixture
def engine() -> DockerEngine:
    from deploylab_models.d_containers import cli

    engine = DockerEngine()
    try:
        cli.ensure_engine(engine, ROOT)
    except LabError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Docker engine: {exc}")
    return engine


@pytest.fixture
def model_d(lab_ctx: LabContext, engine: DockerEngine) -> Iterator[tuple[Driver, Deployment]]:
    yield from bring_up("d", purging(lab_ctx))


@pytest.mark.docker
def test_acknowledged_grades_survive_kill_9_of_ds_grades_container(model_d: tuple[Driver, Deployment], engine: DockerEngine) -> None:
    driver, deployment = model_d
    base = deployment.base_url
    acknowledged = post_grades(base, N)
    container = driver.container_id("grades")
    restarts = engine.container(container)["RestartCount"]
    driver.fault("grades", "kill")  # SIGKILL of the container's main process; the restart policy restarts it
    back = wait_for(lambda: engine.container(container)["RestartCount"] > restarts and http_status(base + "/grades") == 200, 30)
    assert back is not None, "the restart policy must bring Grades back"
    assert_all_there(base, acknowledged)
