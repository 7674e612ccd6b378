import pytest


@pytest.fixture
def seven(client):
    for n in range(7):
        client.post("/students", json={"name": f"Student {n}"})


def test_the_list_is_an_array_ordered_by_id_with_a_total(client, seven):
    response = client.get("/students")
    body = response.get_json()
    assert [s["id"] for s in body] == list(range(1, 8))
    assert response.headers["X-Total-Count"] == "7"
    assert "Link" not in response.headers


def test_pages_link_to_the_next_until_the_end(client, seven):
    response = client.get("/students/?limit=3&offset=2")
    assert [s["id"] for s in response.get_json()] == [3, 4, 5]
    assert response.headers["Link"] == '</students?limit=3&offset=5>; rel="next"'
    last = client.get("/students?limit=3&offset=5")
    assert [s["id"] for s in last.get_json()] == [6, 7]
    assert "Link" not in last.headers
    assert client.get("/students?offset=50").get_json() == []


def test_limit_bounds(client):
    assert client.get("/students?limit=500").status_code == 200
    assert client.get("/students?limit=007").status_code == 200


def test_an_empty_value_means_the_default(client, seven):
    for query in ("limit=", "offset=", "limit=&offset="):
        response = client.get(f"/students?{query}")
        assert response.status_code == 200, query
        assert len(response.get_json()) == 7, query


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=-1", "limit"),
        ("limit=ten", "limit"),
        ("limit=1.5", "limit"),
        ("limit=%D9%A3", "limit"),  # an Arabic-Indic digit: isdigit() but not a number we take
        ("limit=" + "9" * 5000, "limit"),
        ("limit=%2B5", "limit"),  # int() takes each of these five
        ("limit=1_0", "limit"),
        ("limit=%205", "limit"),
        ("limit=5%20", "limit"),
        ("limit=5%0A", "limit"),
        ("offset=-3", "offset"),
        ("offset=x", "offset"),
        ("offset=%2B1", "offset"),
        ("offset=" + "9" * 19, "offset"),
    ],
)
def test_bad_paging_values_are_400(client, query, field):
    response = client.get(f"/students?{query}")
    assert response.status_code == 400
    assert field in response.get_json()["fields"]
