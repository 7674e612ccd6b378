import io
import json
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import pytest
from service_common.chaos import MAX_BODY, ChaosMiddleware

TOKEN = "s3cret"
COMMON = Path(__file__).resolve().parent.parent


def inner(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"inner " + environ["PATH_INFO"].encode()]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def call(app, method="GET", path="/", body=None, token=None):
    """Run one request through a WSGI app; returns (status code, headers, body) and closes the body."""
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path}
    raw = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
    environ.update({"wsgi.input": io.BytesIO(raw), "CONTENT_LENGTH": str(len(raw))})
    if token is not None:
        environ["HTTP_X_CHAOS_TOKEN"] = token
    setup_testing_defaults(environ)
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = int(status.split()[0]), dict(headers)

    result = app(environ, start_response)
    data = b"".join(result)
    if hasattr(result, "close"):
        result.close()
    return seen["status"], seen["headers"], data


def post(app, kind, params=None, token=TOKEN):
    status, _, data = call(app, "POST", f"/__chaos__/{kind}", params if params is not None else {}, token)
    return status, json.loads(data)


@pytest.fixture
def mw():
    middleware = ChaosMiddleware(inner, TOKEN, service="students")
    yield middleware
    middleware.reset()


def test_without_a_token_it_is_a_pure_pass_through():
    app = ChaosMiddleware(inner, None)
    assert call(app, "GET", "/__chaos__")[2] == b"inner /__chaos__"
    assert call(app, "POST", "/__chaos__/crash", {}, token="")[2] == b"inner /__chaos__/crash"


def test_listing_is_empty_at_first_and_other_paths_reach_the_app(mw):
    status, _, data = call(mw, "GET", "/__chaos__", token=TOKEN)
    assert status == 200
    assert json.loads(data) == {"service": "students", "active": []}
    assert call(mw, "GET", "/students")[2] == b"inner /students"


@pytest.mark.parametrize("token", [None, "", "wrong", TOKEN + "x"])
def test_a_missing_or_wrong_token_is_forbidden(mw, token):
    status, body = post(mw, "latency", {"ms": 10}, token=token)
    assert status == 403
    assert mw.active() == []


@pytest.mark.parametrize("token", [None, "", "wrong", TOKEN + "x"])
@pytest.mark.parametrize(("method", "path"), [("GET", "/__chaos__"), ("HEAD", "/__chaos__"), ("GET", "/__chaos__/")])
def test_the_listing_needs_the_token_too(mw, token, method, path):
    assert post(mw, "latency", {"ms": 10, "duration_s": 30})[0] == 202
    status, headers, data = call(mw, method, path, token=token)
    assert status == 403 and headers["Content-Type"] == "application/json"
    assert b"latency" not in data  # nothing of what is active leaks


@pytest.mark.parametrize(
    ("kind", "params", "field"),
    [
        ("latency", {}, "ms"),
        ("latency", {"ms": 30_001}, "ms"),
        ("latency", {"ms": "10"}, "ms"),
        ("latency", {"ms": True}, "ms"),
        ("latency", {"ms": 1.5}, "ms"),
        ("latency", {"ms": 10, "duration_s": 601}, "duration_s"),
        ("latency", {"ms": 10, "speed": 3}, "speed"),
        ("errors", {"rate": 1.5}, "rate"),
        ("cpu", {"threads": 9}, "threads"),
        ("leak", {"mb_per_s": 1, "cap_mb": 1025}, "cap_mb"),
        ("crash", {"exit_code": 256}, "exit_code"),
    ],
)
def test_bad_params_are_400_with_field_errors(mw, kind, params, field):
    status, body = post(mw, kind, params)
    assert status == 400
    assert field in body["fields"]
    assert mw.active() == []


@pytest.mark.parametrize("raw", [b"{nope", b"[1, 2]", b'{"ms": NaN}', b'{"ms": Infinity}'])
def test_bad_json_bodies_are_400(mw, raw):
    assert call(mw, "POST", "/__chaos__/latency", raw, TOKEN)[0] == 400


def test_unknown_kinds_oversized_bodies_wrong_methods_and_paths(mw):
    assert post(mw, "meteor")[0] == 400
    assert call(mw, "POST", "/__chaos__/latency", b" " * (MAX_BODY + 1), TOKEN)[0] == 413
    assert call(mw, "GET", "/__chaos__/latency", token=TOKEN)[0] == 405
    assert call(mw, "DELETE", "/__chaos__", token=TOKEN)[0] == 405
    assert call(mw, "POST", "/__chaos__/latency/x", {}, TOKEN)[0] == 404


