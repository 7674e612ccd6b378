"""Failure isolation through the chaos routes: Grades failing degrades the page, nothing else breaks.

Needs the deployment's chaos token (--chaos-token / DEPLOYLAB_CHAOS_TOKEN); skipped without it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .support import read_page


@pytest.fixture
def chaos(api, chaos_token) -> Iterator:
    def post(service: str, kind: str, **params: float):
        return api.post(f"/__chaos__/{service}/{kind}", json=params, headers={"X-Chaos-Token": chaos_token})

    yield post
    for service in ("students", "grades", "web"):
        post(service, "reset")


def test_the_chaos_routes_want_the_token(api, chaos):
    response = api.post("/__chaos__/grades/errors", json={"rate": 1.0, "duration_s": 5})
    assert response.status_code in (401, 403)
    response = api.post("/__chaos__/grades/errors", json={"rate": 1.0}, headers={"X-Chaos-Token": "wrong"})
    assert response.status_code in (401, 403)
    assert api.get("/grades").status_code == 200


def test_grades_failing_degrades_the_page_and_spares_students(api, chaos, make_student):
    student = make_student()
    assert chaos("grades", "errors", rate=1.0, duration_s=30).status_code == 202

    assert api.get("/grades").status_code >= 500
    page = api.get("/")
    assert page.status_code == 200
    assert page.headers.get("X-Degraded") == "grades"
    assert "grades unavailable" in page.text
    row = read_page(page.text).row_of(student["name"])
    assert row is not None and "grades unavailable" in row[3:5]
    assert api.get("/students").status_code == 200
    assert api.get(f"/students/{student['id']}").json() == student

    assert chaos("grades", "reset").status_code == 200
    assert api.get("/grades").status_code == 200
    page = api.get("/")
    assert page.status_code == 200 and "X-Degraded" not in page.headers
