"""The Host header allow-list (DNS rebinding): only the app's own names are served, health excepted."""

import pytest
from web import create_app


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:8000", "LocalHost:8003", "localhost.:8000", "web:8003"])
def test_the_default_names_are_served_on_any_port(client, host):
    assert client.get("/", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", "10.0.0.5:8003", "", "a b"]
)
def test_another_name_is_a_readable_400_that_asks_no_backend(client, students, grades, host):
    response = client.get("/", headers={"Host": host})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "does not answer to the host name" in html
    assert students.requests == [] and grades.requests == []


def test_a_form_posted_under_another_name_changes_nothing(client, students):
    response = client.post("/", headers={"Host": "evil.example:8000"}, data={"first_name": "Mallory"})
    assert response.status_code == 400
    assert client.get("/delete/1", headers={"Host": "evil.example"}).status_code == 400
    assert students.requests == [] and 1 in students.items


@pytest.mark.parametrize("path", ["/update/1", "/static/bootstrap.min.css", "/nowhere"])
def test_every_page_is_checked(client, path):
    response = client.get(path, headers={"Host": "evil.example"})
    assert response.status_code == 400
    response.close()


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_answers_under_any_name_as_the_gateway_probes_by_address(client, path):
    assert client.get(path, headers={"Host": "10.0.0.5:8003"}).status_code == 200


def test_configured_names_are_served_beside_the_defaults(students, grades):
    app = create_app(
        {"STUDENTS_URL": students.url, "GRADES_URL": grades.url, "WEB_ALLOWED_HOSTS": " 10.0.0.5, Lab.Example ,"}
    )
    client = app.test_client()
    for host in ("10.0.0.5:8003", "lab.example", "localhost:8000", "web"):
        assert client.get("/", headers={"Host": host}).status_code == 200, host
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
