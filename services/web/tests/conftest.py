import sys
from pathlib import Path

import pytest

# The service and the shared modules are imported by top-level name, as each model's PYTHONPATH provides them.
SERVICES = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(SERVICES / "web"), str(SERVICES / "common"), str(Path(__file__).resolve().parent)]

from fakes import GRADES, STUDENTS, FakeBackend  # noqa: E402
from web import create_app  # noqa: E402

TIMEOUT_S = 0.5
# The double-submit pair a browser holds after loading a page with a form (see test_csrf.py for the real thing).
CSRF_TOKEN = "t0ken-" + "x" * 37


def with_token(form: dict) -> dict:
    return {**form, "csrf_token": CSRF_TOKEN}


@pytest.fixture
def students():
    backend = FakeBackend("students", "id", STUDENTS)
    yield backend
    backend.stop()


@pytest.fixture
def grades():
    backend = FakeBackend("grades", "grade_id", GRADES)
    yield backend
    backend.stop()


@pytest.fixture
def app(students, grades):
    return create_app({"STUDENTS_URL": students.url, "GRADES_URL": grades.url, "WEB_BACKEND_TIMEOUT": TIMEOUT_S})


@pytest.fixture
def client(app):
    client = app.test_client()
    client.set_cookie("web_csrf", CSRF_TOKEN)
    return client
