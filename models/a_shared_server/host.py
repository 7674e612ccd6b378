"""Model A's shared WSGI host: every app in one interpreter, dispatched by path prefix.

Standard library plus services/common/routing.py only. Configured from the environment once,
in make_app() (waitress-serve --call host:make_app), by the model's driver:

  SHARED_APPS    students=students:create_app(),grades=grades.wsgi:application,web=web:create_app()
                 ("()" marks a factory to call)
  SHARED_ROUTES  the manifest's route table, "/students=students,…,/=web"
  SHARED_READY   students=/readyz,grades=/readyz,web=/readyz
  SHARED_HEALTH  the host's own aggregated health path, /healthz
  SHARED_CHAOS_PREFIX  /__chaos__
  SHARED_IN_PROCESS    "" (the chapter's A: Web calls the others over HTTP through this server) or who calls
                 whom in-process, "web=students+grades": the callees are loaded first and the caller's
                 factory is called as factory(backends={"students": <app>, "grades": <app>}), each app the
                 very callable this host routes to, fault injection included (a true monolith)

Unlike werkzeug's DispatcherMiddleware the full path is kept (no SCRIPT_NAME split): each app
sees the same paths it sees when it runs alone, as in every other model.
"""

from __future__ import annotations

import importlib
import io
import json
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from service_common.routing import RouteTable, split_chaos_path

WSGIApp = Callable[[dict, Callable[..., Any]], Iterable[bytes]]


def parse_pairs(spec: str, what: str) -> dict[str, str]:
    pairs = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ValueError(f"{what}: bad item {item!r}: expected name=value")
        pairs[name.strip()] = value.strip()
    return pairs


def load_app(entry: str, backends: Mapping[str, WSGIApp] | None = None) -> WSGIApp:
    """'pkg.mod:attr' or 'pkg.mod:factory()' -> the WSGI app; `backends` goes to the factory, by keyword."""
    module_name, _, attribute = entry.partition(":")
    factory = attribute.endswith("()")
    if backends and not factory:
        raise ValueError(f"{entry}: only a factory, 'module:factory()', can be given in-process backends")
    obj = getattr(importlib.import_module(module_name), attribute.removesuffix("()"))
    if not factory:
        return obj
    return obj(backends=dict(backends)) if backends else obj()


def parse_calls(spec: str, apps: Iterable[str]) -> dict[str, list[str]]:
    """SHARED_IN_PROCESS, "web=students+grades" -> {"web": ["students", "grades"]}, every name a hosted app."""
    hosted = set(apps)
    calls = {caller: [c for c in (p.strip() for p in callees.split("+")) if c]
             for caller, callees in parse_pairs(spec, "SHARED_IN_PROCESS").items()}
    for caller, callees in calls.items():
        unknown = sorted({caller, *callees} - hosted)
        if unknown:
            raise ValueError(f"SHARED_IN_PROCESS: {', '.join(unknown)} not in SHARED_APPS")
        if caller in callees:
            raise ValueError(f"SHARED_IN_PROCESS: {caller} cannot call itself in-process")
    return calls


def load_apps(entries: Mapping[str, str], calls: Mapping[str, list[str]] | None = None) -> dict[str, WSGIApp]:
    """Every app once, in the order given, except that an app's in-process callees are loaded before it."""
    loaded: dict[str, WSGIApp] = {}

    def load(name: str, chain: tuple[str, ...]) -> WSGIApp:
        if name in chain:
            raise ValueError(f"SHARED_IN_PROCESS: a cycle, {' -> '.join((*chain, name))}")
        if name not in loaded:
            callees = (calls or {}).get(name, [])
            loaded[name] = load_app(entries[name], {c: load(c, (*chain, name)) for c in callees} or None)
        return loaded[name]

    for name in entries:
        load(name, ())
    return {name: loaded[name] for name in entries}


def _json(start_response: Callable[..., Any], status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


class SharedHost:
    def __init__(
        self,
        apps: Mapping[str, WSGIApp],
        routes: RouteTable,
        ready: Mapping[str, str],
        health_path: str = "/healthz",
        chaos_prefix: str = "/__chaos__",
    ) -> None:
        missing = routes.services - set(apps)
        if missing:
            raise ValueError(f"routes name services that are not hosted: {', '.join(sorted(missing))}")
        self.apps, self.routes, self.ready = dict(apps), routes, dict(ready)
        self.health_path, self.chaos_prefix = health_path, chaos_prefix

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        if path == self.health_path:
            return self.health(environ, start_response)
        chaos = split_chaos_path(path, self.chaos_prefix)
        if chaos:
            service, inner = chaos
            if service not in self.apps:
                return _json(start_response, "404 Not Found", {"error": f"no service {service!r}"})
            return self.apps[service]({**environ, "PATH_INFO": inner}, start_response)
        return self.apps[self.routes.match(path) or ""](environ, start_response)

    def probe(self, service: str, environ: dict) -> int:
        """The status the app's readiness path gives, asked in-process (no socket)."""
        status: list[str] = []
        inner = {
            **environ,
            "REQUEST_METHOD": "GET",
            "PATH_INFO": self.ready[service],
            "QUERY_STRING": "",
            "CONTENT_LENGTH": "0",
            "wsgi.input": io.BytesIO(b""),
        }
        try:
            body = self.apps[service](inner, lambda s, headers, exc_info=None: status.append(s))
            try:
                for _ in body:
                    pass
            finally:
                getattr(body, "close", lambda: None)()
        except Exception:  # a broken app is unready, and the host's health must still answer
            return 500
        return int(status[0].split()[0]) if status else 500

    def health(self, environ: dict, start_response: Callable[..., Any]) -> list[bytes]:
        services = {name: self.probe(name, environ) for name in self.ready}
        ok = all(code == 200 for code in services.values())
        body = {"status": "ok" if ok else "unavailable", "services": {n: "ok" if c == 200 else c for n, c in services.items()}}
        return _json(start_response, "200 OK" if ok else "503 Service Unavailable", body)


def make_app(environ: Mapping[str, str] = os.environ) -> SharedHost:
    """The edge: read SHARED_* once, import each app (each reads its own env in its factory), build the host."""
    entries = parse_pairs(environ["SHARED_APPS"], "SHARED_APPS")
    apps = load_apps(entries, parse_calls(environ.get("SHARED_IN_PROCESS", ""), entries))
    return SharedHost(
        apps,
        RouteTable.parse(environ["SHARED_ROUTES"]),
        parse_pairs(environ.get("SHARED_READY", ""), "SHARED_READY"),
        environ.get("SHARED_HEALTH", "/healthz"),
        environ.get("SHARED_CHAOS_PREFIX", "/__chaos__"),
    )
