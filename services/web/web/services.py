"""The app's long-lived clients: built once in create_app, shared by every request and thread."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TypeVar

from flask import current_app

from . import timing
from .backend import Backend, BackendError, HTTPTransport, Transport, Unavailable, make_pool
from .clients import GradesClient, StudentsClient
from .config import WebConfig
from .models import Grade

POOL_THREADS = 16  # more than waitress's threads: a page's Grades call never queues behind another's
BACKENDS = ("students", "grades")  # the services Web calls, by the names a host gives their apps
WAIT_SLACK_S = 0.2  # beyond the backend budget, for the pool thread to hand the answer over

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Services:
    students: StudentsClient
    grades: GradesClient
    pool: ThreadPoolExecutor
    wait_s: float

    @classmethod
    def build(cls, config: WebConfig, transports: Mapping[str, Transport] | None = None) -> Services:
        """`transports`: {"students": …, "grades": …} for a backend reached otherwise than over HTTP to its
        URL (inprocess.py); the URL stays its base, the origin its requests and their Host name."""
        http = HTTPTransport(make_pool(maxsize=POOL_THREADS))
        given = transports or {}

        def backend(name: str, url: str) -> Backend:
            transport = given.get(name.lower(), http)
            return Backend(name, url, transport, config.timeout_s, config.connect_timeout_s, timing.record)

        return cls(
            students=StudentsClient(backend("Students", config.students_url)),
            grades=GradesClient(backend("Grades", config.grades_url)),
            pool=ThreadPoolExecutor(max_workers=POOL_THREADS, thread_name_prefix="web-backend"),
            wait_s=config.timeout_s + WAIT_SLACK_S,
        )

    def submit(self, call: Callable[..., T], *args: object) -> Future[T]:
        """`call` on the pool, in a copy of the caller's context: its time goes to the request that made it (timing.py)."""
        return self.pool.submit(contextvars.copy_context().run, call, *args)

    def with_grades(self, request_id: str, fetch: Callable[[], T]) -> tuple[T, list[Grade] | None]:
        """Run `fetch` here while Grades is listed on the pool, so the page waits for the slower
        of the two, not their sum. Grades failing costs only the join: None instead of a list."""
        future = self.submit(self.grades.all, request_id)
        result = fetch()
        try:
            return result, future.result(timeout=self.wait_s)
        except (Unavailable, FutureTimeout) as exc:
            future.cancel()
            log.warning("grades unavailable (request %s): %s", request_id, exc or "timed out")
            return result, None

    def readiness(self, request_id: str) -> dict[str, str]:
        """Whether each backend answers its own listing: reachability, whatever its health says."""
        probes = {
            "students": self.submit(self.students.backend.request, "GET", "/students?limit=1", request_id),
            "grades": self.submit(self.grades.backend.request, "GET", "/grades?limit=1", request_id),
        }
        report = {}
        for name, probe in probes.items():
            try:
                probe.result(timeout=self.wait_s)
                report[name] = "ok"
            except (BackendError, FutureTimeout):
                report[name] = "unreachable"
        return report


def services() -> Services:
    return current_app.extensions["web"]
