"""The CLI: parsing, and every LabError as one line on stderr with its exit code, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from deploylab.cli import main as cli
from deploylab.cli.context import build_context
from deploylab.core.errors import UsageError

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*argv: str, state_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEPLOYLAB_STATE_DIR": str(state_dir), "DEPLOYLAB_PORT_OFFSET": "0"}
    return subprocess.run([sys.executable, "-m", "deploylab", *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_bad_model_is_one_line_and_non_zero(tmp_path: Path) -> None:
    result = run_cli("up", "zz", state_dir=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == ["deploylab: unknown model 'zz': choose one of a, b, c, d"]
    assert "Traceback" not in result.stderr


def test_down_with_nothing_up_is_fine_and_idempotent(tmp_path: Path) -> None:
    for _ in range(2):
        result = run_cli("down", state_dir=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "nothing is up" in result.stdout


def test_argparse_errors_exit_2(tmp_path: Path) -> None:
    assert run_cli("fault", "b", "grades", "explode", state_dir=tmp_path).returncode == 2
    assert run_cli(state_dir=tmp_path).returncode == 2


def test_parses_fault_with_params() -> None:
    args = cli.make_parser().parse_args(["--port-offset", "7", "fault", "b", "grades", "latency", "ms=500", "duration_s=30"])
    assert (args.verb, args.model, args.unit, args.kind, args.params, args.port_offset) == ("fault", "b", "grades", "latency", ["ms=500", "duration_s=30"], 7)


def test_up_accepts_restart_after_the_verb() -> None:
    args = cli.make_parser().parse_args(["up", "b", "--seed", "--restart", "always"])
    assert (args.model, args.seed, args.verb_restart) == ("b", True, "always")


def test_lab_error_maps_to_one_line_and_its_code(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    class Verb:
        add_arguments = staticmethod(lambda parser: None)

        @staticmethod
        def main(ctx, args):  # noqa: ANN001, ANN205
            raise UsageError("bad things\nsecond line stays in the message")

    monkeypatch.setattr(cli, "_command", lambda verb: Verb)
    assert cli.main(["status"]) == 2
    assert capsys.readouterr().err.startswith("deploylab: bad things")


def test_keyboard_interrupt_is_130(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    class Verb:
        add_arguments = staticmethod(lambda parser: None)

        @staticmethod
        def main(ctx, args):  # noqa: ANN001, ANN205
            raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_command", lambda verb: Verb)
    assert cli.main(["status"]) == 130
    assert capsys.readouterr().err == "deploylab: interrupted\n"


def test_every_verb_declares_its_own_arguments() -> None:
    for verb in cli.VERBS:
        assert callable(cli._command(verb).add_arguments), verb
    assert cli.make_parser().parse_args(["build", "d", "--swarm"]).swarm
    assert cli.make_parser().parse_args(["run", "--model", "d", "--swarm", "--scenario", "crash-grades-one"]).swarm


def test_a_variant_flag_on_the_wrong_model_is_one_line_and_exit_2(capsys) -> None:  # noqa: ANN001
    assert cli.main(["run", "--model", "b", "--swarm"]) == 2
    assert capsys.readouterr().err == "deploylab: --swarm is model D's option, not model b's\n"
    assert "a, b, c, d" in cli.make_parser()._subparsers._group_actions[0].choices["up"].format_help()  # type: ignore[union-attr]


def test_context_from_flags_and_environment(tmp_path: Path) -> None:
    env = {"DEPLOYLAB_STATE_DIR": str(tmp_path), "DEPLOYLAB_PORT_OFFSET": "100", "DEPLOYLAB_RESTART": "always"}
    ctx = build_context(environ=env)
    assert (ctx.state_dir, ctx.port_offset, ctx.entry_port, ctx.restart_policy) == (tmp_path.resolve(), 100, 8100, "always")
    assert build_context(port_offset=3, restart_policy="no", environ=env).port_offset == 3
    with pytest.raises(UsageError):
        build_context(environ={**env, "DEPLOYLAB_RESTART": "sometimes"})


def test_down_finds_a_model_started_without_up(tmp_path: Path) -> None:
    from deploylab.core import lifecycle, state

    state.write_state(tmp_path / "a", {"model": "a", "base_url": "http://127.0.0.1:1", "ports": []})
    assert lifecycle.recorded_up(tmp_path) == ["a"]
    (tmp_path / lifecycle.CURRENT).write_text("b\n")
    assert lifecycle.recorded_up(tmp_path) == ["b", "a"]
    result = run_cli("down", "a", state_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert state.read_state(tmp_path / "a") is None and lifecycle.current(tmp_path) == "b"


def test_run_list_works_as_the_readme_shows_it(tmp_path: Path) -> None:
    result = run_cli("run", "--list", state_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "steady"
    missing = run_cli("run", "--scenario", "steady", state_dir=tmp_path)
    assert missing.returncode == 2 and missing.stderr.strip().splitlines() == [
        "deploylab: --model is required: one of a, b, c, d"]


def test_a_scenario_with_nothing_to_act_on_is_refused_in_one_line_before_anything_runs(tmp_path: Path) -> None:
    result = run_cli("run", "--model", "a", "--scenario", "crash-gateway", "--profile", "quick", state_dir=tmp_path)
    assert result.returncode != 0 and result.stderr.strip().splitlines() == [
        "deploylab: scenario crash-gateway does not apply: model a has no gateway (its one server is the entry)"]
    assert not (tmp_path / "a").exists()
