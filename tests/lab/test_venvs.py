"""Venvs are rebuilt only when their requirements change (the build itself is faked here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploylab.core import manifest
from deploylab.core.driver import LabContext
from deploylab.platform import venvs


@pytest.fixture
def ctx(tmp_path: Path) -> LabContext:
    return LabContext(root=tmp_path, state_dir=tmp_path / "lab", manifest=manifest.load())


def test_hash_follows_contents_not_paths(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("flask==3.1.3\n")
    b.write_text("flask==3.1.3\n")
    assert venvs.requirements_hash([a], "python3") == venvs.requirements_hash([b], "python3")
    assert venvs.requirements_hash([a], "python3") != venvs.requirements_hash([a], "python3.12")
    b.write_text("flask==3.1.2\n")
    assert venvs.requirements_hash([a], "python3") != venvs.requirements_hash([b], "python3")


def test_built_once_then_again_only_on_change(ctx: LabContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[Path] = []

    def fake_build(path: Path, requirements: list[Path], python: str) -> None:
        (path / "bin").mkdir(parents=True, exist_ok=True)
        (path / "bin" / "python").touch()
        builds.append(path)

    monkeypatch.setattr(venvs, "build", fake_build)
    req = tmp_path / "requirements.txt"
    req.write_text("waitress==3.0.2\n")
    path = venvs.ensure_venv("students", [req], ctx)
    assert path == ctx.state_dir / "venvs" / "students"
    venvs.ensure_venv("students", [req], ctx)
    assert len(builds) == 1
    req.write_text("waitress==3.0.1\n")
    venvs.ensure_venv("students", [req], ctx)
    assert len(builds) == 2


def test_pip_failure_is_a_lab_error_with_its_last_lines(tmp_path: Path) -> None:
    from deploylab.core.errors import LabError

    with pytest.raises(LabError, match="exit 3") as caught:
        venvs._run(["sh", "-c", "echo first; echo 'the real reason' >&2; exit 3"], "pip install into x")
    assert "the real reason" in str(caught.value)