def test_latency_delays_requests_but_not_health_and_expires():
    clock, slept = FakeClock(), []
    mw = ChaosMiddleware(inner, TOKEN, clock=clock, sleep=slept.append)
    status, body = post(mw, "latency", {"ms": 250, "duration_s": 10})
    assert status == 202
    assert body["params"] == {"ms": 250, "duration_s": 10.0}
    call(mw, "GET", "/students")
    call(mw, "GET", "/healthz")
    call(mw, "GET", "/readyz")
    assert slept == [0.25]
    clock.now += 4
    assert mw.active() == [{"kind": "latency", "params": {"ms": 250, "duration_s": 10.0}, "seconds_left": 6.0}]
    clock.now += 6
    call(mw, "GET", "/students")
    assert slept == [0.25]
    assert mw.active() == []


def test_errors_fail_the_drawn_fraction_but_spare_health_and_control():
    draws = iter([0.1, 0.9, 0.2])
    mw = ChaosMiddleware(inner, TOKEN, rand=lambda: next(draws))
    assert post(mw, "errors", {"rate": 0.5})[0] == 202
    status, headers, data = call(mw, "GET", "/students")
    assert (status, headers["X-Chaos-Fault"]) == (500, "errors")
    assert json.loads(data) == {"error": "injected fault"}
    assert call(mw, "GET", "/students")[0] == 200
    assert call(mw, "GET", "/healthz")[0] == 200
    assert post(mw, "reset")[0] == 200
    assert call(mw, "GET", "/students")[0] == 200  # the third draw would have failed


def test_a_new_assault_of_the_same_kind_replaces_the_old_one(mw):
    post(mw, "latency", {"ms": 5})
    post(mw, "latency", {"ms": 7})
    assert [a["params"]["ms"] for a in mw.active()] == [7]


def chaos_threads(name):
    return [t for t in threading.enumerate() if t.name == name]


def test_cpu_starts_busy_threads_that_stop_on_reset(mw):
    assert post(mw, "cpu", {"threads": 2, "duration_s": 30})[0] == 202
    threads = chaos_threads("chaos-cpu")
    assert len(threads) == 2
    assert post(mw, "reset")[0] == 200
    for thread in threads:
        thread.join(timeout=5)
        assert not thread.is_alive()


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_leak_grows_to_its_cap_and_is_released_on_reset(mw):
    assert post(mw, "leak", {"mb_per_s": 100, "cap_mb": 3, "duration_s": 30})[0] == 202
    assault = mw._active["leak"]
    wait_for(lambda: assault.held_bytes() == 3 * 1024 * 1024)
    time.sleep(0.25)  # a couple more ticks: it stays at the cap
    assert assault.held_bytes() == 3 * 1024 * 1024
    assert mw.active()[0]["held_mb"] == 3.0
    post(mw, "reset")
    assert assault.held_bytes() == 0
    assert mw.active() == []


def test_leak_is_released_when_it_expires(mw):
    post(mw, "leak", {"mb_per_s": 100, "cap_mb": 2, "duration_s": 0.3})
    assault = mw._active["leak"]
    wait_for(lambda: assault.held_bytes() > 0)
    wait_for(lambda: assault.held_bytes() == 0 and not chaos_threads("chaos-leak"))


def test_crash_exits_only_after_the_answer_is_sent():
    exits = []
    mw = ChaosMiddleware(inner, TOKEN, exit=exits.append)
    raw = json.dumps({"exit_code": 3, "delay_s": 0}).encode()
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/__chaos__/crash", "HTTP_X_CHAOS_TOKEN": TOKEN}
    environ.update({"wsgi.input": io.BytesIO(raw), "CONTENT_LENGTH": str(len(raw))})
    setup_testing_defaults(environ)
    result = mw(environ, lambda status, headers: None)
    assert json.loads(b"".join(result))["params"] == {"exit_code": 3, "delay_s": 0.0}
    time.sleep(0.1)
    assert exits == []
    result.close()
    wait_for(lambda: exits == [3])


def test_reset_cancels_a_pending_crash():
    exits = []
    mw = ChaosMiddleware(inner, TOKEN, exit=exits.append)
    post(mw, "crash", {"delay_s": 0.3})
    post(mw, "reset")
    time.sleep(0.5)
    assert exits == []


SERVER = """
    import sys
    from waitress import create_server
    from service_common.chaos import ChaosMiddleware

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    server = create_server(ChaosMiddleware(app, "s3cret"), host="127.0.0.1", port=0)
    print(server.effective_port, flush=True)
    server.run()
"""


def test_crash_really_ends_a_waitress_process():
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(SERVER)],
        cwd=COMMON,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{int(proc.stdout.readline())}"
        with urllib.request.urlopen(base + "/", timeout=5) as response:
            assert response.read() == b"ok"
        request = urllib.request.Request(
            base + "/__chaos__/crash",
            data=json.dumps({"exit_code": 7, "delay_s": 0.05}).encode(),
            headers={"X-Chaos-Token": TOKEN, "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 202
            assert json.loads(response.read())["kind"] == "crash"
        assert proc.wait(timeout=10) == 7
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(base + "/", timeout=2)
    finally:
        proc.kill()
        proc.wait()
