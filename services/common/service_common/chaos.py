"""Fault injection as one WSGI middleware, modelled on Chaos Monkey for Spring Boot's assaults.

Standard library only: Students, Grades and Web all wrap their WSGI app in it. With no token it
is a pure pass-through (the /__chaos__ routes do not exist). With a token, every control route
needs it in the X-Chaos-Token header (403 without it):

    GET  /__chaos__          the active assaults: kind, params, seconds left
    POST /__chaos__/<kind>   JSON body of params; 202 with what was activated

Kinds: latency, errors, cpu, leak, crash, reset. Every assault is bounded in time and size.
Health paths are exempt from latency and errors so that a model's readiness stays observable;
the control routes are exempt from everything so that a reset always gets through.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

PREFIX = "/__chaos__"
HEALTH_PATHS = ("/healthz", "/readyz")
MAX_BODY = 64 * 1024
MIB = 1024 * 1024
PAGE = 4096
HASH_BLOCK = 256 * 1024  # one cpu step: well under a millisecond, so a reset stops it at once
LEAK_TICK_S = 0.1  # how often a leak grows; small so that mb_per_s is smooth

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict, StartResponse], Iterable[bytes]]


@dataclass(frozen=True)
class Param:
    kind: type  # int or float
    lo: float
    hi: float
    default: float | None = None  # None: required


DURATION = Param(float, 0.01, 600.0, 60.0)

SPECS: dict[str, dict[str, Param]] = {
    "latency": {"ms": Param(int, 1, 30_000), "duration_s": DURATION},
    "errors": {"rate": Param(float, 0.0, 1.0), "duration_s": DURATION},
    "cpu": {"threads": Param(int, 1, 8, 1), "duration_s": DURATION},
    "leak": {"mb_per_s": Param(float, 0.01, 1024.0), "cap_mb": Param(int, 1, 1024, 256), "duration_s": DURATION},
    "crash": {"exit_code": Param(int, 0, 255, 1), "delay_s": Param(float, 0.0, 5.0, 0.2)},
    "reset": {},
}


class BodyTooLarge(ValueError):
    pass


class BadParams(ValueError):
    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__("invalid chaos parameters")
        self.fields = fields


def _is_number(value: Any) -> bool:
    # JSON true is an int to Python, and json.loads accepts NaN and Infinity: none is a valid parameter.
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def parse_params(kind: str, raw: Any) -> dict[str, float]:
    """Validate a JSON body against the kind's spec; unknown keys are errors, not silently ignored."""
    if not isinstance(raw, dict):
        raise BadParams({"_body": ["expected a JSON object"]})
    spec = SPECS[kind]
    fields: dict[str, list[str]] = {name: ["unknown parameter"] for name in raw if name not in spec}
    params: dict[str, float] = {}
    for name, p in spec.items():
        value = raw.get(name, p.default)
        if value is None:
            fields[name] = ["required"]
        elif not _is_number(value) or (p.kind is int and value != int(value)):
            fields[name] = [f"must be {'an integer' if p.kind is int else 'a number'}"]
        elif not p.lo <= value <= p.hi:
            fields[name] = [f"must be between {p.lo:g} and {p.hi:g}"]
        else:
            params[name] = p.kind(value)
    if fields:
        raise BadParams(fields)
    return params


@dataclass
class Assault:
    kind: str
    params: dict[str, float]
    until: float  # on the middleware's clock
    stop: threading.Event = field(default_factory=threading.Event)
    held: list[bytearray] = field(default_factory=list)  # the leak's memory

    def held_bytes(self) -> int:
        return sum(len(chunk) for chunk in self.held)


def _busy(assault: Assault, clock: Callable[[], float]) -> None:
    # Hashing a large buffer releases the GIL, so N threads load N cores instead of taking turns
    # on one, and the service's own threads feel CPU contention rather than lock contention.
    block = bytes(HASH_BLOCK)
    while not assault.stop.is_set() and clock() < assault.until:
        hashlib.sha256(block)


def _grow(assault: Assault, clock: Callable[[], float]) -> None:
    start = clock()
    cap = int(assault.params["cap_mb"] * MIB)
    while not assault.stop.is_set() and clock() < assault.until:
        target = min(cap, int(assault.params["mb_per_s"] * MIB * (clock() - start)))
        missing = target - assault.held_bytes()
        if missing > 0:
            chunk = bytearray(missing)
            chunk[::PAGE] = b"\x01" * len(range(0, missing, PAGE))  # touch every page so it is resident
            assault.held.append(chunk)
        assault.stop.wait(LEAK_TICK_S)
    assault.held.clear()


class _ThenCall:
    """A response body that runs `then` once the server has sent it (WSGI calls close())."""

    def __init__(self, body: list[bytes], then: Callable[[], None]) -> None:
        self.body, self.then = body, then

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.body)

    def close(self) -> None:
        self.then()


