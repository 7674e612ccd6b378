"""The in-process transport: Web calling Students and Grades as WSGI apps in its own process, no socket.

The fakes here are tiny WSGI apps in the backends' wire format (arrays, Link rel="next", the
services' error shapes), called directly; every test that renders a page forbids sockets outright.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from typing import Any

import pytest
from service_common.chaos import ChaosMiddleware
from service_common.timing import ServerTiming
from web import create_app
from web.backend import Backend, NotFound, Rejected, Unavailable, make_pool
from web.config import ConfigError
from web.inprocess import WSGITransport, environ_for
from werkzeug.wrappers import Request, Response

from .fakes import CSRF_TOKEN, GRADES, STUDENTS, with_token

TIMEOUT_S = 0.5
BASE = "http://127.0.0.1:8000"  # model A's entry: the base Web's requests are made for
CHAOS_TOKEN = "chaos-" + "y" * 20


class WSGIFake:
    """A backend as a WSGI app: canned items, what it was asked (the environ), and ways to misbehave."""

    def __init__(self, collection: str, key: str, items: list[dict[str, Any]], page_size: int = 100) -> None:
        self.collection, self.key, self.page_size = collection, key, page_size
        self.items = {item[key]: dict(item) for item in items}
        self.environs: list[dict[str, Any]] = []
        self.bodies: list[bytes] = []
        self.delay_s = 0.0
        self.fail_status: int | None = None
        self.raises: Exception | None = None
        self.threads: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.environs.append(dict(environ))
        self.threads.append(threading.current_thread().name)
        if self.raises is not None:
            raise self.raises
        return self._app(environ, start_response)

    @Request.application
    def _app(self, request: Request) -> Response:
        self.bodies.append(request.get_data())
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.fail_status:
            return self._json({"error": "injected"}, self.fail_status)
        parts = request.path.strip("/").split("/")
        if parts[0] != self.collection or len(parts) > 2:
            return self._json({"error": "not found"}, 404)
        if len(parts) == 1 and request.method == "GET":
            limit = min(request.args.get("limit", 100, type=int), self.page_size)
            offset = request.args.get("offset", 0, type=int)
            items = list(self.items.values())
            response = self._json(items[offset : offset + limit])
            if offset + limit < len(items):
                response.headers["Link"] = f'<{request.base_url}?limit={limit}&offset={offset + limit}>; rel="next"'
            return response
        if len(parts) == 1:  # POST: form-encoded as Web sends it, or JSON as another client might
            fields = request.get_json() if request.is_json else request.form.to_dict()
            if not fields.get("name"):
                return self._json({"error": "invalid input", "fields": {"name": ["required"]}}, 400)
            new_id = max(self.items, default=0) + 1
            self.items[new_id] = {"id": new_id, "name": fields["name"], "grade": fields.get("grade", "")}
            return self._json(self.items[new_id], 201)
        key: Any = int(parts[1]) if self.key == "id" and parts[1].isdigit() else parts[1]
        if key not in self.items:
            return self._json({"error": "not found"}, 404)
        if request.method == "DELETE":
            del self.items[key]
            return Response(status=204)
        if request.method == "PUT":
            self.items[key].update({f: request.form[f] for f in ("name", "grade") if f in request.form})
        return self._json(self.items[key])

    @staticmethod
    def _json(payload: Any, status: int = 200) -> Response:
        return Response(json.dumps(payload), status=status, mimetype="application/json")


@pytest.fixture
def students() -> WSGIFake:
    return WSGIFake("students", "id", STUDENTS)


@pytest.fixture
def grades() -> WSGIFake:
    return WSGIFake("grades", "grade_id", GRADES)


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any socket this process tries to open from here on fails the test's request loudly."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a socket was opened: the in-process transport must not use the network")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def make_app(students: Any, grades: Any) -> Any:
    config = {"STUDENTS_URL": BASE, "GRADES_URL": BASE, "WEB_BACKEND_TIMEOUT": TIMEOUT_S, "CHAOS_TOKEN": ""}
    return create_app(config, backends={"students": students, "grades": grades})


@pytest.fixture
def client(students: WSGIFake, grades: WSGIFake, no_sockets: None) -> Any:
    client = make_app(students, grades).test_client()
    client.set_cookie("web_csrf", CSRF_TOKEN)
    return client


def backend(app: Any) -> Backend:
    return Backend("Students", BASE, WSGITransport(app), TIMEOUT_S, TIMEOUT_S * 0.3)


# -- the environ a backend is called with -------------------------------------------------------


def test_the_environ_is_the_request_an_http_client_would_send() -> None:
    environ = environ_for("get", "http://127.0.0.1:8000/students/a%20b?limit=3&offset=3",
                          None, {"Accept": "application/json", "X-Request-ID": "rid-1"})
    assert environ["REQUEST_METHOD"] == "GET"
    assert (environ["SCRIPT_NAME"], environ["PATH_INFO"], environ["QUERY_STRING"]) == ("", "/students/a b", "limit=3&offset=3")
    assert (environ["HTTP_HOST"], environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("127.0.0.1:8000", "127.0.0.1", "8000")
    assert environ["HTTP_X_REQUEST_ID"] == "rid-1" and environ["HTTP_ACCEPT"] == "application/json"
    assert environ["wsgi.url_scheme"] == "http" and environ["wsgi.input"].read() == b""
    assert environ["CONTENT_LENGTH"] == "0" and "CONTENT_TYPE" not in environ


def test_a_body_and_its_content_type_go_where_wsgi_wants_them() -> None:
    environ = environ_for("POST", "http://web:80/students", b'{"name": "Ada"}',
                          {"Content-Type": "application/json", "Host": "elsewhere"})
    assert environ["CONTENT_TYPE"] == "application/json" and environ["CONTENT_LENGTH"] == "15"
    assert environ["wsgi.input"].read() == b'{"name": "Ada"}'
    assert environ["HTTP_HOST"] == "web:80"  # the URL's, never a header's
    assert "HTTP_CONTENT_TYPE" not in environ


# -- a Backend over the in-process transport ---------------------------------------------------


def test_a_listing_follows_link_next_in_process() -> None:
    many = WSGIFake("students", "id", [{"id": n, "name": f"S{n}", "grade": "G1"} for n in range(1, 8)], page_size=3)
    items = backend(many).list_all("/students", "rid-9")
    assert [item["id"] for item in items] == list(range(1, 8))
    assert [(e["PATH_INFO"], e["QUERY_STRING"]) for e in many.environs] == [
        ("/students", "limit=500"), ("/students", "limit=3&offset=3"), ("/students", "limit=3&offset=6")]
    assert {e["HTTP_X_REQUEST_ID"] for e in many.environs} == {"rid-9"}


def test_get_one_and_a_404_passed_through(students: WSGIFake) -> None:
    assert backend(students).request("GET", "/students/2", "rid").data == STUDENTS[1]
    with pytest.raises(NotFound):
        backend(students).request("GET", "/students/999", "rid")


def test_a_form_post_arrives_form_encoded_and_a_refusal_keeps_its_fields(students: WSGIFake) -> None:
    created = backend(students).request("POST", "/students", "rid", form={"name": "Ada Byron", "grade": "G1"})
    assert created.status == 201 and created.data["name"] == "Ada Byron"
    environ = students.environs[-1]
    assert environ["CONTENT_TYPE"] == "application/x-www-form-urlencoded"
    assert students.bodies[-1] == b"name=Ada+Byron&grade=G1"
    with pytest.raises(Rejected) as refused:
        backend(students).request("POST", "/students", "rid", form={"name": "", "grade": "G1"})
    assert refused.value.fields == {"name": ["required"]}


def test_a_json_post_reaches_the_app_as_json(students: WSGIFake) -> None:
    answer = WSGITransport(students).send(
        "POST", BASE + "/students", body=b'{"name": "Grace", "grade": "G2"}',
        headers={"Content-Type": "application/json"}, timeout_s=1.0, connect_s=0.3, idempotent=False)
    assert answer.status == 201 and json.loads(answer.data)["name"] == "Grace"
    assert answer.headers["content-type"] == "application/json"  # case-insensitive, as over HTTP


@pytest.mark.parametrize("status", [500, 503, 401])
def test_server_errors_are_unavailable(students: WSGIFake, status: int) -> None:
    students.fail_status = status
    with pytest.raises(Unavailable, match=str(status)):
        backend(students).request("GET", "/students", "rid")


def test_an_app_that_raises_is_unavailable_not_a_crash(students: WSGIFake) -> None:
    students.raises = RuntimeError("boom")
    with pytest.raises(Unavailable, match="failed in-process"):
        backend(students).request("GET", "/students", "rid")


def test_an_answer_after_the_budget_counts_as_timed_out(students: WSGIFake) -> None:
    students.delay_s = TIMEOUT_S + 0.2
    started = time.monotonic()
    with pytest.raises(Unavailable, match="timed out"):
        backend(students).request("GET", "/students", "rid")
    assert time.monotonic() - started >= TIMEOUT_S + 0.2  # a function call cannot be abandoned: it came late


# -- the page, with both backends in-process and no socket allowed ------------------------------


def test_the_roster_joins_both_backends_without_a_socket(client: Any, students: WSGIFake, grades: WSGIFake) -> None:
    response = client.get("/", headers={"X-Request-ID": "rid-page-1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "X-Degraded" not in response.headers
    assert "<td>Ada Lovelace</td>" in html and "<td>North</td>" in html and "<td>Ms. Jones</td>" in html
    assert response.headers["X-Request-ID"] == "rid-page-1"
    for fake in (students, grades):
        [environ] = fake.environs
        assert environ["HTTP_X_REQUEST_ID"] == "rid-page-1"
        assert environ["HTTP_HOST"] == "127.0.0.1:8000" and environ["HTTP_ACCEPT"] == "application/json"
        assert environ["REQUEST_METHOD"] == "GET" and environ["QUERY_STRING"] == "limit=500"
    assert grades.threads[0].startswith("web-backend")  # Grades on the pool, while Students is fetched here


def test_add_edit_and_delete_go_through_in_process(client: Any, students: WSGIFake) -> None:
    added = client.post("/", data=with_token({"first_name": "Mary Ann", "last_name": "Evans", "grade": "G1"}))
    assert added.status_code == 303 and added.headers["Location"] == "/"
    assert students.bodies[-1] == b"name=Mary+Ann+Evans&grade=G1"
    assert client.post("/update/1", data=with_token({"first_name": "Ada", "last_name": "King", "grade": "G2"})).status_code == 303
    assert students.items[1] == {"id": 1, "name": "Ada King", "grade": "G2"}
    assert client.post("/delete/2", data=with_token({})).status_code == 303
    assert 2 not in students.items
    assert [e["REQUEST_METHOD"] for e in students.environs if e["PATH_INFO"] != "/students"] == ["PUT", "DELETE"]


def test_an_unknown_id_is_the_same_404_page(client: Any) -> None:
    assert client.get("/update/999").status_code == 404
    assert client.post("/delete/999", data=with_token({})).status_code == 404


def test_students_refusing_a_form_shows_it_again_with_the_reason(client: Any, students: WSGIFake) -> None:
    students.fail_status = 400  # answers {"error": "injected"}, as Students' own refusals look
    response = client.post("/", data=with_token({"first_name": "Ada", "grade": "G1"}))
    assert response.status_code == 400 and "injected" in response.get_data(as_text=True)


@pytest.mark.parametrize("failure", ["raises", "erroring", "slow"])
def test_grades_failing_in_process_degrades_the_page_on_time(client: Any, grades: WSGIFake, failure: str) -> None:
    if failure == "raises":
        grades.raises = RuntimeError("a bug below Grades' own error handling")
    elif failure == "erroring":
        grades.fail_status = 500
    else:
        grades.delay_s = 2.0
    started = time.monotonic()
    response = client.get("/")
    assert time.monotonic() - started < TIMEOUT_S + 1.0  # the page waits for Grades at most its budget
    assert response.status_code == 200 and response.headers["X-Degraded"] == "grades"
    assert "grades unavailable" in response.get_data(as_text=True)


@pytest.mark.parametrize("failure", ["raises", "erroring"])
def test_students_failing_in_process_is_the_same_503_page(client: Any, students: WSGIFake, failure: str) -> None:
    if failure == "raises":
        students.raises = RuntimeError("boom")
    else:
        students.fail_status = 503
    response = client.get("/")
    assert response.status_code == 503 and "Students" in response.get_data(as_text=True)


def test_slow_students_delays_the_page_by_all_of_it_then_the_same_503(client: Any, students: WSGIFake) -> None:
    students.delay_s = TIMEOUT_S + 0.5
    started = time.monotonic()
    response = client.get("/")
    assert response.status_code == 503
    assert time.monotonic() - started >= TIMEOUT_S + 0.5  # the monolith's nature: no call is given up half way


def test_the_backends_fault_injection_applies_to_in_process_calls(students: WSGIFake, grades: WSGIFake, no_sockets: None) -> None:
    wrapped = ChaosMiddleware(grades, CHAOS_TOKEN, "grades")
    web = make_app(students, wrapped).test_client()
    assert "X-Degraded" not in web.get("/").headers
    on = WSGITransport(wrapped).send(
        "POST", BASE + "/__chaos__/errors", body=b'{"rate": 1.0, "duration_s": 30}',
        headers={"Content-Type": "application/json", "X-Chaos-Token": CHAOS_TOKEN}, timeout_s=1, connect_s=1,
        idempotent=False)
    assert on.status == 202
    assert web.get("/").headers["X-Degraded"] == "grades"


def test_readiness_asks_each_backend_in_process(client: Any) -> None:
    assert client.get("/readyz").get_json() == {"students": "ok", "grades": "ok"}


def test_an_in_process_call_is_timed_and_the_services_entry_forwarded(
    students: WSGIFake, grades: WSGIFake, no_sockets: None
) -> None:
    # The monolith's page against A's: web-students is the function call's time here, the HTTP call's there.
    students.delay_s = 0.05
    app = make_app(ServerTiming(students, "students"), ServerTiming(grades, "grades"))
    value = app.test_client().get("/").headers["Server-Timing"]
    entries = {part.split(";")[0].strip(): float(part.split("dur=")[1]) for part in value.split(",")}
    assert set(entries) == {"students", "web-students", "grades", "web-grades", "web"}
    assert 50 <= entries["students"] <= entries["web-students"] <= entries["web"]


def test_a_backend_web_does_not_call_or_not_an_app_stops_the_factory(students: WSGIFake) -> None:
    config = {"STUDENTS_URL": BASE, "GRADES_URL": BASE}
    with pytest.raises(ConfigError, match="'student'"):
        create_app(config, backends={"student": students})
    with pytest.raises(ConfigError, match="not a WSGI application"):
        create_app(config, backends={"grades": "grades.wsgi:application"})  # type: ignore[dict-item]


def test_one_backend_in_process_leaves_the_other_on_http(students: WSGIFake) -> None:
    from web.backend import HTTPTransport
    from web.services import Services

    app = create_app({"STUDENTS_URL": BASE, "GRADES_URL": BASE}, backends={"students": students})
    web: Services = app.extensions["web"]
    assert isinstance(web.students.backend.transport, WSGITransport)
    assert isinstance(web.grades.backend.transport, HTTPTransport)


def test_the_socket_guard_would_catch_an_http_call(no_sockets: None) -> None:
    """The guard is not vacuous: the HTTP transport, asked the same thing, trips it."""
    http = Backend("Students", BASE, make_pool(1), TIMEOUT_S, TIMEOUT_S * 0.3)
    with pytest.raises(AssertionError, match="a socket was opened"):
        http.request("GET", "/students", "rid")
