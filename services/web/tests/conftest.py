import pytest
from web import create_app

from .fakes import CSRF_TOKEN, GRADES, STUDENTS, TIMEOUT_S, FakeBackend


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
