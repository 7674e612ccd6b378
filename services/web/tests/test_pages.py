"""The chapter's page through Flask's test client, against fake backends over real HTTP."""

import time

import pytest
from web import create_app

from .fakes import TIMEOUT_S, FakeBackend, closed_url, with_token


def page(client, path="/", **kwargs):
    response = client.get(path, **kwargs)
    return response, response.get_data(as_text=True)


def test_roster_joins_each_student_to_building_and_teacher(client):
    response, html = page(client)
    assert response.status_code == 200
    assert "X-Degraded" not in response.headers
    assert "<td>Ada Lovelace</td>" in html and "<td>North</td>" in html and "<td>Mr. Smith</td>" in html
    assert "<td>Ms. Jones</td>" in html
    assert 'href="/update/2"' in html and 'href="/delete/2"' in html
    assert 'href="/static/bootstrap.min.css"' in html


def test_a_grade_unknown_to_grades_shows_unknown_grade(client):
    _, html = page(client)
    row = html[html.index("Grace Hopper") :]
    assert row.index("unknown grade") < row.index("</tr>")
    assert "grades unavailable" not in html


@pytest.mark.parametrize("failure", ["down", "erroring", "slow"])
def test_without_grades_every_student_is_shown_marked_and_the_answer_is_flagged(app, client, grades, failure):
    if failure == "down":
        grades.stop()
    elif failure == "erroring":
        grades.fail_status = 500
    else:
        grades.delay_s = 3.0
    started = time.monotonic()
    response, html = page(client)
    assert time.monotonic() - started < TIMEOUT_S + 1.0  # the marker comes within the budget, not after Grades
    assert response.status_code == 200
    assert response.headers["X-Degraded"] == "grades"
    assert all(name in html for name in ("Ada Lovelace", "Alan Turing", "Grace Hopper"))
    assert html.count('<td class="text-body-secondary fst-italic">grades unavailable</td>') == 6


@pytest.mark.parametrize("failure", ["down", "erroring", "slow"])
def test_without_students_the_page_is_a_readable_503_naming_students(client, students, failure):
    if failure == "down":
        students.stop()
    elif failure == "erroring":
        students.fail_status = 500
    else:
        students.delay_s = 3.0
    response, html = page(client)
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert "Students is unavailable" in html
    assert "Traceback" not in html


def test_both_backends_are_asked_at_the_same_time(client, students, grades):
    students.delay_s = grades.delay_s = 0.3
    started = time.monotonic()
    response, _ = page(client)
    elapsed = time.monotonic() - started
    assert response.status_code == 200 and "X-Degraded" not in response.headers
    assert elapsed < 0.55  # one after the other would take at least 0.6 s


def test_roster_follows_pagination_of_both_backends():
    many = FakeBackend(
        "students", "id", [{"id": n, "name": f"Pupil {n}", "grade": f"G{n % 4}"} for n in range(1, 12)], 4
    )
    grades = FakeBackend(
        "grades", "grade_id", [{"grade_id": f"G{n}", "building": f"B{n}", "teacher": f"T{n}"} for n in range(4)], 2
    )
    try:
        client = create_app({"STUDENTS_URL": many.url, "GRADES_URL": grades.url}).test_client()
        _, html = page(client)
        assert all(f"<td>Pupil {n}</td>" in html for n in range(1, 12))
        assert "<td>T3</td>" in html and "unknown grade" not in html
        assert len(many.paths()) == 3 and len(grades.paths()) == 2
    finally:
        many.stop()
        grades.stop()


def test_request_id_is_forwarded_to_both_backends_and_returned(client, students, grades):
    response, _ = page(client, headers={"X-Request-ID": "trace-123"})
    assert response.headers["X-Request-ID"] == "trace-123"
    assert {r.headers["X-Request-ID"] for r in students.requests + grades.requests} == {"trace-123"}


def test_a_missing_or_unsafe_request_id_is_replaced_by_a_new_one(client, students):
    first, _ = page(client)
    second, _ = page(client, headers={"X-Request-ID": "bad id; with spaces"})
    made = {first.headers["X-Request-ID"], second.headers["X-Request-ID"]}
    assert len(made) == 2 and all(len(rid) == 36 for rid in made)
    assert {r.headers["X-Request-ID"] for r in students.requests} == made


@pytest.mark.parametrize(
    ("first", "last", "stored"),
    [("Cher", "", "Cher"), ("Ada", "Lovelace", "Ada Lovelace"), ("Mary Ann", "Evans", "Mary Ann Evans")],
)
def test_add_posts_the_joined_name_as_a_form_and_returns_to_the_roster(client, students, first, last, stored):
    response = client.post("/", data=with_token({"first_name": first, "last_name": last, "grade": "G1"}))
    assert response.status_code == 303 and response.headers["Location"] == "/"
    (created,) = [r for r in students.requests if r.method == "POST"]
    assert created.mimetype == "application/x-www-form-urlencoded"
    assert created.form.to_dict() == {"name": stored, "grade": "G1"}
    assert f"<td>{stored}</td>" in page(client)[1]


