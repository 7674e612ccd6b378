import sys
from pathlib import Path

import pytest

# The service and the shared modules are imported by top-level name, as each model's PYTHONPATH provides them.
SERVICES = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(SERVICES / "web"), str(SERVICES / "common"), str(Path(__file__).resolve().parent)]

from fakes import GRADES, STUDENTS, FakeBackend  # noqa: E402
from web import create_app  # noqa: E402

TIMEOUT_S = 0.5


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
    return app.test_client()
