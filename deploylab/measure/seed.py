"""The deterministic sample data (12 grades, 200 students), loaded through the public APIs only.

Only HTTP to the entry address, so it works the same for every model. Idempotent: what already
exists (grades by grade_id, students by name) is left alone, so a second run creates nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import requests

from deploylab.core.errors import LabError

BUILDINGS = ("North", "South", "East", "West")
TEACHERS = (
    "Mr. Smith", "Ms. Jones", "Mrs. Brown", "Mr. Taylor", "Ms. Wilson", "Mr. Davies",
    "Ms. Evans", "Mr. Thomas", "Mrs. Roberts", "Mr. Walker", "Ms. Wright", "Mr. Green",
)
FIRST_NAMES = "Ada Alan Grace Edsger Barbara Donald Frances John Margaret Dennis Radia Ken Hedy Niklaus Sophie Tim Karen Guido Shafi Leslie".split()
LAST_NAMES = "Lovelace Turing Hopper Dijkstra Liskov Knuth Allen Backus Hamilton Ritchie".split()
PAGE = 500  # the APIs' maximum page size: fewest round trips when reading what exists
TIMEOUT = 10.0


@dataclass(frozen=True)
class SeedResult:
    grades_created: int
    grades_existing: int
    students_created: int
    students_existing: int


def grades() -> list[dict[str, str]]:
    return [
        {"grade_id": f"G{n}", "building": BUILDINGS[(n - 1) % len(BUILDINGS)], "teacher": TEACHERS[n - 1]}
        for n in range(1, len(TEACHERS) + 1)
    ]


def students() -> list[dict[str, str]]:
    """200 distinct names (every first name with every last name), grades assigned round-robin."""
    grade_ids = [grade["grade_id"] for grade in grades()]
    return [
        {"name": f"{first} {last}", "grade": grade_ids[i % len(grade_ids)]}
        for i, (first, last) in enumerate((f, la) for la in LAST_NAMES for f in FIRST_NAMES)
    ]


def seed(base_url: str, *, progress: Callable[[str], None] | None = None) -> SeedResult:
    say = progress or (lambda message: None)
    wanted_grades, wanted_students = grades(), students()
    api = _Api(base_url.rstrip("/"))
    with api.session:
        grades_created = sum(api.ensure_grade(grade) for grade in wanted_grades)
        say(f"grades: {grades_created} created, {len(wanted_grades) - grades_created} already there")
        existing = {student.get("name") for student in api.all_students()}
        missing = [student for student in wanted_students if student["name"] not in existing]
        for done, student in enumerate(missing, 1):
            api.create_student(student)
            if done % 50 == 0:
                say(f"students: {done}/{len(missing)} created")
        say(f"students: {len(missing)} created, {len(wanted_students) - len(missing)} already there")
    return SeedResult(
        grades_created=grades_created,
        grades_existing=len(wanted_grades) - grades_created,
        students_created=len(missing),
        students_existing=len(wanted_students) - len(missing),
    )


class _Api:
    """The few calls the seed makes; every failure becomes one LabError that names the URL."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()  # keep-alive: 200 creates over one connection

    def _call(self, method: str, path: str, expect: tuple[int, ...], **kwargs: Any) -> requests.Response:
        url = self.base_url + path
        try:
            response = self.session.request(method, url, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            raise LabError(f"seed: nothing answers at {url} ({type(exc).__name__}); is a model up?") from None
        if response.status_code not in expect:
            raise LabError(f"seed: {method} {url} answered {response.status_code}: {response.text[:200]}")
        return response

    def ensure_grade(self, grade: dict[str, str]) -> bool:
        """True when the grade was created, False when it was already there."""
        if self._call("GET", f"/grades/{grade['grade_id']}", (200, 404)).status_code == 200:
            return False
        self._call("POST", "/grades", (201,), json=grade)
        return True

    def all_students(self) -> Iterator[dict]:
        offset = 0
        while True:
            page = self._call("GET", "/students", (200,), params={"limit": PAGE, "offset": offset}).json()
            if not page:
                return
            yield from page
            offset += len(page)

    def create_student(self, student: dict[str, str]) -> None:
        self._call("POST", "/students", (201,), json=student)
