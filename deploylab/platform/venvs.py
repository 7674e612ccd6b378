"""Virtual environments of models A and B under .lab/venvs/<name>, rebuilt only when their requirements change."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

from deploylab.core.driver import LabContext
from deploylab.core.errors import LabError

STAMP = ".deploylab-requirements"


def requirements_hash(requirements: list[Path], python: str) -> str:
    """What the venv was built from: the interpreter named and the files' contents, in order."""
    digest = hashlib.sha256(python.encode())
    for path in requirements:
        try:
            digest.update(b"\0" + path.read_bytes())
        except OSError as exc:
            raise LabError(f"cannot read {path}: {exc.strerror}") from None
    return digest.hexdigest()


def venv_dir(ctx: LabContext, name: str) -> Path:
    """.lab/venvs/<name>, or under options["venv_dir"]: tests with their own state share the built venvs."""
    return Path(ctx.options.get("venv_dir") or ctx.state_dir / "venvs") / name


def is_current(path: Path, wanted: str) -> bool:
    try:
        return (path / "bin" / "python").exists() and (path / STAMP).read_text().strip() == wanted
    except FileNotFoundError:
        return False


def _run(argv: list[str], what: str) -> None:
    result = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-12:])
        raise LabError(f"{what} failed (exit {result.returncode}):\n{tail}")


def build(path: Path, requirements: list[Path], python: str) -> None:
    shutil.rmtree(path, ignore_errors=True)
    _run([python, "-m", "venv", str(path)], f"creating the virtual environment {path.name}")
    pip = [str(path / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    _run(pip + [arg for req in requirements for arg in ("-r", str(req))], f"pip install into {path.name}")


def ensure_venv(name: str, requirements: list[Path], ctx: LabContext) -> Path:
    """.lab/venvs/<name> with these requirements installed; built once, then reused until they change."""
    path = venv_dir(ctx, name)
    wanted = requirements_hash(requirements, ctx.python)
    if is_current(path, wanted):
        return path
    print(f"building the virtual environment {name} (once; cached until its requirements change)", file=sys.stderr, flush=True)
    build(path, requirements, ctx.python)
    (path / STAMP).write_text(wanted + "\n")
    return path
