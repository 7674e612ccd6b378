"""How every model wires the manifest's services: one implementation for A, B, C and D.

A model says only what differs in its world — where a service's data lives, at which address each
service answers the others, which host names reach a service, where the gateway listens — and gets
the placeholders, each service's environment, the gateway's environment, the waitress command line
and the probes that say a deployment is ready.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from deploylab.core.errors import LabError
from deploylab.core.manifest import Manifest, Service

LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


def placeholders(data_dir: str, secrets: Mapping[str, str], urls: Mapping[str, str]) -> dict[str, str]:
    """The values of the manifest's env placeholders ({data_dir}, {chaos_token}, {students_url}, …)."""
    return {
        "data_dir": data_dir,
        "chaos_token": secrets["chaos_token"],
        "secret_key": secrets["secret_key"],
        **{f"{name}_url": url for name, url in urls.items()},
    }


def service_env(service: Service, values: Mapping[str, str], hosts: Iterable[str] = ()) -> dict[str, str]:
    """A service's rendered environment; `hosts`: the names other units reach it by (its Host allow-list)."""
    env = service.render_env(values)
    extra = [host for host in hosts if host not in LOOPBACK_HOSTS]
    if service.allowed_hosts_env and extra:
        env[service.allowed_hosts_env] = ",".join([*LOOPBACK_HOSTS, *extra])
    return env


def gateway_env(
    manifest: Manifest, urls: Mapping[str, str], secrets: Mapping[str, str], *, host: str, port: int,
) -> dict[str, str]:
    """The gateway's environment: where it listens, its upstreams and routes, the contract's paths, the body
    limit, the chaos token."""
    ready = {service.ready for service in manifest.services.values()}
    if len(ready) != 1:
        raise LabError(f"manifest: the gateway asks every service one readiness path, but they differ: {sorted(ready)}")
    return {
        "GATEWAY_HOST": host,
        "GATEWAY_PORT": str(port),
        "GATEWAY_UPSTREAMS": ",".join(f"{name}={urls[name]}" for name in manifest.services),
        "GATEWAY_ROUTES": manifest.routes_spec(),
        "GATEWAY_MAX_BODY": str(manifest.max_body),
        "GATEWAY_HEALTH_PATH": manifest.entry_health,
        "GATEWAY_READY_PATH": ready.pop(),
        "GATEWAY_CHAOS_PREFIX": manifest.chaos_prefix,
        "CHAOS_TOKEN": secrets["chaos_token"],
    }


def waitress_args(
    service: Service, manifest: Manifest, *, listen: str, threads: int | None = None,
) -> list[str]:
    """waitress-serve's arguments after the program name; the manifest's body limit bounds what it spools."""
    args = [f"--listen={listen}", f"--max-request-body-size={manifest.max_body}"]
    if threads:
        args.append(f"--threads={threads}")
    return [*args, *(["--call", service.wsgi] if service.factory else [service.wsgi])]


def entry_probes(manifest: Manifest, base_url: str) -> dict[str, str]:
    """{name: url} that answer 200 through the entry address once the deployment serves every route:
    the entry's own health, then each service's probe path (its contract route)."""
    return {"entry": base_url + manifest.entry_health,
            **{name: base_url + service.probe for name, service in manifest.services.items()}}
