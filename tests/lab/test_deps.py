"""Model A's shared environment: pins are parsed and compared per package, so conflicts are real."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.specifiers import SpecifierSet

from deploylab.core.errors import LabError
from deploylab.platform import deps


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_union_without_conflicts(tmp_path: Path) -> None:
    a = write(tmp_path, "a.txt", "# comment\nFlask==3.1.3\nwaitress==3.0.2  # server\n")
    b = write(tmp_path, "b.txt", "flask == 3.1.3\nDjango_REST.framework==3.18.3\n-i https://example.invalid\n")
    merged, conflicts = deps.union([a, b])
    assert conflicts == {}
    assert merged == {"django-rest-framework": "==3.18.3", "flask": "==3.1.3", "waitress": "==3.0.2"}


def test_conflicting_pins_are_reported_by_package(tmp_path: Path) -> None:
    a = write(tmp_path, "students.txt", "werkzeug==3.1.9\nclick==8.5.1\n")
    b = write(tmp_path, "web.txt", "Werkzeug==2.3.0\nclick==8.5.1\n")
    _, conflicts = deps.union([a, b])
    assert list(conflicts) == ["werkzeug"]
    [line] = deps.describe_conflicts(conflicts, tmp_path)
    assert line == "werkzeug: ==3.1.9 in students.txt, ==2.3.0 in web.txt"
    with pytest.raises(LabError, match="werkzeug"):
        deps.write_union([a, b], tmp_path / "shared.txt")


def test_an_unpinned_requirement_does_not_conflict_with_a_pin(tmp_path: Path) -> None:
    a = write(tmp_path, "a.txt", "urllib3\n")
    b = write(tmp_path, "b.txt", "urllib3==2.8.0 ; python_version >= '3.8'\n")
    merged, conflicts = deps.union([a, b])
    assert conflicts == {} and merged == {"urllib3": "==2.8.0"}


def test_the_services_requirements_agree() -> None:
    from deploylab.core import manifest

    m = manifest.load()
    _, conflicts = deps.union([s.requirements for s in m.services.values()])
    assert conflicts == {}


# -- requirements read as pip reads them: specifier sets, markers --------------------------------------------


@pytest.mark.parametrize(("first", "second", "conflict"), [
    (">=3.0", "==3.0.2", False),  # a string comparison called these different
    ("==3.0.1", "==3.0.2", True),
    (">3.0,<3.1", ">=3.0", False),  # only versions between the two bounds: 3.0.1
    ("~=3.0", "==3.5.1", False),
    ("~=3.0.0", "==3.1", True),
    ("==3.0.*", ">=3.0.4", False),
    ("<2", ">=2", True),
    ("!=3.0.2", "==3.0.2", True),
])
def test_two_requirements_conflict_only_when_no_version_satisfies_both(tmp_path: Path, first: str, second: str, conflict: bool) -> None:
    a = write(tmp_path, "a.txt", f"pkg{first}\n")
    b = write(tmp_path, "b.txt", f"pkg{second}\n")
    merged, conflicts = deps.union([a, b])
    assert bool(conflicts) is conflict, (first, second)
    if not conflict:  # the shared file asks pip for both at once
        version = deps.satisfiable([SpecifierSet(first), SpecifierSet(second)])
        assert version is not None and SpecifierSet(merged["pkg"]).contains(version)


def test_a_requirement_whose_marker_does_not_hold_does_not_apply(tmp_path: Path) -> None:
    a = write(tmp_path, "a.txt", 'pkg==3.0.1 ; python_version < "3.8"\nold==1.0; python_version < "3.8"\n')
    b = write(tmp_path, "b.txt", "pkg==3.0.2\n")
    merged, conflicts = deps.union([a, b])
    assert conflicts == {}
    assert merged["pkg"] == "==3.0.2"
    assert merged["old"] == '==1.0; python_version < "3.8"', "the marker is kept: pip skips it on this interpreter"
    [pin] = [p for p in deps.parse_requirements(a) if p.package == "pkg"]
    assert (pin.marker, pin.applies) == ('python_version < "3.8"', False)
    # under an interpreter where the marker holds, the two pins do conflict
    _, conflicts = deps.union([a, b], environment={**default_environment(), "python_version": "3.7"})
    assert list(conflicts) == ["pkg"]


def test_extras_are_kept(tmp_path: Path) -> None:
    a = write(tmp_path, "a.txt", "requests[socks]>=2.31\n")
    b = write(tmp_path, "b.txt", "requests==2.32.3\n")
    merged, conflicts = deps.union([a, b])
    assert conflicts == {} and merged["requests"].startswith("[socks]")


# -- pip's resolver, with a fake pip at the process boundary --------------------------------------------------

FAKE_PIP = """#!/bin/sh
# a fake interpreter: `python -m pip install --dry-run ... -r FILE [--quiet --report -]`
case "$FAKE_PIP_MODE" in
  ok) echo '{"version": "1", "install": [{"metadata": {"name": "Flask", "version": "3.1.3"}}, {"metadata": {"name": "Werkzeug", "version": "3.1.9"}}]}' ;;
  conflict)
    case "$*" in
      *--report*) echo "ERROR: Cannot install -r $FAKE_PIP_FILE (line 1) and werkzeug==2.3.0 because these package versions have conflicting dependencies." >&2
                  echo "ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/" >&2 ;;
      *) printf '\\nThe conflict is caused by:\\n    The user requested werkzeug==2.3.0\\n    flask 3.1.3 depends on werkzeug>=3.1.0\\n\\nTo fix this\\n' ;;
    esac
    exit 1 ;;
  offline) echo "WARNING: Retrying after connection broken by 'NewConnectionError: Failed to establish a new connection'" >&2
           echo "ERROR: Could not find a version that satisfies the requirement flask==3.1.3" >&2; exit 1 ;;
esac
"""


@pytest.fixture
def fake_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    path = tmp_path / "python"
    path.write_text(FAKE_PIP)
    path.chmod(0o755)
    return str(path)


def test_the_resolver_lists_what_pip_would_install(fake_python: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_PIP_MODE", "ok")
    result = deps.resolve({"flask": "==3.1.3"}, python=fake_python)
    assert result.status == "resolved"
    assert result.installs == {"flask": "3.1.3", "werkzeug": "3.1.9"}


def test_an_indirect_conflict_is_pips_resolution_failure_in_its_own_words(fake_python: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_PIP_MODE", "conflict")
    monkeypatch.setenv("FAKE_PIP_FILE", "/tmp/x/union.txt")
    result = deps.resolve({"flask": "==3.1.3", "werkzeug": "==2.3.0"}, python=fake_python)
    assert result.status == "unresolvable"
    assert result.detail.splitlines() == [
        "Cannot install flask==3.1.3 and werkzeug==2.3.0 because these package versions have conflicting dependencies.",
        "The conflict is caused by:", "The user requested werkzeug==2.3.0", "flask 3.1.3 depends on werkzeug>=3.1.0"]


def test_without_the_index_the_check_says_so(fake_python: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FAKE_PIP_MODE", "offline")
    result = deps.resolve({"flask": "==3.1.3"}, python=fake_python)
    assert result.status == "unchecked" and "cannot be reached" in result.detail
    assert deps.resolve({"flask": "==3.1.3"}, python=str(tmp_path / "no-python")).status == "unchecked"
