"""Students: /students and /students/<id>, JSON and form bodies, and every client error."""

from __future__ import annotations

import pytest

from .support import unique

BIG = "x" * (64 * 1024 + 1)


def test_create_from_json_then_get(api, make_student):
    name = f"Ada {unique('L')}"
    created = make_student(name=name, grade="G2")
    assert isinstance(created["id"], int)
    assert (created["name"], created["grade"]) == (name, "G2")
    response = api.get(f"/students/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created


def test_create_from_form_fields_as_the_chapters_front_end_sends(api):
    name = f"Form {unique('F')}"
    response = api.post("/students", data={"name": name, "grade": "G3"})
    assert response.status_code == 201, response.text
    student = response.json()
    try:
        assert (student["name"], student["grade"]) == (name, "G3")
        assert api.get(f"/students/{student['id']}").json()["name"] == name
    finally:
        api.delete(f"/students/{student['id']}")


def test_an_id_sent_by_the_client_is_ignored(api, make_student):
    claimed = 987_654_321
    response = api.post("/students", json={"id": claimed, "name": f"Claim {unique('C')}", "grade": "G1"})
    assert response.status_code == 201
    student = response.json()
    api.delete(f"/students/{student['id']}")
    assert student["id"] != claimed

    mine = make_student()
    response = api.put(f"/students/{mine['id']}", json={"id": claimed, "name": mine["name"]})
    assert response.status_code == 200
    assert response.json()["id"] == mine["id"]


def test_put_updates_the_fields_given(api, make_student):
    student = make_student(grade="G1")
    new_name = f"Renamed {unique('R')}"
    response = api.put(f"/students/{student['id']}", json={"name": new_name, "grade": "G4"})
    assert response.status_code == 200
    assert response.json() == {"id": student["id"], "name": new_name, "grade": "G4"}
    assert api.get(f"/students/{student['id']}").json()["grade"] == "G4"


def test_patch_changes_only_the_field_given(api, make_student):
    student = make_student(grade="G1")
    response = api.patch(f"/students/{student['id']}", json={"grade": "G5"})
    assert response.status_code == 200
    assert response.json() == {**student, "grade": "G5"}


def test_delete_then_the_student_is_gone(api):
    student = api.post("/students", json={"name": f"Gone {unique('D')}", "grade": "G1"}).json()
    assert api.delete(f"/students/{student['id']}").status_code == 204
    assert api.get(f"/students/{student['id']}").status_code == 404
    assert api.delete(f"/students/{student['id']}").status_code == 404


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("student_id", ["999999999", "abc", "1.5", "-1"])
def test_unknown_and_non_integer_ids_are_404(api, method, student_id):
    response = api.request(method, f"/students/{student_id}", json={"name": "Nobody"})
    assert response.status_code == 404


def test_a_deleted_id_is_404(api, make_student):
    student = make_student()
    api.delete(f"/students/{student['id']}")
    assert api.get(f"/students/{student['id']}").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"grade": "G1"}, "name"),
        ({"name": "", "grade": "G1"}, "name"),
        ({"name": "   ", "grade": "G1"}, "name"),
        ({"name": "x" * 81, "grade": "G1"}, "name"),
        ({"name": 42, "grade": "G1"}, "name"),
        ({"name": "Long Grade", "grade": "g" * 21}, "grade"),
        ({"name": "\ud800", "grade": "G1"}, "name"),  # a lone surrogate: SQLite cannot store it
        ({"name": "Ada\x00", "grade": "G1"}, "name"),
        ({"name": "Ada\x1b[2J", "grade": "G1"}, "name"),
        ({"name": "Ada", "grade": "G\n1"}, "grade"),
    ],
)
def test_invalid_fields_are_400_with_field_errors(api, body, field):
    response = api.post("/students", json=body)
    assert response.status_code == 400
    error = response.json()
    assert error["error"] and error["fields"][field]


@pytest.mark.parametrize("name", ["y" * 81, "\ud800", "Ada\x07"])
def test_invalid_update_is_400_and_changes_nothing(api, make_student, name):
    student = make_student()
    response = api.put(f"/students/{student['id']}", json={"name": name})
    assert response.status_code == 400
    assert response.json()["fields"]["name"]
    assert api.get(f"/students/{student['id']}").json() == student


def test_control_characters_in_form_fields_are_400(api, make_student):
    response = api.post("/students", data={"name": "Ada\x00", "grade": "G1"})
    assert response.status_code == 400
    assert response.json()["fields"]["name"]
    student = make_student()
    response = api.put(f"/students/{student['id']}", data={"grade": "G\x01"})
    assert response.status_code == 400
    assert response.json()["fields"]["grade"]


@pytest.mark.parametrize("raw", [b"{not json", b'["a list"]', b'"a string"', b"\xff\xfe"])
def test_malformed_json_is_400(api, raw):
    response = api.post("/students", data=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]


@pytest.mark.parametrize(("method", "path"), [("DELETE", "/students"), ("PUT", "/students"), ("POST", "/students/1")])
def test_wrong_method_is_405(api, method, path):
    assert api.request(method, path).status_code == 405


@pytest.mark.parametrize("send", ["json", "form"])
def test_a_body_over_64_kib_is_413(api, send):
    payload = {"name": BIG, "grade": "G1"}
    response = api.post("/students", **{"json" if send == "json" else "data": payload})
    assert response.status_code == 413


@pytest.mark.parametrize("path", ["/students", "/students/1"])
def test_a_foreign_host_name_is_400(api, path):
    # DNS rebinding: a page of evil.example that re-resolved its name to the entry's address.
    response = api.get(path, headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert response.json()["error"]


def test_the_openapi_document_is_served_through_the_entry(api):
    response = api.get("/students/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert (document["info"]["title"], document["servers"][0]["url"]) == ("Students", "/")
    assert "/students" in document["paths"]
