"""Model A's shared host with tiny WSGI apps: full paths kept, chaos paths rewritten, health aggregated."""

from __future__ import annotations

import io
import sys

import pytest
from deploylab_models.a_shared_server.host import SharedHost, make_app
from service_common.routing import RouteTable

ROUTES = "/grades-static=grades,/students=students,/grades=grades,/admin=grades,/=web"


def app(name: str, ready: int = 200):  # noqa: ANN201
    def wsgi(environ, start_response):  # noqa: ANN001, ANN202
        if environ["PATH_INFO"] == "/readyz":
            start_response(f"{ready} X", [])
            return [b""]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"{name} {environ['PATH_INFO']} {environ.get('SCRIPT_NAME', '')}".encode()]

    return wsgi


def call(host: SharedHost, path: str) -> tuple[str, bytes]:
    status: list[str] = []
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "SCRIPT_NAME": "", "HTTP_HOST": "127.0.0.1", "wsgi.input": io.BytesIO()}
    body = b"".join(host(environ, lambda s, h, exc_info=None: status.append(s)))
    return status[0], body


@pytest.fixture
def host() -> SharedHost:
    apps = {name: app(name) for name in ("students", "grades", "web")}
    return SharedHost(apps, RouteTable.parse(ROUTES), {name: "/readyz" for name in apps})


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/students/3", b"students /students/3 "),
        ("/grades", b"grades /grades "),
        ("/gradesx", b"web /gradesx "),
        ("/grades-static/admin/base.css", b"grades /grades-static/admin/base.css "),
        ("/update/1", b"web /update/1 "),
        ("/__chaos__/grades/latency", b"grades /__chaos__/latency "),
    ],
)
def test_dispatch_keeps_the_full_path(host: SharedHost, path: str, body: bytes) -> None:
    assert call(host, path) == ("200 OK", body)


def test_chaos_for_an_unknown_service_is_404(host: SharedHost) -> None:
    assert call(host, "/__chaos__/nobody/latency")[0] == "404 Not Found"


def test_health_is_200_only_when_every_app_is_ready(host: SharedHost) -> None:
    assert call(host, "/healthz")[0] == "200 OK"
    host.apps["grades"] = app("grades", ready=503)
    status, body = call(host, "/healthz")
    assert status == "503 Service Unavailable" and b'"grades": 503' in body


def test_routes_naming_an_unhosted_service_are_refused() -> None:
    with pytest.raises(ValueError, match="web"):
        SharedHost({"students": app("students")}, RouteTable.parse("/students=students,/=web"), {})


def test_make_app_reads_its_config_from_the_environment() -> None:
    module = type(sys)("fake_apps")
    module.make = lambda: app("made")  # a factory
    module.plain = app("plain")
    sys.modules["fake_apps"] = module
    env = {"SHARED_APPS": "students=fake_apps:make(),web=fake_apps:plain", "SHARED_ROUTES": "/students=students,/=web", "SHARED_READY": "web=/readyz"}
    host = make_app(env)
    assert call(host, "/students")[1].startswith(b"made") and call(host, "/")[1].startswith(b"plain")
    assert call(host, "/healthz")[0] == "200 OK"
