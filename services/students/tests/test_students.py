import pytest


def test_create_returns_201_the_object_and_its_location(client):
    response = client.post("/students", json={"name": "  Ada Lovelace ", "grade": "G1"})
    assert response.status_code == 201
    assert response.get_json() == {"id": 1, "name": "Ada Lovelace", "grade": "G1"}
    assert response.headers["Location"] == "/students/1"
    assert client.get(response.headers["Location"]).get_json() == response.get_json()


def test_create_accepts_the_front_ends_form_fields(client):
    response = client.post("/students", data={"name": "Alan Turing", "grade": "G2"})
    assert response.status_code == 201
    assert response.get_json()["name"] == "Alan Turing"


def test_a_client_sent_id_is_ignored(client, make_student):
    make_student()
    response = client.post("/students", json={"id": 1, "name": "Grace Hopper"})
    assert response.get_json()["id"] == 2


def test_an_empty_grade_is_stored_as_null(client):
    assert client.post("/students", data={"name": "Ada", "grade": " "}).get_json()["grade"] is None
    assert client.post("/students", json={"name": "Ada", "grade": None}).get_json()["grade"] is None
    assert client.post("/students", json={"name": "Ada"}).get_json()["grade"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 81}, "name"),
        ({"name": 42}, "name"),
        ({"name": ["Ada"]}, "name"),
        ({"name": "Ada", "grade": "g" * 21}, "grade"),
        ({"name": "Ada", "grade": 3}, "grade"),
    ],
)
def test_invalid_students_are_400_with_field_errors(client, body, field):
    response = client.post("/students", json=body)
    assert response.status_code == 400
    assert field in response.get_json()["fields"]
    assert client.get("/students").get_json() == []


def test_names_at_the_limits_are_accepted(client):
    assert client.post("/students", json={"name": "x" * 80, "grade": "g" * 20}).status_code == 201
    assert client.post("/students", json={"name": "Ω"}).status_code == 201


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"{nope", "application/json"),
        (b"\xff\xfe", "application/json"),
        (b"[1, 2]", "application/json"),
        (b'"Ada"', "application/json"),
        (b"name=Ada", "text/plain"),
        (b"<name>Ada</name>", "application/xml"),
    ],
)
def test_malformed_or_unknown_bodies_are_400(client, data, content_type):
    response = client.post("/students", data=data, content_type=content_type)
    assert response.status_code == 400
    assert "error" in response.get_json()


def test_bodies_above_64_kib_are_413(client):
    big = "x" * (64 * 1024 + 1)
    assert client.post("/students", data={"name": big}).status_code == 413
    assert client.post("/students", data=big, content_type="application/json").status_code == 413
    assert client.post("/students", data=big, content_type="text/plain").status_code == 413


def test_get_one(client, make_student):
    student = make_student()
    assert client.get(f"/students/{student['id']}").get_json() == student
    assert client.get(f"/students/{student['id']}/").status_code == 200


@pytest.mark.parametrize(
    "path", ["/students/999", "/students/abc", "/students/-1", "/students/1.5", "/students/" + "9" * 30]
)
@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_unknown_or_non_integer_ids_are_404(client, make_student, method, path):
    make_student()
    response = getattr(client, method)(path, json={"name": "Ada"})
    assert response.status_code == 404
    assert "error" in response.get_json()


@pytest.mark.parametrize("method", ["put", "patch"])
def test_update_changes_only_the_fields_given(client, make_student, method):
    student = make_student(name="Ada", grade="G1")
    response = getattr(client, method)(f"/students/{student['id']}", json={"grade": "G2", "id": 77})
    assert response.status_code == 200
    assert response.get_json() == {"id": student["id"], "name": "Ada", "grade": "G2"}
    response = getattr(client, method)(f"/students/{student['id']}", data={"name": " Grace "})
    assert response.get_json() == {"id": student["id"], "name": "Grace", "grade": "G2"}
    assert client.get(f"/students/{student['id']}").get_json()["name"] == "Grace"


@pytest.mark.parametrize("body", [{}, {"id": 3}, {"name": ""}, {"name": None}, {"grade": "g" * 21}])
def test_invalid_updates_are_400_and_change_nothing(client, make_student, body):
    student = make_student()
    response = client.put(f"/students/{student['id']}", json=body)
    assert response.status_code == 400
    assert client.get(f"/students/{student['id']}").get_json() == student


