"""The Ansible extra vars of one deployment, rendered from services/manifest.toml (no second copy in YAML).

Values that only exist on the machines stay Jinja for Ansible to fill in per host: a service's data
folder, and the other machines' private addresses (from the inventory's private_ip).
"""

from __future__ import annotations

from typing import Any

from deploylab.core.manifest import Manifest

from .bundle import Bundle

GATEWAY = "gateway"
GATEWAY_PORT = 8000  # inside its machine; Vagrant forwards 127.0.0.1:<entry port> to it


def url_of(manifest: Manifest, service: str) -> str:
    return f"http://{{{{ hostvars['{service}'].private_ip }}}}:{manifest.services[service].port}"


def _bundle(bundle: Bundle, version: str) -> dict[str, str]:
    return {"bundle": str(bundle.path), "release": bundle.release, "version": version}


def deploy_vars(
    manifest: Manifest, bundles: dict[str, Bundle], secrets: dict[str, str], agent_token: str,
    versions: dict[str, str] | None = None,
) -> dict[str, Any]:
    versions = versions or {}
    common = manifest.common_dir.name
    placeholders = {
        "data_dir": "{{ python_service_data_dir }}",
        "chaos_token": secrets["chaos_token"],
        "secret_key": secrets["secret_key"],
        **{f"{name}_url": url_of(manifest, name) for name in manifest.services},
    }
    services: dict[str, Any] = {}
    for service in manifest.services.values():
        env = service.render_env(placeholders)
        if "DJANGO_SETTINGS_MODULE" in env:  # Web calls Grades by its private address
            env["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1,localhost,{{ private_ip }}"
        services[service.name] = {
            **_bundle(bundles[service.name], versions.get(service.name, "1")),
            "paths": [f"services/{service.dir.name}", f"services/{common}"],
            "workdir": f"services/{service.dir.name}",
            "port": service.port,
            "wsgi": service.wsgi,
            "factory": service.factory,
            "env": env,
        }
    gateway = manifest.gateway
    services[GATEWAY] = {
        **_bundle(bundles[GATEWAY], versions.get(GATEWAY, "1")),
        "paths": [f"services/{gateway.dir.name}", f"services/{common}"],
        "workdir": f"services/{gateway.dir.name}",
        "module": gateway.module,
        "env": {
            # Every interface of its own machine: the forwarded entry port arrives on the NAT/bridge side.
            "GATEWAY_HOST": "0.0.0.0",
            "GATEWAY_PORT": str(GATEWAY_PORT),
            "GATEWAY_UPSTREAMS": ",".join(f"{name}={url_of(manifest, name)}" for name in manifest.services),
            "GATEWAY_ROUTES": manifest.routes_spec(),
            "CHAOS_TOKEN": secrets["chaos_token"],
        },
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
