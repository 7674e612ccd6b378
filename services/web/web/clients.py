"""What the page asks of Students and Grades, in the backends' own wire format."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from .backend import Backend, Unavailable
from .models import BadDocument, Grade, Student

T = TypeVar("T")


def _checked(service: str, parse: Callable[[], T]) -> T:
    # A document we cannot read makes the service as useless to the page as one that is down.
    try:
        return parse()
    except BadDocument as exc:
        raise Unavailable(service, str(exc)) from None


class StudentsClient:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def all(self, request_id: str) -> list[Student]:
        items = self.backend.list_all("/students", request_id)
        return _checked(self.backend.service, lambda: [Student.from_json(item) for item in items])

    def get(self, student_id: int, request_id: str) -> Student:
        data = self.backend.request("GET", f"/students/{student_id}", request_id).data
        return _checked(self.backend.service, lambda: Student.from_json(data))

    def create(self, fields: Mapping[str, str], request_id: str) -> None:
        # Form-encoded, as the chapter's front end sends it.
        self.backend.request("POST", "/students", request_id, form=fields)

    def update(self, student_id: int, fields: Mapping[str, str], request_id: str) -> None:
        self.backend.request("PUT", f"/students/{student_id}", request_id, form=fields)

    def delete(self, student_id: int, request_id: str) -> None:
        self.backend.request("DELETE", f"/students/{student_id}", request_id)


class GradesClient:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def all(self, request_id: str) -> list[Grade]:
        items = self.backend.list_all("/grades", request_id)
        return _checked(self.backend.service, lambda: [Grade.from_json(item) for item in items])
