"""The entry point's route table: path prefix -> service name.

Standard library only: model A's shared host and the Tornado gateway both use it, so that
every model routes the same paths the same way. The table comes from services/manifest.toml
as one line, e.g. "/grades-static=grades,/students=students,/grades=grades,/admin=grades,/=web".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RouteTable:
    routes: tuple[tuple[str, str], ...]  # (prefix, service), longest prefix first; "/" last

    @classmethod
    def parse(cls, spec: str) -> RouteTable:
        routes = []
        for item in filter(None, (part.strip() for part in spec.split(","))):
            prefix, sep, service = item.partition("=")
            prefix, service = prefix.strip(), service.strip()
            if not sep or not prefix.startswith("/") or not service:
                raise ValueError(f"bad route {item!r}: expected /prefix=service")
            routes.append((prefix.rstrip("/") or "/", service))
        if not routes:
            raise ValueError("the route table is empty")
        routes.sort(key=lambda route: len(route[0]), reverse=True)
        return cls(tuple(routes))

    @property
    def services(self) -> set[str]:
        return {service for _, service in self.routes}

    def match(self, path: str) -> str | None:
        """The service for a path: prefixes match whole segments ("/grades" takes "/grades/x", not "/gradesx")."""
        for prefix, service in self.routes:
            if prefix == "/" or path == prefix or path.startswith(prefix + "/"):
                return service
        return None


def split_chaos_path(path: str, chaos_prefix: str = "/__chaos__") -> tuple[str, str] | None:
    """'/__chaos__/grades/latency' -> ('grades', '/__chaos__/latency'); None when not a chaos route."""
    if not path.startswith(chaos_prefix + "/"):
        return None
    service, _, rest = path[len(chaos_prefix) + 1 :].partition("/")
    if not service:
        return None
    return service, chaos_prefix + ("/" + rest if rest else "")


def parse_upstreams(spec: str) -> dict[str, str]:
    """'students=http://127.0.0.1:8001,grades=…' -> {'students': 'http://127.0.0.1:8001', …}."""
    upstreams = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, sep, url = item.partition("=")
        if not sep or not url.strip().startswith(("http://", "https://")):
            raise ValueError(f"bad upstream {item!r}: expected name=http://host:port")
        upstreams[name.strip()] = url.strip().rstrip("/")
    return upstreams
