"""One table of limits (services/manifest.toml) and how each model is given it: B's and A's supervisor config,
C's deploy vars, unit template and machine sizes, D's compose variables."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import jinja2
import pytest
from deploylab_models.a_shared_server.driver import Driver as DriverA
from deploylab_models.b_per_service_server.driver import Driver as DriverB
from deploylab_models.c_vm_vagrant import deploy_vars
from deploylab_models.c_vm_vagrant.bundle import Bundle
from deploylab_models.d_containers import wiring

from deploylab.core import manifest
from deploylab.core.driver import LabContext
from deploylab.core.errors import LabError
from deploylab.core.manifest import Limits

ROOT = Path(__file__).resolve().parents[2]
C_DIR = ROOT / "models" / "c_vm_vagrant"
D_DIR = ROOT / "models" / "d_containers"
SECRETS = {"chaos_token": "tok", "secret_key": "key"}


@pytest.fixture
def ctx(tmp_path: Path) -> LabContext:
    return LabContext(root=ROOT, state_dir=tmp_path, manifest=manifest.load(), port_offset=300, sut_cpus="0",
                      options={"venv_dir": str(tmp_path / "venvs")})


def test_the_manifest_gives_every_service_and_the_gateway_typed_limits() -> None:
    m = manifest.load()
    limits = m.unit_limits()
    assert set(limits) == {"students", "grades", "web", "gateway"}
    assert limits["grades"] == m.services["grades"].limits and limits["gateway"] == m.gateway.limits
    for limit in limits.values():
        assert isinstance(limit.memory_mib, int) and limit.memory_mib >= 64
        # The system under test is pinned to one core: a quota of 1.0 or more could never bind there.
        assert isinstance(limit.cpus, float) and 0 < limit.cpus < 1.0
    assert m.agent.limits is None
    assert Limits(384, 0.6).memory_bytes == 384 * 2**20 and Limits(384, 0.6).cfs_quota_us() == 60_000


def test_shared_limits_sum_the_services_and_cap_the_quota_at_the_cores() -> None:
    m = manifest.load()
    services = [s.limits for s in m.services.values()]
    total = sum(limit.cpus for limit in services)
    assert total > 1.0, "three quotas on one core: A's summed quota cannot bind there, as docs/models.md says"
    assert m.shared_limits(1) == Limits(sum(limit.memory_mib for limit in services), 1.0)
    assert m.shared_limits(8).cpus == pytest.approx(total)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("memory_mib", "0", "positive whole number"), ("memory_mib", '"256m"', "positive whole number"),
    ("cpus", "0", "above 0"), ("cpus", '"0.5"', "above 0"),
])
def test_bad_limits_are_refused(tmp_path: Path, field: str, value: str, message: str) -> None:
    text = (ROOT / "services" / "manifest.toml").read_text()
    changed = re.sub(rf"(\[services\.grades\.limits\][^\[]*?){field} = [^\n]*", rf"\g<1>{field} = {value}", text, count=1)
    assert changed != text
    (tmp_path / "manifest.toml").write_text(changed)
    with pytest.raises(LabError, match=message):
        manifest.load(tmp_path / "manifest.toml")


def test_a_manifest_without_limits_is_refused(tmp_path: Path) -> None:
    text = (ROOT / "services" / "manifest.toml").read_text()
    (tmp_path / "manifest.toml").write_text(re.sub(r"\[gateway\.limits\][^\n]*\n[^\n]*\n[^\n]*\n", "", text))
    with pytest.raises(LabError, match="gateway.limits"):
        manifest.load(tmp_path / "manifest.toml")


def test_b_gives_its_supervisor_each_units_limits_and_a_group_of_its_own(ctx: LabContext) -> None:
    config = DriverB(ctx).supervisor_config(SECRETS)
    assert config["policy"] == ctx.restart_policy
    assert {u["name"]: u["limits"] for u in config["units"]} == {
        name: {"memory_mib": limit.memory_mib, "cpus": limit.cpus} for name, limit in ctx.manifest.unit_limits().items()}
    assert re.fullmatch(r"deploylab/b-300-[0-9a-f]{8}", config["cgroup"])
    other = DriverB(LabContext(root=ROOT, state_dir=ctx.state_dir / "other", manifest=ctx.manifest, port_offset=300))
    assert other.cgroup_name != config["cgroup"], "another state folder is another deployment"


def test_a_runs_its_one_unit_under_the_same_supervisor_with_the_summed_limits(ctx: LabContext) -> None:
    config = DriverA(ctx).supervisor_config(SECRETS)
    assert config["policy"] == ctx.restart_policy == DriverB(ctx).supervisor_config(SECRETS)["policy"]
    [unit] = config["units"]
    assert unit["name"] == "shared" and unit["argv"][0].endswith("waitress-serve")
    services = ctx.manifest.services.values()
    # Pinned to one core (sut_cpus "0"): 3 x 0.6 is capped at 1.0, which cannot bind on that core.
    assert unit["limits"] == {"memory_mib": sum(s.limits.memory_mib for s in services), "cpus": 1.0}
    assert re.fullmatch(r"deploylab/a-300-[0-9a-f]{8}", config["cgroup"])


def test_c_passes_each_programs_limits_and_the_unit_template_applies_them(tmp_path: Path) -> None:
    m = manifest.load()
    bundles = {name: Bundle(tmp_path / f"{name}.tar.gz", "r") for name in [*m.services, "gateway", "agent"]}
    values = deploy_vars.deploy_vars(m, bundles, SECRETS, "agent-token")
    for name, limit in m.unit_limits().items():
        assert values["deploylab_services"][name]["limits"] == {"memory_mib": limit.memory_mib, "cpus": limit.cpus}
    assert "limits" not in values["deploylab_agent"]
    template = jinja2.Template((C_DIR / "ansible" / "roles" / "python_service" / "templates" / "service.unit.j2").read_text())
    common = {"python_service_name": "grades", "python_service_root": "/opt/x", "python_service_env_file": "/etc/x",
              "python_service_data_dir": "/var/x", "python_service_user": "u", "python_service_listen": "10.0.0.1",
              "python_service_threads": 8, "python_service_restart_sec": 2, "ansible_managed": "",
              "python_service_start_limit_interval_sec": 10, "python_service_start_limit_burst": 10}
    grades = template.render(**common, python_service_spec=values["deploylab_services"]["grades"])
    limit = m.services["grades"].limits
    assert f"\nMemoryMax={limit.memory_mib}M\n" in grades
    assert f"\nCPUQuota={round(limit.cpus * 100)}%\n" in grades
    agent = template.render(**common, python_service_spec=values["deploylab_agent"])
    assert "MemoryMax" not in agent and "CPUQuota" not in agent


RUBY_STUB = """
module Vagrant
  def self.configure(_version); end