class ChaosMiddleware:
    def __init__(
        self,
        app: WSGIApp,
        token: str | None,
        service: str = "",
        *,
        health_paths: Iterable[str] = HEALTH_PATHS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
        exit: Callable[[int], None] = os._exit,  # os._exit: no cleanup handlers, like a real crash
    ) -> None:
        self.app, self.token, self.service = app, token or "", service
        self.health_paths = frozenset(health_paths)
        self.clock, self.sleep, self.rand, self.exit = clock, sleep, rand, exit
        self._lock = threading.Lock()
        self._active: dict[str, Assault] = {}
        self._crash: threading.Timer | None = None

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        if not self.token:
            return self.app(environ, start_response)
        path = environ.get("PATH_INFO", "") or "/"
        if path == PREFIX or path.startswith(PREFIX + "/"):
            return self._control(environ, start_response, path)
        if path not in self.health_paths:
            latency, errors = self._current("latency"), self._current("errors")
            if latency:
                self.sleep(latency.params["ms"] / 1000)
            if errors and self.rand() < errors.params["rate"]:
                return self._json(
                    start_response, "500 Internal Server Error", {"error": "injected fault"}, fault="errors"
                )
        return self.app(environ, start_response)

    # -- the assaults' state ------------------------------------------------------------------

    def _current(self, kind: str) -> Assault | None:
        with self._lock:
            assault = self._active.get(kind)
            if assault and self.clock() >= assault.until:
                assault.stop.set()
                del self._active[kind]
                return None
            return assault

    def active(self) -> list[dict[str, Any]]:
        now = self.clock()
        listing = []
        for kind in list(SPECS):
            assault = self._current(kind)
            if assault:
                item = {"kind": kind, "params": assault.params, "seconds_left": round(assault.until - now, 1)}
                if kind == "leak":
                    item["held_mb"] = round(assault.held_bytes() / MIB, 1)
                listing.append(item)
        return listing

    def activate(self, kind: str, params: dict[str, float]) -> dict[str, Any]:
        if kind == "reset":
            self.reset()
            return {"kind": "reset", "params": {}}
        if kind == "crash":
            return {"kind": "crash", "params": params}  # armed by _control once the answer is out
        assault = Assault(kind, params, self.clock() + params["duration_s"])
        with self._lock:
            previous = self._active.pop(kind, None)
            self._active[kind] = assault
        if previous:
            previous.stop.set()
        if kind == "cpu":
            for _ in range(int(params["threads"])):
                threading.Thread(target=_busy, args=(assault, self.clock), name="chaos-cpu", daemon=True).start()
        elif kind == "leak":
            threading.Thread(target=_grow, args=(assault, self.clock), name="chaos-leak", daemon=True).start()
        return {"kind": kind, "params": params, "seconds_left": params["duration_s"]}

    def reset(self) -> None:
        with self._lock:
            stopped, self._active = list(self._active.values()), {}
            crash, self._crash = self._crash, None
        for assault in stopped:
            assault.stop.set()
            assault.held.clear()
        if crash:
            crash.cancel()

    def _arm_crash(self, params: dict[str, float]) -> None:
        timer = threading.Timer(params["delay_s"], self.exit, args=(int(params["exit_code"]),))
        timer.daemon = True
        with self._lock:
            self._crash = timer
        timer.start()

    # -- the control routes ---------------------------------------------------------------------

    def _control(self, environ: dict, start_response: StartResponse, path: str) -> Iterable[bytes]:
        # The listing needs the token as much as the assaults do: which faults are on, and for how much
        # longer, tells a caller when the service is weakest.
        if not self._authorised(environ):
            return self._json(start_response, "403 Forbidden", {"error": "missing or wrong X-Chaos-Token"})
        method = environ.get("REQUEST_METHOD", "GET")
        kind = path[len(PREFIX) :].strip("/")
        if not kind:
            if method not in ("GET", "HEAD"):
                return self._json(
                    start_response, "405 Method Not Allowed", {"error": "method not allowed"}, allow="GET"
                )
            return self._json(start_response, "200 OK", {"service": self.service, "active": self.active()})
        if "/" in kind:
            return self._json(start_response, "404 Not Found", {"error": "not found"})
        if method != "POST":
            return self._json(start_response, "405 Method Not Allowed", {"error": "method not allowed"}, allow="POST")
        if kind not in SPECS:
            return self._json(
                start_response, "400 Bad Request", {"error": f"unknown kind {kind!r}", "kinds": list(SPECS)}
            )
        try:
            params = parse_params(kind, _read_json(environ))
        except BadParams as exc:
            return self._json(start_response, "400 Bad Request", {"error": str(exc), "fields": exc.fields})
        except BodyTooLarge as exc:
            return self._json(start_response, "413 Content Too Large", {"error": str(exc)})
        except ValueError as exc:
            return self._json(start_response, "400 Bad Request", {"error": str(exc)})
        activated = {"service": self.service, **self.activate(kind, params)}
        status = "200 OK" if kind == "reset" else "202 Accepted"
        body = self._json(start_response, status, activated)
        return _ThenCall(body, lambda: self._arm_crash(params)) if kind == "crash" else body

    def _authorised(self, environ: dict) -> bool:
        return hmac.compare_digest(environ.get("HTTP_X_CHAOS_TOKEN", "").encode(), self.token.encode())

    @staticmethod
    def _json(
        start_response: StartResponse, status: str, payload: Any, *, fault: str = "", allow: str = ""
    ) -> list[bytes]:
        body = json.dumps(payload).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        if fault:
            headers.append(("X-Chaos-Fault", fault))  # lets a load test tell injected failures apart
        if allow:
            headers.append(("Allow", allow))
        start_response(status, headers)
        return [body]


def _read_json(environ: dict) -> Any:
    """The request body as JSON; an empty body means "all defaults"."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise ValueError("bad Content-Length") from None
    if length > MAX_BODY:
        raise BodyTooLarge(f"body must be at most {MAX_BODY} bytes")
    if length < 0:
        raise ValueError("bad Content-Length")
    raw = environ["wsgi.input"].read(length) if length else b""
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        raise ValueError("body is not valid JSON") from None
