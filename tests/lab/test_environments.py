"""The lab's two environments and their locks (requirements/*.lock: written by `make lock`, installed by `make setup`
with every file's hash checked). The lab's .venv holds the services' exact pins and no Locust; the load
generator's .venv-loadgen holds Locust and loadtests/, which needs nothing of the lab."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from deploylab.core import manifest
from deploylab.core.driver import LabContext
from deploylab.measure import rounds, scenarios
from deploylab.measure.runner import locust_command
from deploylab.platform import deps, loadgen

ROOT = Path(__file__).resolve().parents[2]
LAB_LOCK = ROOT / "requirements" / "lab.lock"
LOADGEN_LOCK = ROOT / "requirements" / "loadgen.lock"
BUILD_IN = ROOT / "requirements" / "build.in"
SERVICE_REQS = sorted((ROOT / "services").glob("*/requirements.txt"))
REDO = "run `make lock` (it keeps the other pins), then `make setup`"


def locked(lock: Path) -> dict[str, list[Version]]:
    """Each package of a lock and its pinned versions (two when it forks by Python version). Every entry is pinned
    with == and carries at least one hash, as pip's --require-hashes wants."""
    found: dict[str, list[Version]] = {}
    for entry in lock.read_text().replace("\\\n", " ").splitlines():
        if not entry.strip() or entry.lstrip().startswith("#"):
            continue
        requirement, *hashes = entry.split("--hash=")
        req = Requirement(requirement)
        [spec] = req.specifier
        assert spec.operator == "==" and hashes, f"{lock.name}: {entry[:80]} is not pinned and hashed"
        found.setdefault(canonicalize_name(req.name), []).append(Version(spec.version))
    return found


def pyproject(path: Path) -> dict:
    return tomllib.loads(path.read_text())


def needed(project: dict) -> list[Requirement]:
    """A pyproject's dependencies, with those of every extra (`make lock` compiles them all)."""
    groups = [project["project"]["dependencies"], *project["project"].get("optional-dependencies", {}).values()]
    return [Requirement(line) for group in groups for line in group]


def build_needs() -> list[Requirement]:
    return [Requirement(line) for line in BUILD_IN.read_text().splitlines() if line.strip() and not line.startswith("#")]


def missing(requirements: list[Requirement], lock: Path) -> list[str]:
    """Each requirement the lock lacks, or whose locked version(s) it does not accept."""
    pins = locked(lock)
    return [f"{req} (locked: {', '.join(map(str, pins.get(canonicalize_name(req.name), []))) or 'none'})"
            for req in requirements
            if not pins.get(canonicalize_name(req.name))
            or not all(req.specifier.contains(v, prereleases=True) for v in pins[canonicalize_name(req.name)])]


# -- the locks ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("requirements", SERVICE_REQS, ids=[p.parent.name for p in SERVICE_REQS])
def test_the_lab_lock_holds_each_service_pin_exactly(requirements: Path) -> None:
    """The lab's tests run the services in .venv: each of a service's pins is the lock's one version of it."""
    pins = locked(LAB_LOCK)
    wrong = [f"{pin.package}{pin.spec} (locked: {', '.join(map(str, pins.get(pin.package, []))) or 'none'})"
             for pin in deps.parse_requirements(requirements)
             if [f"=={v}" for v in pins.get(pin.package, [])] != [pin.spec]]
    assert not wrong, f"requirements/lab.lock disagrees with {requirements.relative_to(ROOT)}: {wrong}; {REDO}"


def test_the_lab_lock_holds_every_dependency_of_the_lab_and_its_extras() -> None:
    gaps = missing(needed(pyproject(ROOT / "pyproject.toml")) + build_needs(), LAB_LOCK)
    assert not gaps, f"requirements/lab.lock lacks what pyproject.toml (or requirements/build.in) asks: {gaps}; {REDO}"


def test_the_loadgen_lock_holds_locust_and_the_build_tools() -> None:
    project = pyproject(ROOT / "loadtests" / "pyproject.toml")
    assert [req.name for req in needed(project)] == ["locust"]
    gaps = missing(needed(project) + build_needs(), LOADGEN_LOCK)
    assert not gaps, f"requirements/loadgen.lock lacks what loadtests/pyproject.toml asks: {gaps}; {REDO}"


def test_each_editable_project_builds_with_its_environments_locked_setuptools() -> None:
    """`make setup` installs the local projects with --no-build-isolation: their build backend is the locked one."""
    projects = {LAB_LOCK: [ROOT, *(p.parent for p in SERVICE_REQS), ROOT / "services" / "common"],
                LOADGEN_LOCK: [ROOT / "loadtests"]}
    for lock, folders in projects.items():
        for folder in folders:
            build = [Requirement(line) for line in pyproject(folder / "pyproject.toml")["build-system"]["requires"]]
            assert not missing(build, lock), f"{folder.relative_to(ROOT)}: {lock.name} cannot build it"


def test_locust_stays_out_of_the_lab_lock() -> None:
    """Locust and what only it needs (its web UI's Flask extensions, gevent) are the load generator's alone."""
    assert not {"locust", "gevent", "flask-cors", "flask-login"} & set(locked(LAB_LOCK))


# -- the environments as built ------------------------------------------------------------------------------------

def test_the_load_tests_need_nothing_of_the_lab() -> None:
    """.venv-loadgen has no deploylab: loadtests/ imports only itself (deploylab_loadtests), Locust and the stdlib."""
    for path in sorted((ROOT / "loadtests").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            assert not [n for n in names if n.split(".")[0] == "deploylab"], f"{path.name} imports the lab: {names}"


def test_the_lab_environment_has_no_locust() -> None:
    assert importlib.util.find_spec("locust") is None, "Locust is in the lab's .venv: `make setup` rebuilds it from its lock"


def test_the_load_generator_environment_has_locust_and_the_load_tests_only() -> None:
    check = ("import importlib.util, locust, deploylab_loadtests.users; "
             "assert importlib.util.find_spec('deploylab') is None, 'deploylab is installed here'")
    done = subprocess.run([str(loadgen.python(ROOT)), "-I", "-c", check], cwd=ROOT,  # -I: not from the folder
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-1500:]


def test_every_locust_the_lab_starts_runs_on_the_load_generators_python(tmp_path: Path) -> None:
    ctx = LabContext(root=ROOT, state_dir=tmp_path, manifest=manifest.load())
    start = loadgen.locust(ROOT)
    assert start[0] == str(ROOT / ".venv-loadgen" / "bin" / "python")
    assert locust_command(ctx, scenarios.load("steady"), "http://127.0.0.1:8600", tmp_path, 30)[:len(start)] == start
    assert rounds.locust_open_loop(ctx, "http://127.0.0.1:8600", tmp_path, [(50, 5)], "students=1", 1)[:len(start)] == start
    assert loadgen.version("locust") == str(locked(LOADGEN_LOCK)["locust"][0])  # what the reports name
