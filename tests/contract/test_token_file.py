"""The suite's own options: the chaos token comes from a file or the environment, never the command line
(where `ps` shows it to every user of the machine)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import token_from_file

ROOT = Path(__file__).resolve().parents[2]


def test_the_token_is_the_chaos_token_line_of_a_secrets_file(tmp_path: Path) -> None:
    secrets_env = tmp_path / "secrets.env"
    secrets_env.write_text("secret_key=k=with=equals\nchaos_token=the-token\n")
    assert token_from_file(secrets_env) == "the-token"


@pytest.mark.parametrize("text", [None, "", "secret_key=k\n", "chaos_token=\n"], ids=["missing", "empty", "no-line", "no-value"])
def test_a_file_without_a_token_is_a_usage_error(tmp_path: Path, text: str | None) -> None:
    path = tmp_path / "secrets.env"
    if text is not None:
        path.write_text(text)
    with pytest.raises(pytest.UsageError, match="--chaos-token-file"):
        token_from_file(path)


def suite(*argv: str) -> subprocess.CompletedProcess[str]:
    """The chaos listing's tests in a pytest of their own, with no token from this environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEPLOYLAB_CHAOS_TOKEN")}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", "tests/contract/test_chaos_listing.py", *argv]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_the_suite_reads_the_token_from_the_file_it_is_given(entry: tuple[str, str], chaos_token: str, tmp_path: Path) -> None:
    secrets_env = tmp_path / "secrets.env"
    secrets_env.write_text(f"secret_key=unused\nchaos_token={chaos_token}\n")
    result = suite(f"--base-url={entry[0]}", f"--chaos-token-file={secrets_env}")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "skipped" not in result.stdout and "9 passed" in result.stdout, result.stdout[-2000:]


def test_the_token_is_no_longer_taken_from_the_command_line(entry: tuple[str, str]) -> None:
    result = suite(f"--base-url={entry[0]}", "--chaos-token=visible-in-ps")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout[-2000:] + result.stderr[-2000:]


def test_a_missing_file_stops_the_run_instead_of_skipping(entry: tuple[str, str], tmp_path: Path) -> None:
    result = suite(f"--base-url={entry[0]}", f"--chaos-token-file={tmp_path / 'nothing.env'}")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR and "--chaos-token-file" in result.stderr, result.stderr[-2000:]
