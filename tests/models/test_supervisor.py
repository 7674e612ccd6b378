"""The supervisor of models A and B with throw-away units: restart with back-off, restart policies, control
requests, and each unit's cgroup v1 limits (real groups when this machine lets us make them)."""

from __future__ import annotations

import ast
import json
import sys
import time
from pathlib import Path

import pytest

from deploylab.platform import supervisor as sup

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def make(tmp_path: Path, policy: str, argv: list[str] = SLEEPER, limits: dict | None = None, cgroup: str | None = None) -> sup.Supervisor:
    config = {
        "policy": policy,
        "status_file": str(tmp_path / "units.json"),
        "control_dir": str(tmp_path / "control"),
        "cgroup": cgroup,
        "units": [{"name": "u", "argv": argv, "env": {}, "log": str(tmp_path / "u.log"), "limits": limits}],
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


def test_it_imports_only_the_standard_library() -> None:
    """Drivers run it by path with the lab's interpreter (`python3 supervisor.py config.json`)."""
    tree = ast.parse(Path(sup.__file__).read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert imported - {"__future__"} <= set(sys.stdlib_module_names)


def test_group_files_under_a_root(tmp_path: Path) -> None:
    for controller in ("memory", "cpu"):
        (tmp_path / controller).mkdir()
        (tmp_path / controller / "cgroup.procs").write_text("")
    assert sup.cgroups_unavailable(tmp_path) is None
    dirs = sup.make_group("deploylab/x-300-abc", "grades", {"memory_mib": 384, "cpus": 0.6}, tmp_path)
    assert (dirs["memory"] / "memory.limit_in_bytes").read_text() == str(384 * 2**20)
    assert (dirs["cpu"] / "cpu.cfs_period_us").read_text() == "100000"
    assert (dirs["cpu"] / "cpu.cfs_quota_us").read_text() == "60000"
    for group in dirs.values():  # a real group's files vanish with it; here they are plain files
        for child in group.iterdir():
            child.unlink()
    assert sup.remove_groups("deploylab/x-300-abc", root=tmp_path) == []
    assert not (tmp_path / "memory" / "deploylab").exists() and not (tmp_path / "cpu" / "deploylab").exists()
    (tmp_path / "cgroup.controllers").write_text("cpu memory")
    assert "cgroup v2" in (sup.cgroups_unavailable(tmp_path) or "")


def test_without_writable_cgroups_it_runs_without_limits_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sup, "CGROUP_ROOT", tmp_path / "no-cgroups")
    s = make(tmp_path, "on-failure", limits={"memory_mib": 64, "cpus": 0.5}, cgroup="deploylab/test")
    assert s.limits.startswith("off: no cgroup v1 memory controller")
    assert capsys.readouterr().out.count("running without limits") == 1
    unit = s.units[0]
    unit.start()
    try:
        assert unit.proc and unit.proc.poll() is None
        s.write_status()
        assert json.loads(s.status_file.read_text())["limits"].startswith("off:")
    finally:
        unit.stop()


def cgroup_of(pid: int, controller: str) -> str:
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return path
    raise AssertionError(f"{pid} has no {controller} cgroup")


@pytest.mark.skipif(sup.cgroups_unavailable() is not None, reason=f"no writable cgroup v1 here: {sup.cgroups_unavailable()}")
def test_a_unit_runs_in_its_own_groups_with_its_limits_and_they_go_with_it(tmp_path: Path) -> None:
    cgroup = f"deploylab/test-{tmp_path.name}"
    s = make(tmp_path, "on-failure", limits={"memory_mib": 64, "cpus": 0.25}, cgroup=cgroup)
    assert s.limits == "cgroup v1"
    unit = s.units[0]
    unit.start()
    try:
        assert unit.proc
        for controller, name, value in (("memory", "memory.limit_in_bytes", 64 * 2**20), ("cpu", "cpu.cfs_quota_us", 25_000)):
            path = cgroup_of(unit.proc.pid, controller)
            assert path == f"/{cgroup}/u", controller
            assert int((sup.CGROUP_ROOT / controller / path.lstrip("/") / name).read_text()) == value
    finally:
        unit.stop()
    assert not (sup.CGROUP_ROOT / "memory" / cgroup / "u").exists() and not (sup.CGROUP_ROOT / "cpu" / cgroup / "u").exists()
    sup.remove_groups(cgroup)
    assert not (sup.CGROUP_ROOT / "memory" / cgroup).exists()


@pytest.mark.skipif(sup.cgroups_unavailable() is not None, reason=f"no writable cgroup v1 here: {sup.cgroups_unavailable()}")
def test_a_leak_meets_the_units_memory_limit_and_the_unit_is_restarted(tmp_path: Path) -> None:
    leak = [sys.executable, "-c", "import time; b = [bytearray(8 * 2**20) for _ in range(32)]; time.sleep(60)"]
    s = make(tmp_path, "on-failure", leak, limits={"memory_mib": 64, "cpus": 0.5}, cgroup=f"deploylab/test-{tmp_path.name}")
    unit = s.units[0]
    unit.start()
    try:
        tick_until(s, lambda: unit.state == "backoff", 20)
        assert unit.last_exit == -9, "the kernel's OOM killer ends it inside its group"
    finally:
        unit.stop()
        sup.remove_groups(f"deploylab/test-{tmp_path.name}")
