import io
import sys
from wsgiref.util import setup_testing_defaults

from service_common.chaos import ChaosMiddleware
from service_common.timing import ServerTiming, entry, joined

TOKEN = "s3cret"


class Clock:
    """Time moves only when told to: by the app under test, or by the chaos middleware's sleep."""

    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def app_taking(clock, seconds, headers=()):
    def app(environ, start_response):
        clock.sleep(seconds)
        start_response("200 OK", [("Content-Type", "text/plain"), *headers])
        return [b"ok"]

    return app


def call(app, path="/students", method="GET", body=b"", **environ):
    env = {"PATH_INFO": path, "REQUEST_METHOD": method, "wsgi.input": io.BytesIO(body),
           "CONTENT_LENGTH": str(len(body)), **environ}
    setup_testing_defaults(env)
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen.update(status=status, headers=headers, exc_info=exc_info)

    data = b"".join(app(env, start_response))
    return seen, data


def server_timing(seen):
    values = [value for key, value in seen["headers"] if key.lower() == "server-timing"]
    assert len(values) == 1, seen["headers"]  # one field, whatever came in
    return values[0]


def test_the_entry_is_the_apps_time_in_milliseconds_with_one_decimal():
    assert entry("students", 0.00194) == "students;dur=1.9"
    assert joined([" a;dur=1 ", "", "b"], "gw;dur=2.0") == "a;dur=1, b, gw;dur=2.0"


def test_every_answer_gets_the_apps_entry():
    clock = Clock()
    seen, data = call(ServerTiming(app_taking(clock, 0.0123), "students", clock=clock))
    assert data == b"ok" and seen["status"] == "200 OK"
    assert server_timing(seen) == "students;dur=12.3"
    assert ("Content-Type", "text/plain") in seen["headers"]


def test_the_apps_own_entries_come_first_in_one_field():
    clock = Clock()
    sent = [("Server-Timing", "db;dur=2.5"), ("server-timing", 'cache;desc="miss, cold"')]
    seen, _ = call(ServerTiming(app_taking(clock, 0.004, sent), "web", clock=clock))
    assert server_timing(seen) == 'db;dur=2.5, cache;desc="miss, cold", web;dur=4.0'


def test_an_injected_delay_or_error_shows_in_the_entry():
    clock = Clock()
    draws = iter([0.0])
    faults = ChaosMiddleware(app_taking(clock, 0.001), TOKEN, "grades", clock=clock, sleep=clock.sleep,
                             rand=lambda: next(draws))
    app = ServerTiming(faults, "grades", clock=clock)
    for kind, params in (("latency", b'{"ms": 300}'), ("errors", b'{"rate": 1}')):
        seen, _ = call(app, f"/__chaos__/{kind}", "POST", params, HTTP_X_CHAOS_TOKEN=TOKEN)
        assert seen["status"].startswith("202") and server_timing(seen) == "grades;dur=0.0"
    seen, _ = call(app, "/grades")
    assert seen["status"].startswith("500") and server_timing(seen) == "grades;dur=300.0"  # slept, then failed


def test_each_app_in_one_process_names_itself_and_a_nested_call_keeps_its_own():
    # Model A: one server dispatches to apps that each wrapped themselves; the monolith's Web calls Students'
    # very callable in-process, so the inner answer has Students' entry and the outer one Web's.
    clock = Clock()
    students = ServerTiming(app_taking(clock, 0.002), "students", clock=clock)

    def web(environ, start_response):
        inner, _ = call(students)
        clock.sleep(0.001)
        start_response("200 OK", [("Server-Timing", server_timing(inner))])
        return [b"page"]

    apps = {"/students": students, "/": ServerTiming(web, "web", clock=clock)}
    seen, _ = call(lambda environ, sr: apps[environ["PATH_INFO"]](environ, sr), "/students")
    assert server_timing(seen) == "students;dur=2.0"
    seen, _ = call(lambda environ, sr: apps[environ["PATH_INFO"]](environ, sr), "/")
    assert server_timing(seen) == "students;dur=2.0, web;dur=3.0"


def test_an_error_answer_keeps_its_exc_info():
    def failing(environ, start_response):
        try:
            raise ValueError("boom")
        except ValueError:
            start_response("500 Internal Server Error", [], sys.exc_info())
        return [b""]

    seen, _ = call(ServerTiming(failing, "students"))
    assert seen["exc_info"][0] is ValueError
    assert server_timing(seen).startswith("students;dur=")
