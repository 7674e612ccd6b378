"""The seed against a fake of the two public APIs, served over real HTTP by waitress on an ephemeral port."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from urllib.parse import parse_qs

import pytest
from waitress.server import create_server

from deploylab.core.errors import LabError
from deploylab.measure import seed as seed_module
from deploylab.platform.ports import free_port

FAKE_MAX_PAGE = 50  # smaller than the seed asks for, so the seed must follow pages


class FakeApis:
    """Just enough of Students and Grades: list with limit/offset, get a grade, create either."""

    def __init__(self) -> None:
        self.grades: dict[str, dict] = {}
        self.students: list[dict] = []
        self.creates = 0

    def __call__(self, environ: dict, start_response):  # a WSGI app
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        if method == "POST":
            body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
            self.creates += 1
            if path == "/grades":
                self.grades[body["grade_id"]] = body
            else:
                self.students.append({"id": len(self.students) + 1, **body})
            return self._reply(start_response, "201 Created", body)
        if path.startswith("/grades/"):
            grade = self.grades.get(path.removeprefix("/grades/"))
            return self._reply(start_response, "200 OK" if grade else "404 Not Found", grade or {"detail": "no"})
        query = parse_qs(environ.get("QUERY_STRING", ""))
        limit = min(int(query["limit"][0]), FAKE_MAX_PAGE)
        offset = int(query["offset"][0])
        return self._reply(start_response, "200 OK", self.students[offset : offset + limit])

    @staticmethod
    def _reply(start_response, status: str, payload: object) -> list[bytes]:
        start_response(status, [("Content-Type", "application/json")])
        return [json.dumps(payload).encode()]


@pytest.fixture
def fake() -> Iterator[tuple[FakeApis, str]]:
    apis = FakeApis()
    server = create_server(apis, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield apis, f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=5)


def test_first_run_loads_everything_and_second_run_creates_nothing(fake):
    apis, base_url = fake
    messages: list[str] = []

    first = seed_module.seed(base_url, progress=messages.append)
    assert first == seed_module.SeedResult(
        grades_created=12, grades_existing=0, students_created=200, students_existing=0
    )
    assert len(apis.grades) == 12 and len(apis.students) == 200
    assert len({student["name"] for student in apis.students}) == 200
    assert messages

    creates = apis.creates
    second = seed_module.seed(base_url + "/")
    assert second == seed_module.SeedResult(
        grades_created=0, grades_existing=12, students_created=0, students_existing=200
    )
    assert apis.creates == creates


def test_only_what_is_missing_is_created(fake):
    apis, base_url = fake
    apis.grades["G1"] = {"grade_id": "G1", "building": "Elsewhere", "teacher": "Someone"}
    apis.students.append({"id": 1, "name": "Ada Lovelace", "grade": "G1"})
    apis.students.append({"id": 2, "name": "Not Ours", "grade": "X"})

    result = seed_module.seed(base_url)

    assert (result.grades_created, result.grades_existing) == (11, 1)
    assert (result.students_created, result.students_existing) == (199, 1)
    assert apis.grades["G1"]["building"] == "Elsewhere"  # existing data is left alone


def test_the_data_is_the_same_every_time_and_consistent():
    assert seed_module.students() == seed_module.students()
    assert seed_module.grades() == seed_module.grades()
    grade_ids = {grade["grade_id"] for grade in seed_module.grades()}
    assert len(grade_ids) == 12
    assert {student["grade"] for student in seed_module.students()} == grade_ids


def test_a_base_url_that_does_not_answer_is_a_lab_error():
    with pytest.raises(LabError, match="nothing answers"):
        seed_module.seed(f"http://127.0.0.1:{free_port()}")


def test_an_unexpected_status_is_a_lab_error(fake):
    apis, base_url = fake
    apis.grades = None  # the fake now fails every grade lookup with a 500 from waitress
    with pytest.raises(LabError, match="answered 500"):
        seed_module.seed(base_url)
