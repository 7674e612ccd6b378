"""The Host header: our own names and any IP address are answered; any other name is a 400 (DNS rebinding)."""

import pytest
from students import ConfigError, create_app
from students.config import DEFAULT_ALLOWED_HOSTS, from_env
from werkzeug.test import EnvironBuilder, run_wsgi_app


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "LocalHost.:8001",
        "127.0.0.1",
        "127.0.0.1:8000",  # the entry passes the client's Host on (model A, the gateway of B, C and D)
        "127.0.0.1:8001",  # model B's Web and gateway call the service's own port
        "students:8001",  # model D: Web and the gateway's probes call the service by its name
        "10.0.2.15:8001",  # model C: the machine's private IP
        "[::1]:8001",
        "[fd00::2]",
    ],
)
def test_our_names_and_ip_addresses_are_answered(client, host):
    assert client.get("/students", headers={"Host": host}).status_code == 200
    assert client.get("/healthz", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:8001",
        "students.evil.example",
        "127.0.0.1.nip.io",
        "localhost.evil.example",
        "2130706433",  # 127.0.0.1 as one number: a browser would have sent the dotted form
        "0x7f.0.0.1",
        "[127.0.0.1]",
        "::1",
        "a b",
        "localhost:80:80",
        "",
    ],
)
@pytest.mark.parametrize(("method", "path"), [("GET", "/students"), ("POST", "/students"), ("GET", "/readyz")])
def test_other_names_are_a_400_before_anything_runs(client, host, method, path):
    response = client.open(path, method=method, headers={"Host": host}, json={"name": "Ada"})
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "this service does not answer to the host name in the Host header",
        "fields": {},
    }
    assert client.get("/students").get_json() == []


def test_a_request_without_a_host_is_a_400(app):
    environ = EnvironBuilder(path="/students").get_environ()
    del environ["HTTP_HOST"]  # the test client always sends one; an HTTP/1.0 client may not
    _body, status, _headers = run_wsgi_app(app, environ, buffered=True)
    assert status.startswith("400")


def test_configured_names_are_added_to_the_defaults(tmp_path):
    app = create_app({"STUDENTS_DB": str(tmp_path / "s.sqlite3"), "STUDENTS_ALLOWED_HOSTS": " Students.Lab. , vm1"})
    client = app.test_client()
    assert app.config["STUDENTS_ALLOWED_HOSTS"] == (*DEFAULT_ALLOWED_HOSTS, "students.lab", "vm1")
    for host in ("students.lab:8001", "vm1", "localhost"):
        assert client.get("/healthz", headers={"Host": host}).status_code == 200, host
    assert client.get("/healthz", headers={"Host": "vm2"}).status_code == 400


def test_the_variable_is_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("STUDENTS_DB", str(tmp_path / "s.sqlite3"))
    monkeypatch.setenv("STUDENTS_ALLOWED_HOSTS", "students-1")
    assert from_env({"STUDENTS_ALLOWED_HOSTS": "students-1"})["STUDENTS_ALLOWED_HOSTS"] == "students-1"
    assert create_app().test_client().get("/healthz", headers={"Host": "students-1:8001"}).status_code == 200


@pytest.mark.parametrize("value", ["http://students", "students:8001", "students/x", "*", "a b"])
def test_a_malformed_name_stops_the_service_at_start(tmp_path, value):
    with pytest.raises(ConfigError, match="STUDENTS_ALLOWED_HOSTS"):
        create_app({"STUDENTS_DB": str(tmp_path / "s.sqlite3"), "STUDENTS_ALLOWED_HOSTS": value})
