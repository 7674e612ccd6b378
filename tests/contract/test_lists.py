"""Both list endpoints: a bare JSON array, paged by ?limit=&offset= with X-Total-Count and Link rel="next"."""

from __future__ import annotations

from urllib.parse import parse_qs, urljoin, urlsplit

import pytest

MAX_PAGE = 500
DEFAULT_PAGE = 100
ITEM_KEYS = {"/students": {"id", "name", "grade"}, "/grades": {"grade_id", "building", "teacher"}}


@pytest.fixture(params=["/students", "/grades"])
def listing(request, make_student, make_grade) -> str:
    """A list endpoint with at least three items of our own in it."""
    for _ in range(3):
        make_student() if request.param == "/students" else make_grade()
    return request.param


def _next_query(response) -> dict[str, list[str]] | None:
    link = response.links.get("next")
    return parse_qs(urlsplit(urljoin(response.url, link["url"])).query) if link else None


def test_a_list_is_a_json_array(api, listing):
    response = api.get(listing)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    items = response.json()
    assert isinstance(items, list) and items
    assert all(set(item) == ITEM_KEYS[listing] for item in items)


def test_limit_offset_total_and_next_link(api, listing):
    response = api.get(listing, params={"limit": 1, "offset": 1})
    assert response.status_code == 200
    assert len(response.json()) == 1
    total = int(response.headers["X-Total-Count"])
    assert total >= 3
    next_query = _next_query(response)
    assert next_query is not None and next_query["offset"] == ["2"] and next_query["limit"] == ["1"]


def test_pages_are_consecutive_slices(api, listing):
    two = api.get(listing, params={"limit": 2, "offset": 0}).json()
    second = api.get(listing, params={"limit": 1, "offset": 1}).json()
    assert second == two[1:2]


def test_the_last_page_has_no_next_link(api, listing):
    total = int(api.get(listing, params={"limit": 1}).headers["X-Total-Count"])
    last = api.get(listing, params={"limit": 1, "offset": total - 1})
    assert len(last.json()) == 1
    assert _next_query(last) is None
    beyond = api.get(listing, params={"offset": total + 10})
    assert beyond.status_code == 200 and beyond.json() == []


def test_default_page_size(api, listing):
    response = api.get(listing)
    total = int(response.headers["X-Total-Count"])
    assert len(response.json()) == min(total, DEFAULT_PAGE)


def test_an_empty_value_means_the_default(api, listing):
    response = api.get(listing, params={"limit": "", "offset": ""})
    assert response.status_code == 200
    assert len(response.json()) == min(int(response.headers["X-Total-Count"]), DEFAULT_PAGE)


def test_the_maximum_page_size_is_enforced(api, listing):
    response = api.get(listing, params={"limit": MAX_PAGE + 1})
    assert response.status_code == 400
    assert "limit" in response.text
    assert api.get(listing, params={"limit": MAX_PAGE}).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "abc"},
        {"limit": "-1"},
        {"limit": "0"},
        {"limit": "1e3"},
        {"offset": "x"},
        {"offset": "-5"},
        # Both APIs take ASCII digits only, not everything Python's int() takes.
        {"limit": "+5"},
        {"limit": "1_0"},
        {"limit": " 5"},
        {"limit": "5 "},
        {"limit": "\u0663"},  # an Arabic-Indic three
        {"offset": "+1"},
    ],
)
def test_bad_page_values_are_400(api, listing, params):
    response = api.get(listing, params=params)
    assert response.status_code == 400
    assert next(iter(params)) in response.text
