"""The Ansible extra vars of one deployment, rendered from services/manifest.toml (no second copy in YAML).

Values that only exist on the machines stay Jinja for Ansible to fill in per host: a service's data
folder, and the other machines' private addresses (from the inventory's private_ip).

Each program's limits (the manifest's one table) go with it: the python_service role writes them into its
systemd unit as MemoryMax= and CPUQuota=, and the Vagrantfile sizes each machine above its service's limit.
"""

from __future__ import annotations

from typing import Any

from deploylab.core import wiring
from deploylab.core.manifest import Limits, Manifest

from .bundle import Bundle

GATEWAY = "gateway"


def url_of(manifest: Manifest, service: str) -> str:
    return f"http://{{{{ hostvars['{service}'].private_ip }}}}:{manifest.services[service].port}"


def limits_var(limits: Limits | None) -> dict[str, Any]:
    """{"memory_mib": 384, "cpus": 0.6}: what the unit template and the Vagrantfile read."""
    if limits is None:
        return {}
    return {"limits": {"memory_mib": limits.memory_mib, "cpus": limits.cpus}}


def _bundle(bundle: Bundle, version: str) -> dict[str, str]:
    return {"bundle": str(bundle.path), "release": bundle.release, "version": version}


def deploy_vars(
    manifest: Manifest, bundles: dict[str, Bundle], secrets: dict[str, str], agent_token: str,
    versions: dict[str, str] | None = None,
) -> dict[str, Any]:
    versions = versions or {}
    common = manifest.common_dir.name
    urls = {name: url_of(manifest, name) for name in manifest.services}
    placeholders = wiring.placeholders("{{ python_service_data_dir }}", secrets, urls)
    services: dict[str, Any] = {}
    for service in manifest.services.values():
        # The gateway and Web reach a service by its machine's private address.
        env = wiring.service_env(service, placeholders, hosts=["{{ private_ip }}"])
        services[service.name] = {
            **_bundle(bundles[service.name], versions.get(service.name, "1")),
            "paths": [f"services/{service.dir.name}", f"services/{common}"],
            "workdir": f"services/{service.dir.name}",
            "port": service.port,
            "wsgi": service.wsgi,
            "factory": service.factory,
            "max_body": manifest.max_body,
            "env": env,
            **limits_var(service.limits),
        }
    gateway = manifest.gateway
    services[GATEWAY] = {
        **_bundle(bundles[GATEWAY], versions.get(GATEWAY, "1")),
        "paths": [f"services/{gateway.dir.name}", f"services/{common}"],
        "workdir": f"services/{gateway.dir.name}",
        "module": gateway.module,
        # Every interface of its own machine, at the entry port: Vagrant forwards 127.0.0.1:<entry port> to it.
        "env": wiring.gateway_env(manifest, urls, secrets, host="0.0.0.0", port=manifest.entry_port),
        **limits_var(gateway.limits),
    }
    agent = manifest.agent
    return {
        "deploylab_services": services,
        "deploylab_agent": {
            **_bundle(bundles[agent.name], "1"),
            "paths": [f"services/{agent.dir.name}"],
            "workdir": f"services/{agent.dir.name}",
            "module": agent.module,
        },
        "agent_port": agent.port,
        "agent_token": agent_token,
    }
