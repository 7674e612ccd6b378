"""Where the fault timeline sends a fault: every replica for a kill or an assault, one rollout for a redeploy."""

from __future__ import annotations

import pytest

from deploylab.core.driver import Deployment, Unit
from deploylab.core.errors import LabError
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

    def replicas(self, service: str) -> list[str]:
        return [u.name for u in self.units() if service in u.services and "." in u.name]

    def replica_chaos(self, unit: str, kind: str, params: dict, token: str, prefix: str) -> dict:
        assert "replicas" not in params and token == "t0ken" and prefix == "/__chaos__"
        self.calls.append((unit, f"{kind} {params.get('duration_s')}"))
        return {"active": [kind]}


def _fire(driver: Replicas, kind: str, token: str = "", until_s: float | None = None, **params: float) -> dict:
    fault = Fault(at_s=1, kind=kind, service="grades", params=params, until_s=until_s)
    return fire(driver, Deployment("d", "http://127.0.0.1:9", driver.units(), token, 0.0), Action(1, kind, fault),
                "/__chaos__")


def test_a_kill_hits_every_replica_and_a_redeploy_rolls_out_once() -> None:
    driver = Replicas()
    assert _fire(driver, "kill")["units"] == ["grades.1", "grades.2"]
    assert _fire(driver, "redeploy")["units"] == ["grades.1"]
    assert driver.calls == [("grades.1", "kill"), ("grades.2", "kill"), ("grades.1", "redeploy")]


def test_a_kill_of_one_replica_leaves_the_other() -> None:
    driver = Replicas()
    assert _fire(driver, "kill", replicas=1)["units"] == ["grades.1"]
    assert driver.calls == [("grades.1", "kill")]
    assert Fault(1, "kill", "grades", params={"replicas": 1}).target == "grades (one unit)"  # as the reports name it


def test_an_assault_goes_to_each_replica_itself_not_through_the_entry() -> None:
    driver = Replicas()
    done = _fire(driver, "cpu", token="t0ken", until_s=4)
    assert (done["via"], done["units"]) == ("replicas", ["grades.1", "grades.2"])
    assert _fire(driver, "leak", token="t0ken", replicas=1)["units"] == ["grades.1"]
    assert driver.calls == [("grades.1", "cpu 3"), ("grades.2", "cpu 3"), ("grades.1", "leak None")]


def test_an_assault_without_a_token_is_refused_before_reaching_any_replica() -> None:
    driver = Replicas()
    with pytest.raises(LabError, match="no chaos token"):
        _fire(driver, "cpu")
    assert driver.calls == []