end
load ARGV[0]
puts JSON.generate(MACHINES.keys.to_h { |name| [name, memory_mib(name)] })
"""


@pytest.mark.skipif(shutil.which("ruby") is None, reason="ruby (Vagrant's language) is not installed")
def test_c_sizes_each_machine_above_its_services_limit(tmp_path: Path) -> None:
    m = manifest.load()
    bundles = {name: Bundle(tmp_path / f"{name}.tar.gz", "r") for name in [*m.services, "gateway", "agent"]}
    (tmp_path / "vars.json").write_text(json.dumps(deploy_vars.deploy_vars(m, bundles, SECRETS, "t")))
    env = {"PATH": "/usr/bin:/bin", "DEPLOYLAB_C_GUEST_PORT": "8000", "DEPLOYLAB_C_ENTRY_PORT": "8300",
           "DEPLOYLAB_C_VARS": str(tmp_path / "vars.json")}
    result = subprocess.run(["ruby", "-e", RUBY_STUB, str(C_DIR / "Vagrantfile")], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    sizes = json.loads(result.stdout)
    overhead = int(re.search(r"MACHINE_OVERHEAD_MIB = (\d+)", (C_DIR / "Vagrantfile").read_text())[1])  # type: ignore[index]
    assert overhead >= 76, "the machine's own systemd, journald, sshd and agent: about 75 MiB RSS measured"
    assert sizes == {name: limit.memory_mib + overhead for name, limit in m.unit_limits().items()}
    assert not re.search(r"memory:\s*\d", (C_DIR / "Vagrantfile").read_text()), "no second table of sizes"


def test_d_renders_the_limits_into_compose_variables_and_the_files_have_no_numbers_of_their_own(ctx: LabContext) -> None:
    variables = wiring.compose_variables(ctx, {}, ctx.state_dir)
    for name, limit in ctx.manifest.unit_limits().items():
        assert variables[f"{name.upper()}_MEM"] == f"{limit.memory_mib}m"
        assert float(variables[f"{name.upper()}_CPUS"]) == limit.cpus
    assert variables["SUT_CPUS"] == "0", "cpuset pinning stays"
    for file in ("compose.yaml", "stack.yaml"):
        text = (D_DIR / file).read_text()
        names = {name.upper() for name in ctx.manifest.unit_limits()}
        used = [u for u in re.findall(r"\$\{([A-Z]+)_(MEM|CPUS)(:[-?])?", text) if u[0] != "SUT"]  # SUT_CPUS: pinning
        assert {name for name, _, _ in used} <= names and {"STUDENTS", "GRADES", "WEB"} <= {name for name, _, _ in used}
        assert all(how == ":?" for _, _, how in used), f"{file}: a limit with a default of its own, or none required"
