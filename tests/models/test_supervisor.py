"""Model B's supervisor with throw-away units: restart with back-off, restart policies, control requests."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
from deploylab_models.b_per_service_server import supervisor as sup

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def make(tmp_path: Path, policy: str, argv: list[str] = SLEEPER) -> sup.Supervisor:
    config = {
        "policy": policy,
        "status_file": str(tmp_path / "units.json"),
        "control_dir": str(tmp_path / "control"),
        "units": [{"name": "u", "argv": argv, "env": {}, "log": str(tmp_path / "u.log")}],
    }
    return sup.Supervisor(config)


def tick_until(s: sup.Supervisor, condition, seconds: float = 5.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"state stayed {s.units[0].state}"
        s.check(s.units[0], time.monotonic())
        s.control()
        time.sleep(0.02)


@pytest.mark.parametrize(("policy", "code", "restarts"), [("on-failure", 1, True), ("on-failure", 0, False), ("always", 0, True), ("no", 1, False)])
def test_restart_policies(tmp_path: Path, policy: str, code: int, restarts: bool) -> None:
    s = make(tmp_path, policy, [sys.executable, "-c", f"raise SystemExit({code})"])
    unit = s.units[0]
    unit.start()
    tick_until(s, lambda: unit.state in ("backoff", "exited"))
    assert unit.last_exit == code
    assert unit.state == ("backoff" if restarts else "exited")


def test_backoff_doubles_up_to_8_seconds(tmp_path: Path) -> None:
    s = make(tmp_path, "on-failure")
    unit = s.units[0]
    waits = []
    for _ in range(6):
        unit.state, unit.started_at = "running", time.monotonic()
        unit.proc = type("Dead", (), {"poll": lambda self: 1, "returncode": 1})()
        now = time.monotonic()
        s.check(unit, now)
        waits.append(round(unit.restart_at - now, 2))
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    unit.state, unit.started_at = "running", time.monotonic() - sup.HEALTHY_AFTER
    unit.proc = type("Dead", (), {"poll": lambda self: 1, "returncode": 1})()
    now = time.monotonic()
    s.check(unit, now)
    assert round(unit.restart_at - now, 2) == 0.5  # ran 30 s healthy: back-off starts over


def test_control_stop_start_and_status_file(tmp_path: Path) -> None:
    s = make(tmp_path, "on-failure")
    s.control_dir.mkdir()
    unit = s.units[0]
    unit.start()
    first = unit.proc.pid
    (s.control_dir / "u").write_text("stop")
    assert s.control() and unit.proc is None and unit.state == "stopped"
    s.check(unit, time.monotonic())
    assert unit.state == "stopped"  # a stopped unit is not restarted
    (s.control_dir / "u").write_text("start")
    s.control()
    assert unit.proc and unit.proc.pid != first
    s.write_status()
    status = json.loads(s.status_file.read_text())
    assert status["units"]["u"]["pid"] == unit.proc.pid and status["units"]["u"]["state"] == "running"
    unit.stop()
