"""Web: the roster joined from both APIs, and the add / update / delete forms that redirect to it.

Forms are sent as a browser sends them: from the page that holds them, with its hidden csrf_token
(the session keeps the cookie that goes with it).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from deploylab.platform import loadgen

from .support import read_page, unique

HEADERS = ["No", "Name", "Grade", "Building", "Teacher", "Actions"]
ROOT = Path(__file__).resolve().parents[2]


def _redirects_to_roster(response) -> bool:
    location = response.headers.get("Location", "")
    return response.status_code in (302, 303) and urlsplit(urljoin(response.url, location)).path == "/"


def _roster(api):
    response = api.get("/")
    assert response.status_code == 200
    return read_page(response.text)


def _token(api, page: str = "/") -> dict[str, str]:
    """The hidden field of the form on `page`, to send along with the form's own fields."""
    response = api.get(page)
    assert response.status_code == 200, (page, response.status_code)
    return {"csrf_token": read_page(response.text).inputs["csrf_token"]}


def test_the_roster_page(api):
    response = api.get("/")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "X-Degraded" not in response.headers
    page = read_page(response.text)
    assert page.headers[: len(HEADERS)] == HEADERS
    assert {"first_name", "last_name", "grade"} <= set(page.inputs)


def test_a_student_appears_joined_with_building_and_teacher(api, make_grade, make_student):
    grade = make_grade()
    student = make_student(grade=grade["grade_id"])
    row = _roster(api).row_of(student["name"])
    assert row is not None
    assert row[:5] == [str(student["id"]), student["name"], grade["grade_id"], grade["building"], grade["teacher"]]


def test_a_grade_that_grades_does_not_know_shows_as_unknown(api, make_student):
    student = make_student(grade=unique("ZZ"))
    row = _roster(api).row_of(student["name"])
    assert row is not None and "unknown grade" in row[3:5]


@pytest.mark.parametrize(
    ("first", "last"), [("Solo{u}", ""), ("Mary", "Ann Evans{u}")], ids=["one-word", "three-words"]
)
def test_the_add_form_creates_and_redirects(api, first, last):
    tag = unique("")
    first, last = first.format(u=tag), last.format(u=tag)
    name = " ".join(part for part in (first, last) if part)
    response = api.post("/", data={"first_name": first, "last_name": last, "grade": "G1", **_token(api)})
    assert _redirects_to_roster(response), (response.status_code, response.text[:300])
    row = _roster(api).row_of(name)
    assert row is not None and row[2] == "G1"
    api.delete(f"/students/{row[0]}")


def test_the_update_form_shows_and_saves(api, make_student):
    student = make_student(name=f"Before {unique('U')}", grade="G1")
    form = api.get(f"/update/{student['id']}")
    assert form.status_code == 200
    inputs = read_page(form.text).inputs
    assert " ".join(filter(None, (inputs["first_name"], inputs["last_name"]))) == student["name"]
    assert inputs["grade"] == "G1"

    new_last = unique("After")
    fields = {"first_name": "Renamed", "last_name": new_last, "grade": "G2", "csrf_token": inputs["csrf_token"]}
    response = api.post(f"/update/{student['id']}", data=fields)
    assert _redirects_to_roster(response)
    assert api.get(f"/students/{student['id']}").json() == {
        "id": student["id"],
        "name": f"Renamed {new_last}",
        "grade": "G2",
    }


def test_the_delete_link_asks_and_the_confirmation_deletes_and_redirects(api, make_student):
    student = make_student()
    confirm = api.get(f"/delete/{student['id']}")
    assert confirm.status_code == 200 and student["name"] in confirm.text
    assert api.get(f"/students/{student['id']}").status_code == 200  # a GET only asks
    token = read_page(confirm.text).inputs["csrf_token"]
    assert _redirects_to_roster(api.post(f"/delete/{student['id']}", data={"csrf_token": token}))
    assert api.get(f"/students/{student['id']}").status_code == 404
    assert _roster(api).row_of(student["name"]) is None


