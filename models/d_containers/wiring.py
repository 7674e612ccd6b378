"""What model D gives each container, rendered from the manifest: commands, environments, compose variables.

Inside the project's network every service listens on its manifest port on all of the container's
interfaces (that network is private to the project); only the gateway's port is published, on the
host's 127.0.0.1. Services find each other by service name through Docker's DNS.
"""

from __future__ import annotations

import os
from pathlib import Path

from deploylab.core.driver import LabContext

ENV_DIR = "env"  # under .lab/d/: one 0600 file per service, holding this deployment's secrets


def project_name(ctx: LabContext) -> str:
    """deploylab-d, or deploylab-d-200 for a run at port offset 200 beside a real one."""
    return "deploylab-d" + (f"-{ctx.port_offset}" if ctx.port_offset else "")


def service_urls(ctx: LabContext) -> dict[str, str]:
    return {name: f"http://{name}:{s.port}" for name, s in ctx.manifest.services.items()}


def commands(ctx: LabContext) -> dict[str, str]:
    manifest = ctx.manifest
    out = {
        name: f"waitress-serve --listen=0.0.0.0:{s.port} {'--call ' if s.factory else ''}{s.wsgi}"
        for name, s in manifest.services.items()
    }
    out[manifest.gateway.name] = f"python3 -m {manifest.gateway.module}"
    return out


def environments(ctx: LabContext, secrets: dict[str, str]) -> dict[str, dict[str, str]]:
    manifest = ctx.manifest
    urls = service_urls(ctx)
    values = {
        "data_dir": "/data",
        "chaos_token": secrets["chaos_token"],
        "secret_key": secrets["secret_key"],
        **{f"{name}_url": url for name, url in urls.items()},
    }
    envs: dict[str, dict[str, str]] = {}
    for name, service in manifest.services.items():
        env = service.render_env(values)
        env["APP_HEALTH_URL"] = f"http://127.0.0.1:{service.port}{service.health}"
        if "DJANGO_SETTINGS_MODULE" in env:
            # The gateway forwards Host as <service>:<port>; Django checks the name part.
            env["DJANGO_ALLOWED_HOSTS"] = f"127.0.0.1,localhost,{name}"
        envs[name] = env
    envs[manifest.gateway.name] = {
        "GATEWAY_HOST": "0.0.0.0",
        "GATEWAY_PORT": str(manifest.entry_port),
        "GATEWAY_UPSTREAMS": ",".join(f"{name}={url}" for name, url in urls.items()),
        "GATEWAY_ROUTES": manifest.routes_spec(),
        "CHAOS_TOKEN": secrets["chaos_token"],
        "APP_HEALTH_URL": f"http://127.0.0.1:{manifest.entry_port}{manifest.entry_health}",
    }
    return envs


def write_env_files(model_dir: Path, envs: dict[str, dict[str, str]]) -> Path:
    """One KEY=value file per service, 0600 (they hold the secrets); the folder compose reads them from."""
    folder = model_dir / ENV_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for name, env in envs.items():
        _write_private(folder / f"{name}.env", env)
    return folder


def compose_variables(ctx: LabContext, images: dict[str, str], env_dir: Path) -> dict[str, str]:
    """The ${…} of compose.yaml and stack.yaml."""
    variables = {
        "LAB_ENV_DIR": str(env_dir),
        "ENTRY_PORT": str(ctx.entry_port),
        "GATEWAY_PORT": str(ctx.manifest.entry_port),
        "SUT_CPUS": ctx.sut_cpus or "",
    }
    for name, command in commands(ctx).items():
        variables[f"{name.upper()}_COMMAND"] = command
    for name, tag in images.items():
        variables[f"{name.upper()}_IMAGE"] = tag
    return variables


def _write_private(path: Path, values: dict[str, str]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.writelines(f"{key}={value}\n" for key, value in values.items())


def write_compose_env(model_dir: Path, variables: dict[str, str]) -> Path:
    """The same variables as a file, for running compose by hand (`--env-file .lab/d/compose.env`)."""
    path = model_dir / "compose.env"
    _write_private(path, variables)
    return path
