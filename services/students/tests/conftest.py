import os
from pathlib import Path

import pytest
from students import create_app

SERVICE = Path(__file__).resolve().parent.parent
COMMON = SERVICE.parent / "common"


@pytest.fixture
def app(tmp_path):
    return create_app({"TESTING": True, "STUDENTS_DB": str(tmp_path / "students.sqlite3")})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_student(client):
    def make(name="Ada Lovelace", grade="G1"):
        response = client.post("/students", json={"name": name, "grade": grade})
        assert response.status_code == 201
        return response.get_json()

    return make


@pytest.fixture
def service_pythonpath():
    """PYTHONPATH for a real server process of this service."""
    return os.pathsep.join([str(SERVICE), str(COMMON)])
