import os
import re

import pytest
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


# Served on the service's own port only: at the entry, /openapi.json is Web's.
UNDOCUMENTED_ALIASES = {"/openapi.json"}


@pytest.mark.parametrize("path", ["/students/openapi.json", "/openapi.json"])
def test_openapi_is_served(client, path):
    body = client.get(path).get_json()
    assert body["openapi"].startswith("3.")
    assert body == OPENAPI


def test_the_document_does_not_shadow_a_student_and_no_id_shadows_it(client, make_student):
    student = make_student()
    assert client.get(f"/students/{student['id']}").get_json() == student
    assert client.get("/students/openapi.json").get_json() == OPENAPI
    assert client.put("/students/openapi.json", json={"name": "x"}).status_code == 405


def test_every_route_and_method_is_in_the_openapi_document(app):
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        if path in UNDOCUMENTED_ALIASES:
            continue
        assert path in OPENAPI["paths"], f"{rule.rule} is missing from openapi.json"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in OPENAPI["paths"][path], f"{method} {rule.rule} is missing from openapi.json"


def test_every_documented_operation_has_a_route(app):
    adapter = app.url_map.bind("localhost")
    for path, item in OPENAPI["paths"].items():
        url = path.replace("{student_id}", "1")
        for method in set(item) - {"parameters", "servers"}:
            adapter.match(url, method=method.upper())  # raises NotFound or MethodNotAllowed


def test_the_documents_servers_work_through_the_entry():
    # Relative: the API at whatever address the document was fetched from (the entry, or the service).
    assert [server["url"] for server in OPENAPI["servers"]] == ["/"]
    for probe in ("/healthz", "/readyz"):  # the entry's /healthz is its own; probes are the service's
        (server,) = OPENAPI["paths"][probe]["servers"]
        assert server["variables"]["port"]["default"] == "8001"


def test_the_limits_match_the_code():
    from students.paging import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET
    from students.validation import GRADE_MAX, NAME_MAX

    parameters = OPENAPI["components"]["parameters"]
    schemas = OPENAPI["components"]["schemas"]
    assert parameters["limit"]["schema"]["default"] == DEFAULT_LIMIT
    assert parameters["limit"]["schema"]["maximum"] == MAX_LIMIT
    assert parameters["offset"]["schema"]["maximum"] == MAX_OFFSET
    assert parameters["limit"]["allowEmptyValue"] and parameters["offset"]["allowEmptyValue"]  # empty: the default
    assert (schemas["Name"]["maxLength"], schemas["Grade"]["maxLength"]) == (NAME_MAX, GRADE_MAX)
