"""The student resource: /students and /students/<id>. Trailing slashes are accepted too."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request, url_for

from . import store
from .db import get_db
from .errors import ApiError
from .paging import parse_page
from .validation import read_body, student_fields

bp = Blueprint("students", __name__, url_prefix="/students")


def _not_found(student_id: int) -> ApiError:
    return ApiError(404, f"no student with id {student_id}")


@bp.get("", strict_slashes=False)
def list_students() -> Response:
    limit, offset = parse_page(request.args)
    students, total = store.list_page(get_db(), limit, offset)
    response = jsonify(students)
    response.headers["X-Total-Count"] = str(total)
    if offset + len(students) < total:
        next_url = url_for(".list_students", limit=limit, offset=offset + limit)
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return response


@bp.post("", strict_slashes=False)
def create_student() -> tuple[Response, int, dict[str, str]]:
    fields = student_fields(read_body(), partial=False)
    student = store.create(get_db(), fields["name"] or "", fields.get("grade"))
    return jsonify(student), 201, {"Location": url_for(".get_student", student_id=student["id"])}


@bp.get("/<int:student_id>", strict_slashes=False)
def get_student(student_id: int) -> Response:
    student = store.get(get_db(), student_id)
    if student is None:
        raise _not_found(student_id)
    return jsonify(student)


# PUT, as in the chapter, updates the fields given; PATCH is its standard name.
@bp.route("/<int:student_id>", methods=["PUT", "PATCH"], strict_slashes=False)
def update_student(student_id: int) -> Response:
    student = store.update(get_db(), student_id, student_fields(read_body(), partial=True))
    if student is None:
        raise _not_found(student_id)
    return jsonify(student)


@bp.delete("/<int:student_id>", strict_slashes=False)
def delete_student(student_id: int) -> tuple[str, int]:
    if not store.delete(get_db(), student_id):
        raise _not_found(student_id)
    return "", 204
