"""What model D gives each container, rendered from the manifest: commands, environments, compose variables.

Inside the project's network every service listens on its manifest port on all of the container's
interfaces (that network is private to the project); only the gateway's port is published, on the
host's 127.0.0.1. Services find each other by service name through Docker's DNS.
"""

from __future__ import annotations

from pathlib import Path

from deploylab.core import state, wiring
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
        name: " ".join(["waitress-serve", *wiring.waitress_args(s, manifest, listen=f"0.0.0.0:{s.port}")])
        for name, s in manifest.services.items()
    }
    out[manifest.gateway.name] = f"python3 -m {manifest.gateway.module}"
    return out


def environments(ctx: LabContext, secrets: dict[str, str]) -> dict[str, dict[str, str]]:
    manifest = ctx.manifest
    urls = service_urls(ctx)
    values = wiring.placeholders("/data", secrets, urls)
    envs: dict[str, dict[str, str]] = {}
    for name, service in manifest.services.items():
        # The gateway and Web reach a service as <service>:<port>: its name joins its Host allow-list.
        env = wiring.service_env(service, values, hosts=[name])
        env.update(APP_HEALTH_PORT=str(service.port), APP_HEALTH_PATH=service.health)  # the image's HEALTHCHECK
        envs[name] = env
    envs[manifest.gateway.name] = {
        **wiring.gateway_env(manifest, urls, secrets, host="0.0.0.0", port=manifest.entry_port),
        "APP_HEALTH_PORT": str(manifest.entry_port),
        "APP_HEALTH_PATH": manifest.entry_health,
    }
    return envs


def write_env_files(model_dir: Path, envs: dict[str, dict[str, str]]) -> Path:
    """One KEY=value file per service, 0600 (they hold the secrets); the folder compose reads them from."""
    folder = model_dir / ENV_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for name, env in envs.items():
        state.write_env_file(folder / f"{name}.env", env)
    return folder


def compose_variables(ctx: LabContext, images: dict[str, str], env_dir: Path) -> dict[str, str]:
    """The ${…} of compose.yaml and stack.yaml."""
    variables = {
        "LAB_ENV_DIR": str(env_dir),
        "ENTRY_PORT": str(ctx.entry_port),
        "GATEWAY_PORT": str(ctx.manifest.entry_port),
        "SUT_CPUS": ctx.sut_cpus or "",
    }
    for name, limits in ctx.manifest.unit_limits().items():  # the manifest's one table of limits
        variables[f"{name.upper()}_MEM"] = f"{limits.memory_mib}m"
        variables[f"{name.upper()}_CPUS"] = f"{limits.cpus:g}"
    for name, command in commands(ctx).items():
        variables[f"{name.upper()}_COMMAND"] = command
    for name, tag in images.items():
        variables[f"{name.upper()}_IMAGE"] = tag
    return variables


def write_compose_env(model_dir: Path, variables: dict[str, str]) -> Path:
    """The same variables as a file, for running compose by hand (`--env-file .lab/d/compose.env`)."""
    path = model_dir / "compose.env"
    state.write_env_file(path, variables)
    return path
