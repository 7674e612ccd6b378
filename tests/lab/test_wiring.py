"""The one implementation of per-model wiring: every model gives the gateway the same variables, waitress the
manifest's body limit, a service its Host allow-list; and files holding secrets are private whatever came before."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from deploylab_models.a_shared_server.driver import Driver as DriverA
from deploylab_models.b_per_service_server.driver import Driver as DriverB
from deploylab_models.c_vm_vagrant.bundle import Bundle
from deploylab_models.c_vm_vagrant.deploy_vars import deploy_vars
from deploylab_models.d_containers import wiring as d_wiring

from deploylab.core import manifest, state, wiring
from deploylab.core.driver import LabContext

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {"chaos_token": "token", "secret_key": "key"}


@pytest.fixture
def ctx(tmp_path: Path) -> LabContext:
    return LabContext(root=ROOT, state_dir=tmp_path, manifest=manifest.load(), port_offset=300)


def gateway_envs(ctx: LabContext) -> dict[str, dict[str, str]]:
    specs = DriverB(ctx).unit_specs(SECRETS)
    bundles = {name: Bundle(Path("/b"), "r") for name in [*ctx.manifest.services, "gateway", "agent"]}
    return {
        "b": next(spec["env"] for spec in specs if spec["name"] == "gateway"),
        "c": deploy_vars(ctx.manifest, bundles, SECRETS, "agent-token")["deploylab_services"]["gateway"]["env"],
        "d": d_wiring.environments(ctx, SECRETS)["gateway"],
    }


def test_every_gateway_gets_the_same_variables_from_the_manifest(ctx: LabContext) -> None:
    envs = gateway_envs(ctx)
    keys = {"GATEWAY_HOST", "GATEWAY_PORT", "GATEWAY_UPSTREAMS", "GATEWAY_ROUTES", "GATEWAY_MAX_BODY", "CHAOS_TOKEN",
            "GATEWAY_HEALTH_PATH", "GATEWAY_READY_PATH", "GATEWAY_CHAOS_PREFIX"}
    for model, env in envs.items():
        assert keys <= set(env), model
        assert env["GATEWAY_ROUTES"] == ctx.manifest.routes_spec()
        assert env["GATEWAY_MAX_BODY"] == str(ctx.manifest.max_body)
        assert env["GATEWAY_CHAOS_PREFIX"] == ctx.manifest.chaos_prefix
    assert envs["b"]["GATEWAY_PORT"] == str(ctx.entry_port)  # B binds the host's entry port itself
    assert envs["c"]["GATEWAY_PORT"] == envs["d"]["GATEWAY_PORT"] == str(ctx.manifest.entry_port)  # forwarded to


def test_every_waitress_is_bounded_by_the_manifests_body_limit(ctx: LabContext) -> None:
    limit = f"--max-request-body-size={ctx.manifest.max_body}"
    assert limit in DriverA(ctx).launch_argv()
    for spec in DriverB(ctx).unit_specs(SECRETS):
        if spec["name"] != "gateway":
            assert limit in spec["argv"], spec["name"]
    for name, command in d_wiring.commands(ctx).items():
        if name != "gateway":
            assert limit in command.split(), name
    bundles = {name: Bundle(Path("/b"), "r") for name in [*ctx.manifest.services, "gateway", "agent"]}
    c = deploy_vars(ctx.manifest, bundles, SECRETS, "t")["deploylab_services"]
    assert all(c[name]["max_body"] == ctx.manifest.max_body for name in ctx.manifest.services)


def test_the_host_allow_list_is_extended_only_where_the_manifest_names_its_variable(ctx: LabContext) -> None:
    grades, students = ctx.manifest.services["grades"], ctx.manifest.services["students"]
    values = wiring.placeholders("/data", SECRETS, {name: f"http://{name}" for name in ctx.manifest.services})
    env = wiring.service_env(grades, values, hosts=["grades", "localhost"])
    assert env[grades.allowed_hosts_env] == "127.0.0.1,localhost,grades"
    assert grades.allowed_hosts_env not in wiring.service_env(grades, values)  # nothing to add: the service's default
    assert all(service.allowed_hosts_env for service in ctx.manifest.services.values())  # every service guards Host
    assert wiring.service_env(students, values, hosts=["10.0.0.5"])[students.allowed_hosts_env].endswith(",10.0.0.5")


def test_entry_probes_cover_the_entry_and_every_service(ctx: LabContext) -> None:
    probes = wiring.entry_probes(ctx.manifest, "http://127.0.0.1:9")
    assert probes["entry"] == "http://127.0.0.1:9" + ctx.manifest.entry_health
    assert set(probes) == {"entry", *ctx.manifest.services}


def test_a_private_file_is_0600_even_when_an_older_one_was_not(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text("{}")
    path.chmod(0o644)
    state.write_state(tmp_path, {"chaos_token": "secret"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert state.read_state(tmp_path) == {"chaos_token": "secret"}
    assert not list(tmp_path.glob("*.tmp"))
