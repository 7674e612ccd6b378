"""The matrix skips what the machine cannot run and survives a driver that breaks, keeping the reason."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from deploylab.compare import matrix
from deploylab.compare.records import Outcome, StartupSummary
from deploylab.compare.startup import run_startup
from deploylab.core import manifest
from deploylab.core.driver import LabContext, Sample
from deploylab.measure import profiles
from deploylab.platform.footprint import Footprint


class Broken:
    name, title = "c", "broken"

    def __init__(self, reason: str | None) -> None:
        self.reason, self.downs = reason, 0
        self.ctx: Any = None

    def available(self) -> str | None:
        return self.reason

    def build(self) -> None:
        pass

    def up(self) -> Any:
        raise ValueError("not enough values to unpack")

    def down(self) -> None:
        self.downs += 1

    def cannot(self, kind: str, service: str, replicas: int | None = None) -> str | None:
        return None


@pytest.fixture
def ctx(tmp_path: Path) -> LabContext:
    return LabContext(root=tmp_path, state_dir=tmp_path / "lab", manifest=manifest.load())


def _run(ctx: LabContext, driver: Broken, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Outcome:
    driver.ctx = ctx
    monkeypatch.setattr(matrix, "driver_for", lambda _ctx, _key: driver)
    monkeypatch.setattr(matrix, "run_scenario", lambda *a, **k: (_ for _ in ()).throw(ValueError("boom")))
    lines: list[str] = []
    clock = matrix.Clock(5, 100.0, lines.append)
    return matrix.run_model(ctx, "c", profiles.get("smoke"), tmp_path / "runs", "x", clock, lines.append)


def test_unavailable_model_is_skipped_with_its_reason(ctx: LabContext, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    result = _run(ctx, Broken("no Docker engine answered"), monkeypatch, tmp_path)
    assert result == Outcome("skipped", "no Docker engine answered", [], {})


def test_a_driver_bug_is_recorded_and_the_model_taken_down(ctx: LabContext, monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path) -> None:
    driver = Broken(None)
    result = _run(ctx, driver, monkeypatch, tmp_path)
    assert result.status == "failed"
    assert result.errors["startup"] == "ValueError in the driver: not enough values to unpack"
    assert result.errors["steady"] == "ValueError in the driver: boom"
    assert driver.downs >= 2


class OneAtATime:
    """A driver that, like the real ones, refuses to come up twice."""

    name, title = "a", "one at a time"

    def __init__(self, ctx: LabContext) -> None:
        self.ctx, self.running, self.ups = ctx, False, 0

    def available(self) -> str | None:
        return None

    def build(self) -> None:
        pass

    def up(self) -> Any:
        if self.running:
            raise RuntimeError("port already in use")
        self.running, self.ups = True, self.ups + 1
        return type("Deployment", (), {"ready_seconds": 0.5})()

    def down(self) -> None:
        self.running = False

    def warm_start(self) -> float:
        self.down()
        return self.up().ready_seconds

    def sample(self) -> dict[str, Sample]:
        return {"shared": Sample(unit="shared", t=time.time(), up=True, rss=50 * 2**20)}

    def footprint(self) -> Footprint:
        return Footprint(1000, {"shared": 1000})

    def environments(self) -> int:
        return 1

    def cannot(self, kind: str, service: str, replicas: int | None = None) -> str | None:
        return "model a has no gateway (its one server is the entry)" if service == "gateway" else None


def test_every_start_up_cycle_begins_from_nothing_running(ctx: LabContext, tmp_path: Path) -> None:
    driver = OneAtATime(ctx)
    summary = run_startup(ctx, driver, "a", tmp_path / "out", idle_s=0, cycles=3)  # type: ignore[arg-type]
    assert summary.startup.cold_s == [0.5] * 3 and summary.startup.warm_s == [0.5] * 3
    assert StartupSummary.from_json(json.loads((tmp_path / "out" / "summary.json").read_text())) == summary
    assert driver.running and driver.ups == 6


def test_ctrl_c_in_a_run_stops_the_comparison_and_takes_the_model_down(
    ctx: LabContext, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    driver = OneAtATime(ctx)
    monkeypatch.setattr(matrix, "driver_for", lambda _ctx, _key: driver)
    def interrupted(_ctx: Any, _driver: Any, _scenario: Any, out_dir: Path, **_kw: Any) -> Any:
        out_dir.mkdir(parents=True)
        return type("Run", (), {"partial": True})()

    monkeypatch.setattr(matrix, "run_scenario", interrupted)
    monkeypatch.setattr(matrix, "_healthy", lambda _driver, grace_s=0.0: False)  # nothing answers: no grace to wait
    clock = matrix.Clock(5, 100.0, lambda _line: None)
    with pytest.raises(KeyboardInterrupt):
        matrix.run_model(ctx, "a", profiles.get("smoke"), tmp_path / "runs", "x", clock, lambda _line: None)
    assert not driver.running


def test_the_estimate_of_what_is_left_moves_believably() -> None:
    """Phases of very different planned lengths, the first slower than planned: the estimate never jumps as the
    old one did (10.2 -> 5.5 -> 10.6 -> 9.6 min), it falls as time passes and rises only a little per line."""
    now = [0.0]
    lines: list[str] = []
    planned = [60.0, 10.0, 10.0, 200.0, 60.0, 10.0, 10.0, 200.0]
    clock = matrix.Clock(len(planned), sum(planned), lines.append, planned, now=lambda: now[0])
    actual = [120.0, 8.0, 9.0, 230.0, 60.0, 11.0, 9.0, 190.0]
    shown = []
    for length in actual:
        shown.append(clock.remaining())
        clock.done += 1
        now[0] += length
    assert shown[0] == sum(planned)  # nothing done yet: the plan itself
    for before, after, spent in zip(shown, shown[1:], actual, strict=False):
        assert after <= before - spent + clock.RISE * before + 1e-9
    assert all(abs(after - before) / before < 0.5 for before, after in zip(shown[:4], shown[1:4], strict=False))
    clock = matrix.Clock(len(planned), sum(planned), lines.append, planned, now=lambda: now[0])
    clock.skip(4)  # the first model could not run: its phases leave the plan
    assert clock.total == 4 and clock.remaining() == sum(planned[4:])
    clock.phase("b", "start-up")
    assert lines[-1].startswith("[compare 1/4] model b: start-up — elapsed 0.0 min, about 4.7 min left")


def test_the_plan_has_a_phase_per_model_start_up_and_scenario() -> None:
    profile = profiles.get("full")
    planned = matrix.Clock.plan(profile, 2)
    assert len(planned) == 2 * (1 + profile.repeats * len(profile.scenarios))
    assert planned[0] == profile.repeats * 20.0 + profile.idle_s


def test_a_phase_with_nothing_to_act_on_is_not_run_and_says_why(ctx: LabContext, monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path) -> None:
    driver = OneAtATime(ctx)
    ran: list[str] = []
    monkeypatch.setattr(matrix, "driver_for", lambda _ctx, _key: driver)
    monkeypatch.setattr(matrix, "run_scenario", lambda _ctx, _driver, scenario, *a, **k: ran.append(scenario.name))
    profile = replace(profiles.get("smoke"), scenarios=("crash-gateway",))
    lines: list[str] = []
    outcome = matrix.run_model(ctx, "a", profile, tmp_path / "runs", "x", matrix.Clock(2, 10.0, lines.append),
                               lines.append)
    assert ran == []
    assert outcome.inapplicable == {"crash-gateway": "model a has no gateway (its one server is the entry)"}
    assert "crash-gateway" not in outcome.errors
    assert any("crash-gateway does not apply" in line for line in lines)


def test_the_slowest_model_to_bring_up_is_measured_last_and_the_report_keeps_the_order_asked() -> None:
    assert profiles.run_order(["a", "c", "d", "d-swarm"]) == ["a", "d", "d-swarm", "c"]
    assert profiles.run_order(["b", "a"]) == ["b", "a"]


def _measured(driver: OneAtATime, monkeypatch: pytest.MonkeyPatch, healthy: bool) -> None:
    def ran(_ctx: Any, _driver: Any, _scenario: Any, out_dir: Path, **_kw: Any) -> Any:
        out_dir.mkdir(parents=True)
        return type("Run", (), {"partial": False})()

    monkeypatch.setattr(matrix, "driver_for", lambda _ctx, _key: driver)
    monkeypatch.setattr(matrix, "run_scenario", ran)
    monkeypatch.setattr(matrix, "_label", lambda *a: None)
    monkeypatch.setattr(matrix, "_healthy", lambda _driver, grace_s=0.0: healthy)
    monkeypatch.setattr(matrix.lifecycle, "current", lambda _dir: driver.name if driver.running else None)


@pytest.mark.parametrize("healthy", [True, False])
def test_the_last_model_stays_up_for_the_rounds_only_when_it_answers(
    ctx: LabContext, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, healthy: bool,
) -> None:
    driver = OneAtATime(ctx)
    _measured(driver, monkeypatch, healthy)
    profile = replace(profiles.get("smoke"), scenarios=("steady",))
    clock = matrix.Clock(2, 10.0, lambda _line: None)
    outcome = matrix.run_model(ctx, "a", profile, tmp_path / "runs", "x", clock, lambda _line: None, keep_up=True)
    assert outcome.status == "measured" and driver.running is healthy
    matrix.run_model(ctx, "a", profile, tmp_path / "runs2", "y", clock, lambda _line: None)
    assert not driver.running  # not the last one: down as before


def test_the_rounds_measure_the_kept_model_where_it_is_and_take_it_down(
    ctx: LabContext, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    from deploylab.compare import rounds_phase
    from deploylab.measure.rounds import Performance

    kept, fresh = OneAtATime(ctx), OneAtATime(rounds_phase.context_for(ctx, "b", 1))
    kept.running = True
    monkeypatch.setattr(rounds_phase, "driver_for", lambda c, key: kept if c.port_offset == 0 else fresh)
    monkeypatch.setattr(rounds_phase, "kept_up", lambda driver: driver.running)
    monkeypatch.setattr(rounds_phase, "seed", lambda _url: None)
    fresh.up = lambda: (setattr(fresh, "running", True), type("D", (), {"base_url": "http://127.0.0.1:9100"})())[1]
    measured: list[tuple[str, str]] = []
    monkeypatch.setattr(rounds_phase, "run_rounds", lambda up, *a, **k: (
        measured.extend((key, url) for key, _driver, url in up), Performance(plan={}))[1])
    rounds_phase.run_phase(ctx, ["b", "a"], profiles.get("smoke").plan(), tmp_path, lambda _line: None, kept="a")  # type: ignore[arg-type]
    assert measured == [("b", "http://127.0.0.1:9100"), ("a", ctx.base_url)]
    assert kept.ups == 0 and not kept.running and not fresh.running
