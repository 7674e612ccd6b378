"""The add and edit forms: first name, last name, grade; joined into the backend's one `name`.

Any number of words works. The chapter split a full name on exactly two words and crashed on
"Cher" or "Mary Ann Evans"; here the first word is the first name and the rest the last name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .models import Student

NAME_MAX = 80  # the Students service's limits, checked here too so the user hears it at once
GRADE_MAX = 20

Errors = dict[str, list[str]]


def _clean(value: str | None) -> str:
    # Runs of whitespace, tabs and newlines collapse to one space: names are one line of words.
    return " ".join((value or "").split())


@dataclass
class StudentForm:
    first_name: str = ""
    last_name: str = ""
    grade: str = ""
    errors: Errors = field(default_factory=dict)

    @classmethod
    def from_post(cls, form: Mapping[str, str]) -> StudentForm:
        return cls(_clean(form.get("first_name")), _clean(form.get("last_name")), _clean(form.get("grade")))

    @classmethod
    def from_student(cls, student: Student) -> StudentForm:
        first, _, last = _clean(student.name).partition(" ")
        return cls(first, last, student.grade)

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def validate(self) -> bool:
        errors: Errors = {}
        if not self.name:
            errors["name"] = ["Enter a name."]
        elif len(self.name) > NAME_MAX:
            errors["name"] = [f"The name is {len(self.name)} characters long; at most {NAME_MAX} fit."]
        if len(self.grade) > GRADE_MAX:
            errors["grade"] = [f"A grade is at most {GRADE_MAX} characters."]
        self.errors = errors
        return not errors

    def fields(self) -> dict[str, str]:
        return {"name": self.name, "grade": self.grade}

    def reject(self, message: str, fields: Errors) -> None:
        """Errors the backend found, shown beside the inputs they concern; the rest on top."""
        self.errors = {key: list(value) for key, value in fields.items() if key in ("name", "grade")}
        others = [f"{key}: {m}" for key, value in fields.items() if key not in ("name", "grade") for m in value]
        if others or not self.errors:
            self.errors["form"] = others or [message]
