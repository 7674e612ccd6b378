"""Server-Timing of Web's answers: each backend call as Web saw it, the services' own entries forwarded, Web's last."""

import re

import pytest

from .fakes import TIMEOUT_S, closed_url

ENTRY = re.compile(r"([\w-]+);dur=(\d+\.\d)")


def timings(response) -> list[tuple[str, float]]:
    values = response.headers.getlist("Server-Timing")
    assert len(values) == 1, values  # one field: see service_common/timing.py
    found = [ENTRY.fullmatch(part.strip()) for part in values[0].split(",")]
    assert all(found), values
    return [(match.group(1), float(match.group(2))) for match in found if match]


def names(response) -> list[str]:
    return [name for name, _ in timings(response)]


def test_the_page_has_an_entry_per_call_then_webs_own(client):
    response = client.get("/")
    assert response.status_code == 200
    assert sorted(names(response)[:-1]) == ["web-grades", "web-students"] and names(response)[-1] == "web"


def test_each_services_own_entry_is_forwarded_before_webs_view_of_the_call(client, students, grades):
    students.server_timing, grades.server_timing = "students;dur=1.5", "grades;dur=2.5"
    found = names(client.get("/"))
    assert found.index("students") + 1 == found.index("web-students")
    assert found.index("grades") + 1 == found.index("web-grades")
    assert found[-1] == "web" and len(found) == 5


def test_a_call_is_timed_from_the_outside_and_inside_webs_own_time(client, students):
    students.delay_s = 0.1
    entries = dict(timings(client.get("/")))
    assert 100 <= entries["web-students"] <= entries["web"]


def test_a_failed_call_has_its_entry_too(client, students, grades):
    grades.fail_status = 500
    degraded = client.get("/")
    assert degraded.headers["X-Degraded"] == "grades" and "web-grades" in names(degraded)
    students.delay_s = 2 * TIMEOUT_S
    slow = client.get("/")
    assert slow.status_code == 503 and dict(timings(slow))["web-students"] >= 1000 * TIMEOUT_S


def test_a_backend_that_is_down_is_timed_as_far_as_web_waited():
    from web import create_app

    app = create_app({"STUDENTS_URL": closed_url(), "GRADES_URL": closed_url(), "WEB_BACKEND_TIMEOUT": TIMEOUT_S})
    response = app.test_client().get("/")
    assert response.status_code == 503 and {"web-students", "web"} <= set(names(response))


@pytest.mark.parametrize("path", ["/healthz", "/static/bootstrap.min.css", "/no-such-page"])
def test_an_answer_without_calls_has_webs_entry_alone_and_nothing_of_an_earlier_request(client, path):
    client.get("/")
    assert names(client.get(path)) == ["web"]


def test_a_form_post_times_its_call(client):
    response = client.post("/delete/1", data={"csrf_token": client.get_cookie("web_csrf").value})
    assert response.status_code == 303 and names(response) == ["web-students", "web"]