def test_forms_without_their_pages_token_are_refused_and_change_nothing(api, make_student):
    student = make_student()
    token = _token(api)
    name = f"Forged {unique('F')}"
    forged = [
        ("/", {"first_name": name, "grade": "G1"}, {}),
        (f"/update/{student['id']}", {"first_name": name, "grade": "G1"}, {}),
        (f"/delete/{student['id']}", {}, {}),
        (f"/delete/{student['id']}", {**token, "csrf_token": "x" * 43}, {}),
        (f"/delete/{student['id']}", token, {"Origin": "http://evil.example"}),  # the token, from another site
    ]
    for path, fields, headers in forged:
        response = api.post(path, data=fields, headers=headers)
        assert response.status_code == 403, (path, response.status_code)
        assert response.headers["Content-Type"].startswith("text/html")
    # And a cross-site request carries no cookie at all (SameSite=Strict): the field alone is not enough.
    stranger = requests.post(f"{api.base_url}/delete/{student['id']}", data=token, timeout=10, allow_redirects=False)
    assert stranger.status_code == 403
    assert api.get(f"/students/{student['id']}").json() == student
    assert _roster(api).row_of(name) is None


@pytest.mark.parametrize("path", ["/update/999999999", "/delete/999999999", "/update/abc"])
def test_unknown_students_in_the_pages_are_404(api, path):
    assert api.get(path).status_code == 404


@pytest.mark.parametrize(
    "fields",
    [{"first_name": "", "last_name": "", "grade": "G1"}, {"first_name": "x" * 81, "last_name": "", "grade": "G1"}],
    ids=["empty-name", "name-too-long"],
)
def test_invalid_forms_show_their_errors(api, make_student, fields):
    for path in ("/", f"/update/{make_student()['id']}"):
        response = api.post(path, data={**fields, **_token(api, path)})
        assert response.status_code in (200, 400, 422), (path, response.status_code)
        assert response.headers["Content-Type"].startswith("text/html")
        assert {"first_name", "last_name", "grade"} <= set(read_page(response.text).inputs)


@pytest.mark.parametrize("path", ["/", "/update/1"])
def test_pages_asked_for_under_a_foreign_host_name_are_refused(api, path):
    # A DNS-rebinding page reaches the entry's address under its own name, and says so in Host.
    response = api.get(path, headers={"Host": "rebind.example:8000"})
    assert response.status_code == 400, response.status_code
    assert response.headers["Content-Type"].startswith("text/html")


# The load test's browsing user, once through each of its forms, in a process of its own on the load generator's
# python (.venv-loadgen: Locust is not in the lab's environment, and patches the standard library with gevent when
# imported). Its save is pointed at this test's own student.
_BROWSING_USER = """
import json, sys
from locust.env import Environment
import deploylab_loadtests.users as users

base, student_id = sys.argv[1], int(sys.argv[2])
users.BrowsingUser.host = base
env = Environment(user_classes=[users.BrowsingUser], host=base)
seen = []
env.events.request.add_listener(
    lambda request_type, name, response, exception, **_: seen.append([request_type, name, response.status_code, bool(exception)])
)
user = users.BrowsingUser(env)
user.on_start()
users._seeded_ids[:] = [student_id]
user.save_form()
user.add_and_delete()
print(json.dumps(seen))
"""


def test_the_load_tests_browsing_user_gets_through_the_forms(api, make_student):
    student = make_student(name=f"Loaded {unique('L')}", grade="G1")
    run = subprocess.run(
        [str(loadgen.python(ROOT)), "-c", _BROWSING_USER, api.base_url, str(student["id"])],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    requests_made = json.loads(run.stdout.splitlines()[-1])
    sent = {name: status for method, name, status, _ in requests_made if method == "POST"}
    assert sent == {"/update/[id]": 303, "/ (add)": 303, "/delete/[id]": 303}, requests_made
    assert not [r for r in requests_made if r[3]], requests_made  # no request counted as failed
    assert api.get(f"/students/{student['id']}").json()["name"] == student["name"]