def test_delete_is_204_then_404(client, make_student):
    student = make_student()
    response = client.delete(f"/students/{student['id']}")
    assert (response.status_code, response.data) == (204, b"")
    assert client.get(f"/students/{student['id']}").status_code == 404
    assert client.delete(f"/students/{student['id']}").status_code == 404


def test_ids_of_deleted_students_are_not_reused(client, make_student):
    make_student()
    last = make_student()
    client.delete(f"/students/{last['id']}")
    assert make_student()["id"] == last["id"] + 1


def test_wrong_methods_are_405_json_with_allow(client):
    response = client.delete("/students")
    assert response.status_code == 405
    assert response.get_json() == {"error": "method not allowed"}
    assert "POST" in response.headers["Allow"]
    assert client.post("/students/1", json={"name": "Ada"}).status_code == 405


def test_unknown_paths_are_404_json(client):
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.get_json() == {"error": "not found"}


def test_unexpected_errors_are_json_500_without_a_traceback(tmp_path):
    from students import create_app

    app = create_app({"STUDENTS_DB": str(tmp_path / "s.sqlite3")})
    app.add_url_rule("/boom", view_func=lambda: 1 / 0)
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.get_json() == {"error": "internal server error"}


UNSAFE_TEXT = ["\ud800", "Ada\udfffLovelace", "Ada\x00", "Ada\x1b[31m", "Ada\nLovelace", "Ada\x7f", "Ada\x85Lovelace"]


@pytest.mark.parametrize("field", ["name", "grade"])
@pytest.mark.parametrize("text", UNSAFE_TEXT)
def test_control_characters_and_lone_surrogates_are_400_on_create(client, field, text):
    response = client.post("/students", json={"name": "Ada", "grade": "G1", field: text})
    assert response.status_code == 400
    assert response.get_json()["fields"] == {field: ["must not contain control characters or lone surrogates"]}
    assert client.get("/students").get_json() == []


@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize("field", ["name", "grade"])
@pytest.mark.parametrize("text", UNSAFE_TEXT)
def test_control_characters_and_lone_surrogates_are_400_on_update(client, make_student, method, field, text):
    student = make_student()
    response = getattr(client, method)(f"/students/{student['id']}", json={field: text})
    assert response.status_code == 400
    assert field in response.get_json()["fields"]
    assert client.get(f"/students/{student['id']}").get_json() == student


@pytest.mark.parametrize("encoded", ["Ada%00", "A%01da", "Ada%0D%0ALovelace", "A%C2%85da"])
def test_control_characters_in_form_bodies_are_400(client, make_student, encoded):
    form = "application/x-www-form-urlencoded"
    response = client.post("/students", data=f"name={encoded}&grade=G1", content_type=form)
    assert (response.status_code, list(response.get_json()["fields"])) == (400, ["name"])
    student = make_student()
    response = client.put(f"/students/{student['id']}", data=f"grade=G{encoded}", content_type=form)
    assert (response.status_code, list(response.get_json()["fields"])) == (400, ["grade"])
    assert client.get(f"/students/{student['id']}").get_json() == student


def test_invalid_utf8_in_a_form_body_is_kept_escaped_not_a_500(client):
    # Werkzeug leaves undecodable percent-escapes as they were, so no surrogate reaches SQLite.
    response = client.post("/students", data="name=%ED%A0%80", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 201
    assert response.get_json()["name"] == "%ED%A0%80"


@pytest.mark.parametrize("text", ["Ada\n", "\tAda", "Ada\x1f", "\x85Ada", "Ada\r\n"])
def test_control_characters_at_the_ends_are_400_too_not_trimmed_away(client, text):
    response = client.post("/students", json={"name": text, "grade": text.replace("Ada", "G1")})
    assert response.status_code == 400
    assert set(response.get_json()["fields"]) == {"name", "grade"}


def test_printable_unicode_and_inner_spaces_are_kept(client):
    response = client.post("/students", json={"name": "Zoë  O'Brien-Łukasz 李", "grade": "G1"})
    assert response.status_code == 201
    assert response.get_json()["name"] == "Zoë  O'Brien-Łukasz 李"


def test_json_nested_too_deep_to_parse_is_400_not_500(client):
    response = client.post("/students", data="[" * 50_000, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"] == "malformed JSON body"
