"""The chapter's join: each student's grade to that grade's building and teacher.

Never fails: a grade that Grades does not know, or Grades being unavailable altogether,
becomes a visible note in the row instead of a crash.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import Grade, Student

GRADES_UNAVAILABLE = "grades unavailable"
UNKNOWN_GRADE = "unknown grade"


@dataclass(frozen=True)
class Row:
    student: Student
    building: str = ""
    teacher: str = ""
    note: str = ""  # shown in place of building and teacher when the join found nothing


def join(students: list[Student], grades: list[Grade] | None) -> list[Row]:
    if grades is None:
        return [Row(student, note=GRADES_UNAVAILABLE) for student in students]
    by_id = {grade.grade_id: grade for grade in grades}
    rows = []
    for student in students:
        grade = by_id.get(student.grade)
        rows.append(Row(student, grade.building, grade.teacher) if grade else Row(student, note=UNKNOWN_GRADE))
    return rows