@pytest.mark.parametrize("stored", ["Cher", "Ada Lovelace", "Mary Ann Evans"])
def test_edit_form_shows_a_name_of_any_length_and_saves_it_back(client, students, stored):
    students.items[1]["name"] = stored
    response, html = page(client, "/update/1")
    assert response.status_code == 200
    first, _, last = stored.partition(" ")
    assert f'value="{first}"' in html and f'value="{last}"' in html
    saved = client.post("/update/1", data=with_token({"first_name": first, "last_name": last + " Jr", "grade": "G2"}))
    assert saved.status_code == 303 and saved.headers["Location"] == "/"
    assert students.items[1] == {"id": 1, "name": f"{stored} Jr", "grade": "G2"}
    assert [r.method for r in students.requests if r.path == "/students/1"] == ["GET", "PUT"]


def test_the_delete_link_asks_first_and_deletes_nothing(client, students):
    response, html = page(client, "/delete/2")
    assert response.status_code == 200
    assert "Alan Turing" in html and 'action="/delete/2"' in html and 'method="post"' in html
    assert 2 in students.items and "DELETE" not in {r.method for r in students.requests}


def test_the_confirmed_delete_removes_the_student_and_returns_to_the_roster(client, students):
    response = client.post("/delete/2", data=with_token({}))
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert 2 not in students.items


def test_deleting_an_unknown_id_is_a_404(client):
    assert client.post("/delete/999", data=with_token({})).status_code == 404


@pytest.mark.parametrize("path", ["/update/999", "/delete/999", "/update/abc", "/nowhere"])
def test_unknown_ids_and_paths_are_a_readable_404(client, path):
    response, html = page(client, path)
    assert response.status_code == 404
    assert "Not found" in html or "Not Found" in html
    assert "Traceback" not in html


def test_saving_an_unknown_id_is_a_404(client):
    assert client.post("/update/999", data=with_token({"first_name": "Ada"})).status_code == 404


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"first_name": " ", "last_name": "", "grade": "G1"}, "Enter a name."),
        ({"first_name": "A" * 60, "last_name": "B" * 30, "grade": "G1"}, "at most 80 fit"),
        ({"first_name": "Ada", "grade": "G" * 30}, "at most 20 characters"),
    ],
)
def test_invalid_forms_are_shown_again_with_the_message(client, students, form, message):
    response = client.post("/", data=with_token(form))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html and "<td>Ada Lovelace</td>" in html  # the roster is still there
    assert "POST" not in {r.method for r in students.requests}
    edited = client.post("/update/1", data=with_token(form))
    assert edited.status_code == 400 and message in edited.get_data(as_text=True)


def test_field_errors_from_students_are_shown_beside_the_input(client, students):
    students.reject = {"error": "invalid input", "fields": {"name": ["That name is taken."]}}
    response = client.post("/", data=with_token({"first_name": "Ada", "last_name": "Lovelace", "grade": "G1"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "That name is taken." in html and 'value="Lovelace"' in html
    edited = client.post("/update/1", data=with_token({"first_name": "Ada", "grade": "G1"}))
    assert edited.status_code == 400 and "That name is taken." in edited.get_data(as_text=True)


def test_adding_while_students_is_down_is_a_503_page(client, students):
    students.stop()
    response = client.post("/", data=with_token({"first_name": "Ada", "grade": "G1"}))
    assert response.status_code == 503 and "Students is unavailable" in response.get_data(as_text=True)


def test_an_oversized_form_is_refused_with_413(client):
    response = client.post("/", data={"first_name": "x" * 70_000})  # refused before any token is read
    assert response.status_code == 413


def test_an_unexpected_error_is_a_plain_500_page(app, client, monkeypatch):
    def broken(request_id):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(app.extensions["web"].students, "all", broken)
    response, html = page(client)
    assert response.status_code == 500
    assert "secret internals" not in html and "Traceback" not in html


def test_the_stylesheet_is_served_locally_with_its_license():
    client = create_app({"STUDENTS_URL": closed_url(), "GRADES_URL": closed_url()}).test_client()
    response = client.get("/static/bootstrap.min.css")
    assert response.status_code == 200
    assert b"Bootstrap  v5.3.3" in response.data[:200] and b"Licensed under MIT" in response.data[:300]
    response.close()


def test_names_from_the_backend_are_escaped(client, students):
    students.items[1]["name"] = "<script>alert(1)</script>"
    _, html = page(client)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
