"""Every command README.md and docs/*.md show in a shell block: the safe ones run exactly as written (exit 0), every
`deploylab …` is parsed by the real parser (its verb and flags exist), every `make X` names a target of the Makefile."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from deploylab.cli import main as cli

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Read-only, quick, and need no model up: run as written.
SAFE = {
    "deploylab --help", "deploylab --version", "deploylab run --list", "deploylab run --list --json", "deploylab deps",
    "deploylab deps --json", "deploylab status", "deploylab status --json", "make help",
}
FENCE = re.compile(r"^```(sh|bash|shell|console)\n(.*?)^```", re.S | re.M)
DEPLOYLAB = re.compile(r"(?<![\w/.-])deploylab(?![\w-])(?: [^;|&)#`\"']*)?")
SAME_AS = re.compile(r"= (deploylab [^;|&)#`\"']*)")  # in a comment: `make model-a   # = deploylab up a --seed`


def shell_lines(text: str) -> list[str]:
    """Each command of each shell block, continuation lines joined, the trailing comment kept apart."""
    lines: list[str] = []
    for block in FENCE.finditer(text):
        joined = block[2].replace("\\\n", " ")
        lines += [line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return lines


def commands() -> list[tuple[str, str]]:
    """(document, command) for every `deploylab …` and `make …` in a shell block, and each `= deploylab …` of
    a comment (`make model-a   # = deploylab up a --seed`); other comments are prose."""
    found: list[tuple[str, str]] = []
    for doc in DOCS:
        for line in shell_lines(doc.read_text()):
            code, _, comment = line.partition(" #")
            code = code.strip()
            found += [(doc.name, " ".join(m.split())) for m in DEPLOYLAB.findall(code) + SAME_AS.findall(comment)]
            if code.startswith("make "):
                found.append((doc.name, code))
    return found


ALL = commands()


def test_the_docs_show_commands() -> None:
    shown = {command for _, command in ALL}
    assert {"deploylab run --list", "deploylab status", "deploylab deps", "make help"} <= shown
    assert "deploylab shell c" in shown and "deploylab logs b grades --lines 50" in shown


@pytest.mark.parametrize(("doc", "command"), ALL, ids=[f"{d}: {c}" for d, c in ALL])
def test_every_command_parses(doc: str, command: str) -> None:
    argv = shlex.split(command)
    if argv[0] == "make":
        targets = set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(), re.M))
        assert set(argv[1:]) <= targets, f"{doc}: {command}: no such make target"
        return
    try:
        cli.make_parser().parse_args(argv[1:])
    except SystemExit as exc:
        assert exc.code == 0, f"{doc}: {command}: the parser refuses it"


@pytest.mark.parametrize("command", sorted(SAFE & {c for _, c in ALL}))
def test_safe_commands_run_as_written(command: str, tmp_path: Path) -> None:
    env = {**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}", "DEPLOYLAB_STATE_DIR": str(tmp_path)}
    result = subprocess.run(command, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, f"{command}: exit {result.returncode}\n{result.stdout[-1500:]}\n{result.stderr[-1500:]}"
    assert result.stdout.strip(), f"{command} printed nothing"
