import pytest
from service_common.routing import RouteTable, parse_upstreams, split_chaos_path

SPEC = "/grades-static=grades,/students=students,/grades=grades,/admin=grades,/=web"


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/students", "students"),
        ("/students/12", "students"),
        ("/studentsx", "web"),
        ("/grades", "grades"),
        ("/grades/G1", "grades"),
        ("/grades-static/admin/css/base.css", "grades"),
        ("/admin/", "grades"),
        ("/", "web"),
        ("/update/3", "web"),
        ("/static/bootstrap.min.css", "web"),
    ],
)
def test_match_is_segment_aware_and_falls_back_to_default(path, service):
    assert RouteTable.parse(SPEC).match(path) == service


def test_longest_prefix_wins_whatever_the_order():
    table = RouteTable.parse("/=web,/a=one,/a/b=two")
    assert table.match("/a/b/c") == "two"
    assert table.match("/a/c") == "one"


@pytest.mark.parametrize("spec", ["", "students", "students=/x", "/x="])
def test_bad_specs_are_rejected(spec):
    with pytest.raises(ValueError):
        RouteTable.parse(spec)


def test_chaos_paths_name_the_service():
    assert split_chaos_path("/__chaos__/grades/latency") == ("grades", "/__chaos__/latency")
    assert split_chaos_path("/__chaos__/grades") == ("grades", "/__chaos__")
    assert split_chaos_path("/__chaos__/") is None
    assert split_chaos_path("/students") is None


def test_upstreams():
    assert parse_upstreams("a=http://127.0.0.1:1/, b=http://h:2") == {"a": "http://127.0.0.1:1", "b": "http://h:2"}
    with pytest.raises(ValueError):
        parse_upstreams("a=ftp://x")
