"""Where the fault timeline sends a driver fault: every replica for a kill, one rollout for a redeploy."""

from __future__ import annotations

from deploylab.core.driver import Deployment, Unit
from deploylab.measure.faults import Action, fire
from deploylab.measure.scenarios import Fault


class Replicas:
    """A driver boundary with two replicas of Grades, recording what it was asked to do."""

    name = "d"

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def units(self) -> list[Unit]:
        return [Unit("grades.1", "container", ("grades",)), Unit("grades.2", "container", ("grades",)),
                Unit("web", "container", ("web",))]

    def fault(self, unit: str, kind: str, **params: float) -> None:
        assert "replicas" not in params  # the timeline's own parameter, not the driver's
        self.calls.append((unit, kind))


def _fire(driver: Replicas, kind: str, **params: float) -> dict:
    fault = Fault(at_s=1, kind=kind, service="grades", params=params)
    return fire(driver, Deployment("d", "http://127.0.0.1:9", driver.units(), "", 0.0), Action(1, kind, fault), "/__chaos__")


def test_a_kill_hits_every_replica_and_a_redeploy_rolls_out_once() -> None:
    driver = Replicas()
    assert _fire(driver, "kill")["units"] == ["grades.1", "grades.2"]
    assert _fire(driver, "redeploy")["units"] == ["grades.1"]
    assert driver.calls == [("grades.1", "kill"), ("grades.2", "kill"), ("grades.1", "redeploy")]


def test_a_kill_of_one_replica_leaves_the_other() -> None:
    driver = Replicas()
    assert _fire(driver, "kill", replicas=1)["units"] == ["grades.1"]
    assert driver.calls == [("grades.1", "kill")]
