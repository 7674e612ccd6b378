"""Grades: /grades and /grades/<grade_id>, DRF's field errors, 404s and limits."""

from __future__ import annotations

import pytest

from .support import unique

GRADE_KEYS = {"grade_id", "building", "teacher"}


def test_create_then_get_by_grade_id(api, make_grade):
    grade = make_grade(building="North", teacher="Mr. Smith")
    assert set(grade) == GRADE_KEYS
    assert (grade["building"], grade["teacher"]) == ("North", "Mr. Smith")
    response = api.get(f"/grades/{grade['grade_id']}")
    assert response.status_code == 200
    assert response.json() == grade


def test_a_duplicate_grade_id_is_400(api, make_grade):
    grade = make_grade()
    response = api.post("/grades", json={**grade, "teacher": "Someone Else"})
    assert response.status_code == 400
    assert response.json()["grade_id"]
    assert api.get(f"/grades/{grade['grade_id']}").json() == grade


def test_put_replaces_and_patch_changes_one_field(api, make_grade):
    grade = make_grade()
    path = f"/grades/{grade['grade_id']}"
    replaced = {**grade, "building": "South", "teacher": "Ms. Jones"}
    response = api.put(path, json=replaced)
    assert response.status_code == 200
    assert response.json() == replaced
    response = api.patch(path, json={"teacher": "Mrs. Brown"})
    assert response.status_code == 200
    assert response.json() == {**replaced, "teacher": "Mrs. Brown"}
    assert api.get(path).json() == {**replaced, "teacher": "Mrs. Brown"}


def test_delete_then_the_grade_is_gone(api):
    grade_id = unique("T")
    assert api.post("/grades", json={"grade_id": grade_id, "building": "B", "teacher": "T"}).status_code == 201
    assert api.delete(f"/grades/{grade_id}").status_code == 204
    assert api.get(f"/grades/{grade_id}").status_code == 404


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_an_unknown_grade_id_is_404(api, method):
    response = api.request(method, f"/grades/{unique('NOPE')}", json={"building": "B", "teacher": "T"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"building": "B", "teacher": "T"}, "grade_id"),
        ({"grade_id": "", "building": "B", "teacher": "T"}, "grade_id"),
        ({"grade_id": "g" * 21, "building": "B", "teacher": "T"}, "grade_id"),
        ({"grade_id": "OK1", "teacher": "T"}, "building"),
        ({"grade_id": "OK1", "building": "b" * 201, "teacher": "T"}, "building"),
        ({"grade_id": "OK1", "building": "B"}, "teacher"),
    ],
)
def test_invalid_fields_are_400_with_field_errors(api, body, field):
    if body.get("grade_id") == "OK1":
        body = {**body, "grade_id": unique("T")}
    response = api.post("/grades", json=body)
    assert response.status_code == 400
    assert response.json()[field]


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2"])
def test_malformed_json_is_400(api, raw):
    response = api.post("/grades", data=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/json")


def test_wrong_method_is_405(api):
    assert api.delete("/grades").status_code == 405


def test_a_body_over_64_kib_is_413(api):
    body = {"grade_id": unique("T"), "building": "b" * (64 * 1024), "teacher": "T"}
    assert api.post("/grades", json=body).status_code == 413


def test_a_foreign_host_name_is_400(api):
    # DNS rebinding: a page of evil.example that re-resolved its name to the entry's address.
    response = api.get("/grades", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/json")


def test_the_openapi_document_is_served_through_the_entry(api):
    response = api.get("/grades/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert (document["info"]["title"], document["servers"][0]["url"]) == ("Grades", "/")
    assert "/grades" in document["paths"]


@pytest.mark.parametrize("grade_id", ["G 1", "G/1", "openapi.json"])
def test_a_grade_id_that_its_url_cannot_reach_is_400(api, grade_id):
    response = api.post("/grades", json={"grade_id": grade_id, "building": "B", "teacher": "T"})
    assert response.status_code == 400
    assert response.json()["grade_id"]


def test_control_characters_in_text_fields_are_400(api):
    response = api.post("/grades", json={"grade_id": unique("T"), "building": "B\x1b[2J", "teacher": "T\x00"})
    assert response.status_code == 400
    assert set(response.json()) == {"building", "teacher"}
