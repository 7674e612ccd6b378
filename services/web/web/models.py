"""The two resources the page shows, read from the backends' JSON and checked on the way in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class BadDocument(ValueError):
    pass


@dataclass(frozen=True)
class Student:
    id: int
    name: str
    grade: str

    @classmethod
    def from_json(cls, item: Any) -> Student:
        if not isinstance(item, dict):
            raise BadDocument("a student is not a JSON object")
        id_, name, grade = item.get("id"), item.get("name"), item.get("grade")
        if not isinstance(id_, int) or isinstance(id_, bool) or not isinstance(name, str):
            raise BadDocument("a student lacks an integer id or a text name")
        return cls(id_, name, grade if isinstance(grade, str) else "")


@dataclass(frozen=True)
class Grade:
    grade_id: str
    building: str
    teacher: str

    @classmethod
    def from_json(cls, item: Any) -> Grade:
        if not isinstance(item, dict) or not isinstance(item.get("grade_id"), str):
            raise BadDocument("a grade lacks a text grade_id")
        return cls(item["grade_id"], str(item.get("building") or ""), str(item.get("teacher") or ""))
