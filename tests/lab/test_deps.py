"""Model A's shared environment: pins are parsed and compared per package, so conflicts are real."""

from __future__ import annotations

from pathlib import Path

import pytest

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
