"""Model A as a true monolith (a-monolith): the same one process, but Web calls Students and Grades in-process.

The host's wiring with tiny apps first; then the model for real: the contract suite through its entry, and a
page served with no HTTP sub-request, i.e. no connection from the server process to its own entry port
(the chapter's A, brought up alongside, shows that it makes them).
"""

from __future__ import annotations

import dataclasses
import io
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import psutil
import pytest
import requests
from deploylab_models.a_shared_server.host import load_apps, make_app, parse_calls

from deploylab.core.driver import Deployment, Driver, LabContext

from .support import ROOT, bring_up

# -- the host's in-process wiring, with tiny apps ---------------------------------------------------


def tiny(name: str) -> Callable[..., Any]:
    def wsgi(environ: dict, start_response: Callable[..., Any]) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"{name} {environ['PATH_INFO']}".encode()]
    return wsgi


@pytest.fixture
def fake_apps(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A module with two plain apps and a factory that records the backends it was given."""
    made: dict[str, Any] = {"order": []}
    module = type(sys)("fake_monolith_apps")
    module.students = tiny("students")
    module.grades = tiny("grades")

    def make_students() -> Any:
        made["order"].append("students")
        return module.students

    def make_web(backends: dict[str, Any] | None = None) -> Any:
        made["order"].append("web")
        made["backends"] = backends
        return tiny("web")

    module.make_students, module.make_web = make_students, make_web
    monkeypatch.setitem(sys.modules, "fake_monolith_apps", module)
    return made


ENTRIES = {"web": "fake_monolith_apps:make_web()", "students": "fake_monolith_apps:make_students()",
           "grades": "fake_monolith_apps:grades"}


def test_callees_are_loaded_first_and_handed_to_the_callers_factory(fake_apps: dict[str, Any]) -> None:
    apps = load_apps(ENTRIES, parse_calls("web=students+grades", ENTRIES))
    assert list(apps) == ["web", "students", "grades"]  # SHARED_APPS' order, whatever the loading order
    assert fake_apps["order"] == ["students", "web"]
    assert fake_apps["backends"] == {"students": apps["students"], "grades": apps["grades"]}  # the very callables routed to


def test_without_in_process_calls_the_factory_is_called_with_nothing(fake_apps: dict[str, Any]) -> None:
    load_apps(ENTRIES, parse_calls("", ENTRIES))
    assert fake_apps["backends"] is None


def test_make_app_reads_shared_in_process(fake_apps: dict[str, Any]) -> None:
    env = {"SHARED_APPS": ",".join(f"{k}={v}" for k, v in ENTRIES.items()), "SHARED_IN_PROCESS": "web=students+grades",
           "SHARED_ROUTES": "/students=students,/grades=grades,/=web", "SHARED_READY": ""}
    host = make_app(env)
    status: list[str] = []
    body = host({"PATH_INFO": "/grades", "REQUEST_METHOD": "GET", "wsgi.input": io.BytesIO()},
                lambda s, h, exc_info=None: status.append(s))
    assert b"".join(body) == b"grades /grades" and fake_apps["backends"]["grades"] is host.apps["grades"]


@pytest.mark.parametrize(("spec", "message"), [
    ("web=students+nobody", "nobody not in SHARED_APPS"),
    ("web=web", "cannot call itself"),
    ("web", "expected name=value"),
])
def test_a_bad_spec_stops_the_host(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_calls(spec, ENTRIES)


def test_a_plain_app_cannot_be_given_backends_and_a_cycle_is_refused(fake_apps: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="only a factory"):
        load_apps(ENTRIES, {"grades": ["students"]})
    with pytest.raises(ValueError, match="a cycle"):
        load_apps(ENTRIES, {"web": ["students"], "students": ["web"]})


# -- the model for real -------------------------------------------------------------------------------


def connections(pid: int) -> list[Any]:
    """Every TCP connection of the server process and its children."""
    process = psutil.Process(pid)
    found = []
    for proc in [process, *process.children(recursive=True)]:
        try:
            found += proc.net_connections(kind="tcp")
        except psutil.NoSuchProcess:
            pass
    return found


def loopback_during_pages(driver: Driver, base_url: str, pages: int = 20) -> tuple[int, int]:
    """Load `pages` pages (kept-alive session) while watching the server's sockets:
    (connections it made to its own entry port, connections it accepted there from us)."""
    port = driver.ctx.entry_port
    pid = driver.unit_pid("shared")
    assert pid is not None
    outgoing: set[tuple[Any, ...]] = set()
    accepted: set[tuple[Any, ...]] = set()
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            for conn in connections(pid):
                if conn.raddr and conn.raddr.port == port:
                    outgoing.add((conn.laddr, conn.raddr))  # the server as the client of itself: an HTTP sub-request
                elif conn.laddr and conn.laddr.port == port and conn.raddr:
                    accepted.add((conn.laddr, conn.raddr))
            time.sleep(0.01)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        with requests.Session() as session:
            for _ in range(pages):
                response = session.get(base_url + "/", timeout=10)
                assert response.status_code == 200 and "X-Degraded" not in response.headers
            time.sleep(0.1)  # one more look while the keep-alive connections are still open
    finally:
        done.set()
        watcher.join(timeout=5)
    return len(outgoing), len(accepted)


@pytest.mark.slow
def test_the_chapters_a_makes_loopback_sub_requests(lab_ctx: LabContext) -> None:
    """The contrast, so the monolith's zero below means something: A's page calls its own entry port."""
    plain = bring_up("a", lab_ctx)
    driver, deployment = next(plain)
    try:
        outgoing, accepted = loopback_during_pages(driver, deployment.base_url)
    finally:
        plain.close()  # down, before the monolith takes the same port
    assert accepted >= 1 and outgoing >= 1, (outgoing, accepted)


@pytest.fixture(scope="module")
def monolith(lab_ctx: LabContext) -> Iterator[tuple[Driver, Deployment]]:
    yield from bring_up("a", dataclasses.replace(lab_ctx, options={**lab_ctx.options, "monolith": True}))


def contract_suite(deployment: Deployment) -> subprocess.CompletedProcess[str]:
    """support.run_contract_suite's run, the entry and its token given through the environment (as the suite reads
    them), so the token is on no command line."""
    env = {**os.environ, "DEPLOYLAB_BASE_URL": deployment.base_url, "DEPLOYLAB_CHAOS_TOKEN": deployment.chaos_token}
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/contract"]
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_contract_suite_passes(monolith: tuple[Driver, Deployment]) -> None:
    result = contract_suite(monolith[1])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


@pytest.mark.slow
def test_the_page_is_served_without_a_loopback_http_request(monolith: tuple[Driver, Deployment]) -> None:
    driver, deployment = monolith
    assert getattr(driver, "title") == "one process, in-process calls (a true monolith)"  # noqa: B009
    assert (driver.state() or {}).get("monolith") is True
    outgoing, accepted = loopback_during_pages(driver, deployment.base_url)
    assert accepted >= 1, "the watcher must see the page's own connection"
    assert outgoing == 0, f"{outgoing} connections from the server to its own entry port: HTTP sub-requests"


@pytest.mark.slow
def test_slow_grades_degrades_the_page_on_time_and_delays_its_own_route(monolith: tuple[Driver, Deployment]) -> None:
    """A latency assault on Grades reaches the in-process calls (its chaos middleware is the callable Web calls):
    the page waits for Grades at most Web's budget (1 s) and degrades; /grades itself takes the whole delay."""
    _, deployment = monolith
    base, headers = deployment.base_url, {"X-Chaos-Token": deployment.chaos_token}
    assert requests.post(f"{base}/__chaos__/grades/latency", json={"ms": 2500, "duration_s": 30},
                         headers=headers, timeout=5).status_code == 202
    try:
        started = time.monotonic()
        page = requests.get(base + "/", timeout=10)
        page_s = time.monotonic() - started
        started = time.monotonic()
        assert requests.get(base + "/grades", timeout=10).status_code == 200
        grades_s = time.monotonic() - started
    finally:
        requests.post(f"{base}/__chaos__/grades/reset", json={}, headers=headers, timeout=5)
    assert page.status_code == 200 and page.headers.get("X-Degraded") == "grades"
    assert page_s < 2.0 and grades_s >= 2.5, (page_s, grades_s)
