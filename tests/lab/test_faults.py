"""Where the fault timeline sends a fault: every replica for a kill or an assault, one rollout for a redeploy."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from deploylab.core import manifest
from deploylab.core.driver import Deployment, LabContext, Unit
from deploylab.core.errors import LabError
from deploylab.core.registry import make_driver
from deploylab.measure.faults import Action, Timeline, cannot, fire, plan
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


def test_a_power_cut_with_an_end_is_followed_by_switching_the_machine_on() -> None:
    fault = Fault(at_s=2, kind="poweroff", service="grades", until_s=5)
    assert [(a.at_s, a.kind) for a in plan((fault,))] == [(2, "poweroff"), (5, "poweron")]
    driver = Replicas()
    fire(driver, Deployment("c", "http://127.0.0.1:9", [], "", 0.0), Action(5, "poweron", fault), "/__chaos__")
    assert driver.calls == [("grades.1", "poweron"), ("grades.2", "poweron")]


@pytest.mark.parametrize(("model", "kind", "service", "why"), [
    ("a", "kill", "gateway", "model a has no gateway (its one server is the entry)"),
    ("a", "kill", "grades", None),
    ("b", "kill", "gateway", None),
    ("b", "poweroff", "grades", "model b has no machine of its own per service to power off"),
    ("d", "poweroff", "grades", "model d has no machine of its own per service to power off"),
    ("c", "poweroff", "grades", None),
    ("c", "kill", "gateway", None),
])
def test_what_a_model_has_for_a_fault_to_act_on(tmp_path: Path, model: str, kind: str, service: str,
                                                 why: str | None) -> None:
    ctx = LabContext(root=tmp_path, state_dir=tmp_path / "lab", manifest=manifest.load())
    driver = make_driver(model, ctx)
    assert cannot(driver, (Fault(at_s=1, kind=kind, service=service),)) == why


@pytest.mark.parametrize("model", ["a", "b"])
def test_a_machine_fault_on_a_model_without_machines_is_refused_before_anything_is_touched(tmp_path: Path,
                                                                                           model: str) -> None:
    driver = make_driver(model, LabContext(root=tmp_path, state_dir=tmp_path / "lab", manifest=manifest.load()))
    with pytest.raises(LabError, match="no machine of its own per service"):
        driver.fault("shared" if model == "a" else "grades", "poweroff")


def test_a_timeline_stopped_early_undoes_what_it_did_and_nothing_else() -> None:
    """A cut network or a machine without power must not outlive an interrupted run."""
    driver = Replicas()
    cut = Fault(at_s=0, kind="partition", service="web", until_s=60)
    hog = Fault(at_s=0, kind="stop", service="grades", unit="grades.1", until_s=0.01)
    events: list[tuple[str, dict]] = []
    timeline = Timeline(driver, Deployment("d", "http://127.0.0.1:9", [], "", 0.0), (cut, hog), time.time(),
                        lambda kind, event: events.append((kind, event)))
    timeline.start()
    assert wait(lambda: len(driver.calls) == 3)  # the cut, the stop and the stop's own start
    timeline.stop()
    assert driver.calls[-1] == ("web", "heal") and driver.calls.count(("web", "heal")) == 1
    assert driver.calls.count(("grades.1", "start")) == 1
    assert timeline.finished_at is None


def wait(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.01)
    return condition()


@pytest.mark.parametrize(("model", "options", "why"), [
    ("b", {}, "model b runs one unit of grades: losing it is losing all of grades"),
    ("d", {}, "model d runs one unit of grades: losing it is losing all of grades"),
    ("d", {"swarm": True}, None),  # two replicas in the stack: one of them is a fault of its own
])
def test_the_kill_of_one_unit_is_a_fault_of_its_own_only_where_a_service_has_more(
        tmp_path: Path, model: str, options: dict, why: str | None) -> None:
    ctx = LabContext(root=tmp_path, state_dir=tmp_path / "lab", manifest=manifest.load(), options=options)
    one = Fault(at_s=1, kind="kill", service="grades", params={"replicas": 1})
    assert cannot(make_driver(model, ctx), (one,)) == why
