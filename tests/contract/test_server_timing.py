"""Server-Timing through the entry: each hop an answer passed has its entry in it, the innermost first.

Which hops those are depends on the model: in B, C and D the gateway answers last (`gw`), A has none. The
entry says which it is itself: the gateway's /healthz reports its upstreams, model A's host its services.
"""

from __future__ import annotations

import pytest

from deploylab.report.page_time import entries

CALLS = ("students", "grades")  # what the page asks; Web forwards each service's own entry before its view of the call


def timed(response) -> list[str]:
    """The entry names of an answer, each with a duration."""
    found = entries(response.headers.get("Server-Timing", ""))
    assert found and all(ms is not None for _, ms in found), response.headers
    return [name for name, _ in found]


@pytest.fixture(scope="module")
def outer(api) -> list[str]:
    """The entries a proxy in front adds last: the gateway's, where there is one."""
    health = api.get("/healthz")
    assert health.status_code == 200
    return ["gw"] if "upstreams" in health.json() else []


@pytest.mark.parametrize(("path", "service"), [
    ("/students?limit=1", "students"), ("/grades?limit=1", "grades"),
    ("/students/999999999", "students"), ("/grades/no-such-grade", "grades"),
])
def test_an_api_answer_has_its_services_entry(api, outer, path, service):
    response = api.get(path)
    assert response.status_code in (200, 404)
    assert timed(response) == [service, *outer]


def test_the_page_has_every_hop(api, outer):
    response = api.get("/")
    assert response.status_code == 200
    names = timed(response)
    assert names[len(names) - len(outer) - 1:] == ["web", *outer]
    calls = names[: len(names) - len(outer) - 1]
    assert sorted(calls) == sorted([*CALLS, *(f"web-{service}" for service in CALLS)])
    for service in CALLS:
        assert calls.index(service) + 1 == calls.index(f"web-{service}"), names
