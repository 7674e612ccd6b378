"""`deploylab logs`: each model's driver reads its units' output where the model keeps it (files, journald, the
engine), here with the machines and the engine faked at their boundary."""

from __future__ import annotations

from pathlib import Path

import pytest
from deploylab_models.a_shared_server.driver import Driver as ADriver
from deploylab_models.b_per_service_server.driver import Driver as BDriver
from deploylab_models.c_vm_vagrant import driver as c_driver
from deploylab_models.d_containers.driver import Driver as DDriver

from deploylab.cli import main as cli
from deploylab.cli.context import build_context
from deploylab.core import state
from deploylab.core.driver import Driver, LabContext
from deploylab.core.errors import LabError


@pytest.fixture
def ctx(tmp_path: Path) -> LabContext:
    return build_context(environ={"DEPLOYLAB_STATE_DIR": str(tmp_path / "lab"), "HOME": str(tmp_path)})


def write_log(path: Path, name: str, count: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{name} line {i}\n" for i in range(1, count + 1)))


def test_a_reads_the_tail_of_its_one_process_log(ctx: LabContext) -> None:
    driver = ADriver(ctx)
    write_log(driver.log_path("shared"), "shared", 100)
    out = driver.logs("shared", 3)
    assert out.splitlines() == [f"--- shared: {driver.log_path('shared')} ---",
                                "shared line 98", "shared line 99", "shared line 100"]
    assert driver.logs(None, 1).splitlines()[-1] == "shared line 100"
    with pytest.raises(LabError, match="no unit 'grades'"):
        driver.logs("grades", 3)


def test_b_reads_each_units_log_and_the_supervisors(ctx: LabContext) -> None:
    driver = BDriver(ctx)
    for name in ("students", "grades", "web", "gateway", "supervisor"):
        write_log(driver.log_path(name), name, 10)
    assert driver.logs("grades", 2).splitlines()[1:] == ["grades line 9", "grades line 10"]
    every = driver.logs(None, 1)
    assert [line for line in every.splitlines() if not line.startswith("---")] == [
        "students line 10", "grades line 10", "web line 10", "gateway line 10", "supervisor line 10"]
    assert "supervisor line 10" in driver.logs("supervisor", 1)


class FakeRunner:
    """vagrant ssh MACHINE -c '…journalctl…' answered as journald would."""

    calls: list[tuple[str, ...]] = []

    def vagrant(self, *args: str, check: bool = True) -> str:
        FakeRunner.calls.append(args)
        return f"-- journal of {args[1]} --\n{args[1]}: Started {args[1]}.service\n"


def test_c_asks_journald_in_each_machine(ctx: LabContext, monkeypatch: pytest.MonkeyPatch) -> None:
    driver = c_driver.Driver(ctx)
    machines = {name: {"ip": f"10.213.0.{i}", "memory": None} for i, name in enumerate(c_driver.MACHINES, 10)}
    state.write_state(driver.model_dir, {"machines": machines, "image": "deploylab/c-vm:x", "agent_token": "t"})
    FakeRunner.calls = []
    monkeypatch.setattr(c_driver.Driver, "_runner", lambda self, image="": FakeRunner())
    out = driver.logs("grades", 7)
    assert FakeRunner.calls == [("ssh", "grades", "-c", "sudo journalctl -u grades -n 7 --no-pager")]
    assert "grades: Started grades.service" in out
    driver.logs(None, 5)
    assert [call[1] for call in FakeRunner.calls[1:]] == list(c_driver.MACHINES)
    with pytest.raises(LabError, match="no machine 'db'"):
        driver.logs("db", 5)


def test_c_says_when_it_is_not_up(ctx: LabContext) -> None:
    with pytest.raises(LabError, match="not up"):
        c_driver.Driver(ctx).logs(None, 5)


class FakeTopology:
    def __init__(self, containers: dict[str, str]) -> None:
        self.found = containers

    def containers(self) -> dict[str, str]:
        return self.found


class FakeEngine:
    def __init__(self) -> None:
        self.asked: list[tuple[str, int]] = []

    def logs(self, ref: str, tail: int = 40) -> str:
        self.asked.append((ref, tail))
        return f"output of {ref}\n"


def test_d_asks_the_engine_for_each_containers_log(ctx: LabContext, monkeypatch: pytest.MonkeyPatch) -> None:
    driver = DDriver(ctx)
    engine = FakeEngine()
    driver.engine = engine  # type: ignore[assignment]
    units = {"gateway": "g" * 64, "grades.1": "a" * 64, "grades.2": "b" * 64, "students.1": "s" * 64}
    monkeypatch.setattr(driver, "topology", lambda swarm=None: FakeTopology(units))
    out = driver.logs("grades", 12)  # in Swarm, a service's every replica
    assert engine.asked == [("a" * 64, 12), ("b" * 64, 12)]
    assert out.splitlines()[:2] == ["--- grades.1: container aaaaaaaaaaaa ---", f"output of {'a' * 64}"]
    assert driver.logs("gateway", 3).splitlines()[1] == f"output of {'g' * 64}"
    assert len(driver.logs(None, 3).splitlines()) == 2 * len(units)
    with pytest.raises(LabError, match="no unit 'db'"):
        driver.logs("db", 3)
    monkeypatch.setattr(driver, "topology", lambda swarm=None: FakeTopology({}))
    with pytest.raises(LabError, match="not up"):
        driver.logs(None, 3)


def test_a_driver_without_logs_says_so(ctx: LabContext) -> None:
    class Bare(Driver):
        name = "x"
        title = "nothing"
        build = up = down = units = fault = sample = footprint = environments = lambda self, *a, **k: None  # type: ignore[assignment]  # noqa: E731

    with pytest.raises(LabError, match="cannot show"):
        Bare(ctx).logs(None, 10)


def test_the_logs_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DEPLOYLAB_STATE_DIR", str(tmp_path / "lab"))
    write_log(tmp_path / "lab" / "b" / "logs" / "gateway.log", "gateway", 30)
    assert cli.main(["logs", "b", "gateway", "--lines", "2"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == ["gateway line 29", "gateway line 30"]
    assert cli.main(["logs", "b", "gateway", "-n", "0"]) == 2
    assert "at least 1" in capsys.readouterr().err
    args = cli.make_parser().parse_args(["logs", "c"])
    assert (args.model, args.unit, args.lines) == ("c", None, 50)
