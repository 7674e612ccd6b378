"""The chapter's pages: the roster with its add form, the edit form, and delete (asked, then posted).

Backend failures are not caught here: errors.py maps them to pages (unknown id 404, Students down 503).
Every POST has passed csrf.py's check before it gets here.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from . import backend
from .forms import StudentForm
from .models import Grade
from .request_id import request_id
from .roster import join
from .services import services

bp = Blueprint("pages", __name__)


def _saved(form: StudentForm, save: Callable[[], None]) -> bool:
    if not form.validate():
        return False
    try:
        save()
    except backend.Rejected as exc:
        form.reject(exc.reason, exc.fields)
        return False
    return True


def _back_to_roster() -> Response:
    # 303: the browser follows with a GET, so a reload never posts the form twice.
    return redirect(url_for("pages.index"), code=303)


def _page(template: str, grades: list[Grade] | None, status: int, **context: object) -> tuple[str, int, dict]:
    headers = {} if grades is not None else {"X-Degraded": "grades"}
    return render_template(template, grades=grades or [], degraded=grades is None, **context), status, headers


def _roster_page(form: StudentForm, status: int = 200) -> tuple[str, int, dict]:
    students, grades = services().with_grades(request_id(), lambda: services().students.all(request_id()))
    return _page("index.html", grades, status, rows=join(students, grades), form=form)


@bp.get("/")
def index() -> tuple[str, int, dict]:
    return _roster_page(StudentForm())


@bp.post("/")
def add() -> Response | tuple[str, int, dict]:
    form = StudentForm.from_post(request.form)
    if _saved(form, lambda: services().students.create(form.fields(), request_id())):
        return _back_to_roster()
    return _roster_page(form, status=400)


@bp.get("/update/<int:student_id>")
def edit(student_id: int) -> tuple[str, int, dict]:
    rid = request_id()
    student, grades = services().with_grades(rid, lambda: services().students.get(student_id, rid))
    return _page("edit.html", grades, 200, student_id=student_id, form=StudentForm.from_student(student))


@bp.post("/update/<int:student_id>")
def update(student_id: int) -> Response | tuple[str, int, dict]:
    form = StudentForm.from_post(request.form)
    if _saved(form, lambda: services().students.update(student_id, form.fields(), request_id())):
        return _back_to_roster()
    _, grades = services().with_grades(request_id(), lambda: None)
    return _page("edit.html", grades, 400, student_id=student_id, form=form)


@bp.get("/delete/<int:student_id>")
def confirm_delete(student_id: int) -> str:
    # The chapter's delete link lands here and only asks: a GET that deleted could be fired by any page
    # the user visits (an <img> pointing at it is enough), with no form and no token to check.
    return render_template("delete.html", student=services().students.get(student_id, request_id()))


@bp.post("/delete/<int:student_id>")
def delete(student_id: int) -> Response:
    services().students.delete(student_id, request_id())
    return _back_to_roster()
