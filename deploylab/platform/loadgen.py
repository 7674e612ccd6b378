"""The load generator's own environment, .venv-loadgen: Locust and loadtests/ (installed as deploylab_loadtests),
made by `make setup` from requirements/loadgen.lock. It is kept apart from the lab's .venv, which holds the
services' pins, so that Locust's own dependencies (Flask for its web UI, among others) never meet them. Every
Locust the lab starts runs on this environment's python."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from deploylab.core.errors import LabError

VENV = ".venv-loadgen"
REPO = Path(__file__).resolve().parents[2]


def python(root: Path = REPO) -> Path:
    """The load generator's interpreter (not resolved: the link is what makes it the venv's)."""
    path = root / VENV / "bin" / "python"
    if not path.exists():
        raise LabError(f"the load generator's environment {VENV} is missing: `make setup` makes it")
    return path


def locust(root: Path = REPO) -> list[str]:
    """How every Locust command line of the lab starts: that interpreter, -m locust, the lab's locustfile."""
    return [str(python(root)), "-m", "locust", "-f", str(root / "loadtests" / "locustfile.py")]


def version(package: str, root: Path = REPO) -> str | None:
    """A package's version in the load generator's environment; None when it, or the environment, is missing."""
    site = [str(path) for path in sorted((root / VENV / "lib").glob("python*/site-packages"))]
    found = next(iter(metadata.distributions(name=package, path=site)), None) if site else None
    return found.version if found else None
