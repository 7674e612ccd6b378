"""Stand-ins for Students and Grades at the HTTP boundary: real servers on an ephemeral port.

Each serves canned JSON in the backends' wire format (arrays, X-Total-Count, Link rel="next"),
records what it was asked, and can be told to be slow, to fail, or to refuse input.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

STUDENTS = [
    {"id": 1, "name": "Ada Lovelace", "grade": "G1"},
    {"id": 2, "name": "Alan Turing", "grade": "G2"},
    {"id": 3, "name": "Grace Hopper", "grade": "G9"},  # a grade that Grades does not know
]
GRADES = [
    {"grade_id": "G1", "building": "North", "teacher": "Mr. Smith"},
    {"grade_id": "G2", "building": "South", "teacher": "Ms. Jones"},
]


def closed_url() -> str:
    """A URL on which nothing listens: a backend that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class _Quiet(WSGIRequestHandler):
    def log(self, *args: Any) -> None:  # the tests assert on what was asked, not on access logs
        pass


class FakeBackend:
    def __init__(self, collection: str, key: str, items: list[dict[str, Any]], page_size: int = 100) -> None:
        self.collection, self.key, self.page_size = collection, key, page_size
        self.items = {item[key]: dict(item) for item in items}
        self.delay_s = 0.0
        self.fail_status: int | None = None  # answer every request with this status
        self.reject: dict[str, Any] | None = None  # answer writes 400 with this body
        self.server_timing = ""  # sent as the answers' Server-Timing, as the real services send their own entry
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_Quiet)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def paths(self, method: str = "GET") -> list[str]:
        return [r.full_path.rstrip("?") for r in self.requests if r.method == method]

    @Request.application
    def _wsgi(self, request: Request) -> Response:
        response = self._answer(request)
        if self.server_timing:
            response.headers["Server-Timing"] = self.server_timing
        return response

    def _answer(self, request: Request) -> Response:
        request.get_data()  # read the body while the connection is open, so tests can inspect it later
        with self._lock:
            self.requests.append(request)
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.fail_status:
            return self._json({"error": "injected"}, self.fail_status)
        parts = request.path.strip("/").split("/")
        if parts[0] != self.collection or len(parts) > 2:
            return self._json({"error": "not found"}, 404)
        if len(parts) == 1:
            return self._list(request) if request.method == "GET" else self._create(request)
        return self._one(request, parts[1])

    def _list(self, request: Request) -> Response:
        limit = min(request.args.get("limit", 100, type=int), self.page_size)
        offset = request.args.get("offset", 0, type=int)
        items = list(self.items.values())
        response = self._json(items[offset : offset + limit])
        response.headers["X-Total-Count"] = str(len(items))
        if offset + limit < len(items):
            response.headers["Link"] = f'<{request.base_url}?limit={limit}&offset={offset + limit}>; rel="next"'
        return response

    def _create(self, request: Request) -> Response:
        if request.method != "POST":
            return self._json({"error": "method not allowed"}, 405)
        if self.reject:
            return self._json(self.reject, 400)
        if not request.form.get("name"):
            return self._json({"error": "invalid input", "fields": {"name": ["required"]}}, 400)
        with self._lock:
            new_id = max(self.items, default=0) + 1
            self.items[new_id] = {"id": new_id, "name": request.form["name"], "grade": request.form.get("grade", "")}
        return self._json(self.items[new_id], 201)

    def _one(self, request: Request, raw_key: str) -> Response:
        key: Any = int(raw_key) if self.key == "id" and raw_key.isdigit() else raw_key
        if key not in self.items:
            return self._json({"error": "not found"}, 404)
        if request.method == "DELETE":
            del self.items[key]
            return Response(status=204)
        if request.method in ("PUT", "PATCH"):
            if self.reject:
                return self._json(self.reject, 400)
            self.items[key].update({field: request.form[field] for field in ("name", "grade") if field in request.form})
        return self._json(self.items[key])

    @staticmethod
    def _json(payload: Any, status: int = 200) -> Response:
        return Response(json.dumps(payload), status=status, mimetype="application/json")


TIMEOUT_S = 0.5
# The double-submit pair a browser holds after loading a page with a form (see test_csrf.py for the real thing).
CSRF_TOKEN = "t0ken-" + "x" * 37


def with_token(form: dict) -> dict:
    return {**form, "csrf_token": CSRF_TOKEN}
