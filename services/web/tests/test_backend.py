import pytest
from web.backend import Backend, NotFound, Rejected, Unavailable, make_pool

from .fakes import FakeBackend, closed_url

TIMEOUT_S = 0.5


@pytest.fixture(scope="module")
def pool():
    return make_pool(maxsize=4)


def backend_for(url, pool):
    return Backend("Students", url, pool, TIMEOUT_S, TIMEOUT_S * 0.3)


@pytest.fixture
def many():
    fake = FakeBackend("students", "id", [{"id": n, "name": f"S{n}", "grade": "G1"} for n in range(1, 8)], page_size=3)
    yield fake
    fake.stop()


def test_listing_follows_link_next_until_the_last_page(many, pool):
    items = backend_for(many.url, pool).list_all("/students", "rid-1")
    assert [item["id"] for item in items] == list(range(1, 8))
    assert many.paths() == ["/students?limit=500", "/students?limit=3&offset=3", "/students?limit=3&offset=6"]


def test_next_page_stays_on_the_configured_origin(pool):
    backend = backend_for("http://127.0.0.1:9", pool)
    header = '<http://elsewhere.example:8001/students?limit=3&offset=3>; rel="next", </students?offset=0>; rel="prev"'
    assert backend._next_page(header, "http://127.0.0.1:9/students") == "http://127.0.0.1:9/students?limit=3&offset=3"
    assert backend._next_page('</students?offset=0>; rel="prev"', "http://127.0.0.1:9/students") is None
    assert backend._next_page("", "http://127.0.0.1:9/students") is None


def test_every_call_carries_the_request_id(many, pool):
    backend_for(many.url, pool).list_all("/students", "rid-42")
    assert {r.headers["X-Request-ID"] for r in many.requests} == {"rid-42"}


def test_a_closed_port_is_unavailable_not_a_timeout(pool):
    with pytest.raises(Unavailable, match="unreachable"):
        backend_for(closed_url(), pool).request("GET", "/students", "rid")


def test_a_slow_backend_times_out_within_the_budget(many, pool):
    many.delay_s = 2.0
    with pytest.raises(Unavailable, match="timed out"):
        backend_for(many.url, pool).request("GET", "/students", "rid")


@pytest.mark.parametrize("status", [500, 503, 401])
def test_server_errors_and_wiring_errors_are_unavailable(many, pool, status):
    many.fail_status = status
    with pytest.raises(Unavailable, match=str(status)):
        backend_for(many.url, pool).list_all("/students", "rid")


def test_a_missing_record_is_not_found_and_a_refusal_carries_its_fields(many, pool):
    backend = backend_for(many.url, pool)
    with pytest.raises(NotFound):
        backend.request("GET", "/students/999", "rid")
    with pytest.raises(Rejected) as refused:
        backend.request("POST", "/students", "rid", form={"name": "", "grade": "G1"})
    assert refused.value.fields == {"name": ["required"]}


def test_a_listing_that_is_not_an_array_is_unavailable(many, pool):
    with pytest.raises(Unavailable, match="not a JSON array"):
        backend_for(many.url, pool).list_all("/students/1", "rid")


def test_every_call_is_heard_once_it_ended_answered_or_not(many, pool):
    heard = []
    many.server_timing = "students;dur=0.7"
    backend = Backend("Students", many.url, pool, TIMEOUT_S, TIMEOUT_S * 0.3, lambda *call: heard.append(call))
    backend.list_all("/students", "rid")  # three pages: three calls
    assert [(service, forwarded) for service, _, forwarded in heard] == [("Students", "students;dur=0.7")] * 3
    heard.clear()
    with pytest.raises(Unavailable):
        Backend("Grades", closed_url(), pool, TIMEOUT_S, TIMEOUT_S * 0.3, lambda *call: heard.append(call)).request(
            "GET", "/grades", "rid")
    assert len(heard) == 1 and heard[0][0] == "Grades" and heard[0][2] == "" and heard[0][1] >= 0
