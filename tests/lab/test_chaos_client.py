"""The chaos client: parameters from the command line, the token as a header, errors as LabError."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from waitress.server import create_server

from deploylab.core.errors import LabError
from deploylab.measure import chaos


def test_parse_params() -> None:
    assert chaos.parse_params(["ms=500", "duration_s=30"]) == {"ms": 500.0, "duration_s": 30.0}
    with pytest.raises(LabError):
        chaos.parse_params(["ms"])
    with pytest.raises(LabError):
        chaos.parse_params(["ms=fast"])


@pytest.fixture
def fake_entry() -> Iterator[tuple[str, list[dict]]]:
    seen: list[dict] = []

    def app(environ, start_response):  # noqa: ANN001, ANN202
        body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)) or b"{}")
        seen.append({"path": environ["PATH_INFO"], "token": environ.get("HTTP_X_CHAOS_TOKEN"), "body": body})
        ok = environ.get("HTTP_X_CHAOS_TOKEN") == "t0ken"
        start_response("200 OK" if ok else "403 Forbidden", [("Content-Type", "application/json")])
        return [json.dumps({"ok": ok}).encode()]

    server = create_server(app, host="127.0.0.1", port=0, threads=1)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}", seen
    server.close()


def test_inject_posts_to_the_service_route_with_the_token(fake_entry: tuple[str, list[dict]]) -> None:
    base_url, seen = fake_entry
    assert chaos.inject(base_url, "grades", "latency", {"ms": 500.0}, "t0ken") == {"ok": True}
    assert seen == [{"path": "/__chaos__/grades/latency", "token": "t0ken", "body": {"ms": 500.0}}]
    with pytest.raises(LabError, match="403"):
        chaos.inject(base_url, "grades", "latency", {}, "wrong")


def test_no_token_means_chaos_is_off() -> None:
    with pytest.raises(LabError, match="off"):
        chaos.inject("http://127.0.0.1:9", "grades", "latency", {}, "")
