"""The command line's habits: --version, --json for scripts, `deploylab shell` for the models' own tools (C: the
variables Vagrant reads, D: compose's), and `run --live` (Locust's web UI). No model is brought up here."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from deploylab_models.c_vm_vagrant import driver as c_driver
from deploylab_models.c_vm_vagrant import vagrant
from deploylab_models.d_containers import driver as d_driver
from deploylab_models.d_containers import wiring as d_wiring

from deploylab.cli import main as cli
from deploylab.cli.commands.shell import render_exports
from deploylab.cli.context import build_context
from deploylab.core import state
from deploylab.core.driver import LabContext
from deploylab.core.errors import LabError
from deploylab.measure import profiles, scenarios
from deploylab.measure.runner import locust_command
from tests.lab.compare_fixtures import matrix_runs

ROOT = Path(__file__).resolve().parents[2]
SOCKET = "unix:///tmp/deploylab-test-engine.sock"  # named, never opened


def run_cli(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "deploylab", *argv], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LabContext:
    monkeypatch.setenv("DEPLOYLAB_STATE_DIR", str(tmp_path / "lab"))
    monkeypatch.setenv("DEPLOYLAB_PORT_OFFSET", "600")
    monkeypatch.setenv("DOCKER_HOST", SOCKET)
    monkeypatch.delenv("VAGRANT_DEFAULT_PROVIDER", raising=False)
    monkeypatch.delenv("DEPLOYLAB_SUT_CPUS", raising=False)
    return build_context()


def shell_of(*argv: str, exports: str) -> str:
    """What a POSIX shell sees after `eval "$(deploylab shell …)"`."""
    return subprocess.run(["sh", "-c", f'eval "$EXPORTS"; {" ".join(argv)}'], env={"EXPORTS": exports, "PATH": os.environ["PATH"]},
                          capture_output=True, text=True, check=True).stdout


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith("deploylab 0.")


# -- model C: vagrant status, vagrant ssh by hand ---------------------------------------------------------------


def test_shell_c_exports_the_variables_vagrant_reads(lab: LabContext, capsys: pytest.CaptureFixture[str]) -> None:
    driver = c_driver.Driver(lab)
    state.write_state(driver.model_dir, {"machines": {}, "image": "deploylab/c-vm:abc", "agent_token": "t"})
    exports = driver.shell_env()
    model_dir = lab.state_dir / "c"
    assert {key: exports[key] for key in ("VAGRANT_DOTFILE_PATH", "VAGRANT_DEFAULT_PROVIDER", "VAGRANT_CWD",
                                          "DEPLOYLAB_C_ENTRY_PORT", "DEPLOYLAB_C_GUEST_PORT", "DEPLOYLAB_C_NAME",
                                          "DEPLOYLAB_C_NETWORK", "DEPLOYLAB_C_SSH_KEY", "DEPLOYLAB_C_IMAGE", "DOCKER_HOST")} == {
        "VAGRANT_DOTFILE_PATH": str(model_dir / "vagrant"), "VAGRANT_DEFAULT_PROVIDER": "docker",
        "VAGRANT_CWD": str(ROOT / "models" / "c_vm_vagrant"),
        "DEPLOYLAB_C_ENTRY_PORT": "8600", "DEPLOYLAB_C_GUEST_PORT": "8000", "DEPLOYLAB_C_NAME": "deploylab-c600",
        "DEPLOYLAB_C_NETWORK": "10.213.6", "DEPLOYLAB_C_SSH_KEY": str(model_dir / "ssh" / "id_ed25519"),
        "DEPLOYLAB_C_IMAGE": "deploylab/c-vm:abc", "DOCKER_HOST": SOCKET,
    }
    assert cli.main(["shell", "c"]) == 0
    printed = capsys.readouterr().out
    assert printed == render_exports(exports) == vagrant.render_exports(exports)
    seen = shell_of('echo "$VAGRANT_DOTFILE_PATH|$DEPLOYLAB_C_NAME|$DOCKER_HOST"', exports=printed)
    assert seen.strip() == f"{model_dir / 'vagrant'}|deploylab-c600|{SOCKET}"


def test_vagrant_env_is_written_at_up_and_removed_with_the_machines(lab: LabContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vagrant.Runner, "run", lambda self, argv, check=True: "")
    driver = c_driver.Driver(lab)
    runner = driver._runner("deploylab/c-vm:abc")
    env_file = lab.state_dir / "c" / "vagrant.env"
    runner.vagrant("up", "--no-provision")
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    state.write_state(driver.model_dir, {"machines": {}, "image": "deploylab/c-vm:abc", "agent_token": "t"})
    assert env_file.read_text() == render_exports(driver.shell_env()), "the file holds what `deploylab shell c` prints"
    runner.vagrant("status")
    assert env_file.exists()
    runner.vagrant("destroy", "-f")
    assert not env_file.exists()


def test_shell_c_when_c_is_not_up(lab: LabContext, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["shell", "c"]) == 1
    assert "model c is not up" in capsys.readouterr().err


def test_shell_of_a_process_model_is_a_usage_error(lab: LabContext, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["shell", "a"]) == 2
    assert "deploylab logs a" in capsys.readouterr().err


# -- model D: docker-compose ps by hand --------------------------------------------------------------------------


def up_d(ctx: LabContext, swarm: bool) -> d_driver.Driver:
    """The files `up d` leaves: state, the per-service env files and compose.env."""
    driver = d_driver.Driver(ctx)
    tags = {name: f"deploylab/d-{name}:abc" for name in (*ctx.manifest.services, "gateway")}
    state.write_state(driver.model_dir, {"swarm": swarm, "images": tags, "project": driver.project})
    env_dir = d_wiring.write_env_files(driver.model_dir, d_wiring.environments(ctx, {"secret_key": "k", "chaos_token": "c"}))
    d_wiring.write_compose_env(driver.model_dir, d_wiring.compose_variables(ctx, tags, env_dir))
    return driver


def test_shell_d_exports_the_project_its_files_and_variables(lab: LabContext, capsys: pytest.CaptureFixture[str]) -> None:
    driver = up_d(lab, swarm=False)
    exports = driver.shell_env()
    compose_file = ROOT / "models" / "d_containers" / "compose.yaml"
    assert exports["COMPOSE_PROJECT_NAME"] == "deploylab-d-600"
    assert exports["COMPOSE_FILE"] == str(compose_file)
    assert exports["GRADES_IMAGE"] == "deploylab/d-grades:abc" and exports["ENTRY_PORT"] == "8600"
    assert exports["DOCKER_HOST"] == SOCKET
    assert cli.main(["shell", "d"]) == 0
    printed = capsys.readouterr().out
    assert printed == render_exports(exports)
    if shutil.which("docker-compose"):  # compose reads the project, the file and the variables from the exports
        services = shell_of("docker-compose config --services", exports=printed).split()
        assert sorted(services) == sorted([*lab.manifest.services, "gateway"])


def test_shell_d_in_swarm_names_the_gateways_override(lab: LabContext) -> None:
    exports = up_d(lab, swarm=True).shell_env()
    assert exports["COMPOSE_FILE"].split(os.pathsep) == [
        str(ROOT / "models" / "d_containers" / "compose.yaml"), str(ROOT / "models" / "d_containers" / "swarm-gateway.yaml")]
    assert exports["STACK_NETWORK"] == "deploylab-d-600_net"


def test_shell_d_when_d_is_not_up(lab: LabContext) -> None:
    with pytest.raises(LabError, match="not up"):
        d_driver.Driver(lab).shell_env()


# -- one engine: the commands the lab runs get the client's endpoint ---------------------------------------------


def test_the_lab_passes_its_engine_to_the_commands_it_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    context_sock = f"unix://{tmp_path}/ctx.sock"
    folder = tmp_path / ".docker" / "contexts" / "meta" / hashlib.sha256(b"lab").hexdigest()
    folder.mkdir(parents=True)
    (folder / "meta.json").write_text(json.dumps({"Name": "lab", "Endpoints": {"docker": {"Host": context_sock}}}))
    (tmp_path / ".docker" / "config.json").write_text(json.dumps({"currentContext": "lab"}))
    environ: dict[str, str] = {"HOME": str(tmp_path)}
    cli._one_engine(environ)  # what main() does to os.environ: docker, compose and vagrant inherit it
    assert environ["DOCKER_HOST"] == context_sock
    kept = {"DOCKER_HOST": "unix:///mine.sock"}
    cli._one_engine(kept)
    assert kept == {"DOCKER_HOST": "unix:///mine.sock"}
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    runner = vagrant.Runner({"VAGRANT_DEFAULT_PROVIDER": "docker"}, tmp_path / "log", print)
    assert runner.env["DOCKER_HOST"] == runner.exports["DOCKER_HOST"] == context_sock
    assert "DOCKER_HOST" not in vagrant.Runner({"VAGRANT_DEFAULT_PROVIDER": "libvirt"}, tmp_path / "log", print).exports


# -- --json for scripts -------------------------------------------------------------------------------------------


def test_run_list_json(tmp_path: Path) -> None:
    result = run_cli("run", "--list", "--json", env={"DEPLOYLAB_STATE_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert [s["name"] for s in found] == scenarios.names()
    assert {"name", "description", "shape", "duration_s", "users", "faults"} <= set(found[0])


def test_deps_json(tmp_path: Path) -> None:
    result = run_cli("deps", "--json", "--no-resolve", env={"DEPLOYLAB_STATE_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["ok"] is True and found["conflicts"] == {} and found["packages"]["flask"].startswith("==")
    assert found["resolver"]["status"] == "unchecked"


def test_compare_json_names_the_reports_and_each_models_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    runs = matrix_runs(tmp_path / "runs")
    assert cli.main(["compare", *map(str, runs), "--out", str(tmp_path / "out"), "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    latest = tmp_path / "out" / "latest"
    assert (found["html"], found["markdown"], found["compare_json"]) == (
        str(latest / "comparison.html"), str(latest / "COMPARISON.md"), str(latest / "compare.json"))
    assert found["models"] and all(m["status"] == "measured" for m in found["models"].values())


# -- run --live: Locust's web UI during a measured run ------------------------------------------------------------


def test_live_runs_locust_with_its_web_ui_on_loopback(lab: LabContext, tmp_path: Path) -> None:
    scenario = scenarios.load("steady")
    headless = locust_command(lab, scenario, "http://127.0.0.1:8600", tmp_path, 30)
    assert "--headless" in headless and "--autostart" not in headless
    live_ctx = LabContext(**{**lab.__dict__, "options": {**lab.options, "locust_web_port": 8765}})
    live = locust_command(live_ctx, scenario, "http://127.0.0.1:8600", tmp_path, 30)
    assert "--headless" not in live
    i = live.index("--web-host")
    assert live[i:i + 8] == ["--web-host", "127.0.0.1", "--web-port", "8765", "--autostart", "--autoquit", "5", "--host"]
    assert cli.make_parser().parse_args(["run", "--model", "a", "--live"]).live


def test_a_profiled_phase_runs_locust_in_the_open_loop_at_the_cost_rate(lab: LabContext, tmp_path: Path) -> None:
    quick = profiles.get("quick")
    for name in ("steady", "crash-grades", "isolation-chain"):  # the faults' load is the rounds' own
        assert (quick.scenario(name).rate, quick.scenario(name).mix) == (150, profiles.MIX), name
    assert quick.scenario("capacity").rate is None and scenarios.load("crash-grades").rate is None
    command = locust_command(lab, quick.scenario("crash-grades"), "http://127.0.0.1:8600", tmp_path, 12)
    i = command.index("--arrival-rate")
    assert command[i:i + 4] == ["--arrival-rate", "150", "--mix", profiles.MIX]
    assert "--arrival-rate" not in locust_command(lab, scenarios.load("steady"), "http://127.0.0.1:8600", tmp_path, 30)
    assert cli.main(["run", "--model", "a", "--users", "5", "--rate", "50"]) == 2  # one loop or the other

