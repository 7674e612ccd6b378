import os
import re

from students.ops import OPENAPI


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_is_200_with_the_database_and_503_without(app, client):
    assert client.get("/readyz").status_code == 200
    os.remove(app.config["STUDENTS_DB"])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"
    assert not os.path.exists(app.config["STUDENTS_DB"])  # a request never creates an empty database


def test_openapi_is_served(client):
    body = client.get("/openapi.json").get_json()
    assert body["openapi"].startswith("3.")
    assert body == OPENAPI


def test_every_route_and_method_is_in_the_openapi_document(app):
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        assert path in OPENAPI["paths"], f"{rule.rule} is missing from openapi.json"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in OPENAPI["paths"][path], f"{method} {rule.rule} is missing from openapi.json"
