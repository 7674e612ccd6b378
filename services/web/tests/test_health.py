import pytest


def test_healthz_answers_without_asking_the_backends(client, students, grades):
    students.stop()
    grades.stop()
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_reports_both_backends_reachable(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"students": "ok", "grades": "ok"}


@pytest.mark.parametrize("down", ["students", "grades"])
def test_readyz_names_the_unreachable_backend_and_still_answers_200(request, client, down):
    request.getfixturevalue(down).stop()
    up = "grades" if down == "students" else "students"
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {down: "unreachable", up: "ok"}


def test_chaos_routes_do_not_exist_without_a_token(client):
    assert client.get("/__chaos__").status_code == 404
