import pytest
from students import ConfigError, create_app
from students.config import from_env


def test_from_env_reads_only_the_service_variables():
    assert from_env({"STUDENTS_DB": " /data/s.sqlite3 ", "CHAOS_TOKEN": "t", "OTHER": "x"}) == {
        "STUDENTS_DB": "/data/s.sqlite3",
        "CHAOS_TOKEN": "t",
        "STUDENTS_ALLOWED_HOSTS": "",
    }


def test_without_a_database_path_the_factory_refuses_to_start(monkeypatch):
    monkeypatch.delenv("STUDENTS_DB", raising=False)
    with pytest.raises(ConfigError, match="STUDENTS_DB"):
        create_app()
    with pytest.raises(ConfigError, match="STUDENTS_DB"):
        create_app({})


def test_with_no_mapping_the_factory_reads_the_environment(monkeypatch, tmp_path):
    db = tmp_path / "nested" / "students.sqlite3"
    monkeypatch.setenv("STUDENTS_DB", str(db))
    monkeypatch.delenv("CHAOS_TOKEN", raising=False)
    app = create_app()
    assert app.config["STUDENTS_DB"] == str(db)
    assert db.exists()


def test_schema_creation_is_idempotent_and_keeps_rows(tmp_path):
    config = {"STUDENTS_DB": str(tmp_path / "s.sqlite3")}
    create_app(config).test_client().post("/students", json={"name": "Ada"})
    assert create_app(config).test_client().get("/students").get_json() == [{"id": 1, "name": "Ada", "grade": None}]


def test_the_database_is_in_wal_mode(app):
    import sqlite3

    conn = sqlite3.connect(app.config["STUDENTS_DB"])
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()


def test_chaos_routes_exist_only_with_a_token(client, tmp_path):
    assert client.get("/__chaos__").status_code == 404
    armed = create_app({"STUDENTS_DB": str(tmp_path / "c.sqlite3"), "CHAOS_TOKEN": "t0k"}).test_client()
    response = armed.get("/__chaos__", headers={"X-Chaos-Token": "t0k"})  # the listing may need it too
    assert response.status_code == 200
    assert response.get_json() == {"service": "students", "active": []}
    assert armed.post("/__chaos__/errors", json={"rate": 1}, headers={"X-Chaos-Token": "t0k"}).status_code == 202
    assert armed.get("/students").status_code == 500
    assert armed.get("/readyz").status_code == 200
