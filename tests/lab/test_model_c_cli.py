"""Every CLI verb on model C's state, without a machine: `up` runs with Vagrant, Docker and the readiness
probes faked, so the state.json is the one the driver really writes; the verbs then run through the CLI
with the HTTP they would send caught, and each URL checked.
"""

from __future__ import annotations

import io
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from deploylab_models.c_vm_vagrant import driver as c_driver

import deploylab.cli.commands.seed as seed_command
import deploylab.cli.commands.status as status_command
import deploylab.measure.seed as seed_module
from deploylab.cli import main as cli
from deploylab.cli.context import build_context
from deploylab.core import state
from deploylab.core.driver import LabContext
from deploylab.measure import chaos

OFFSET = 300  # nothing here opens a socket; the offset only keeps URLs apart from a real deployment's
ENTRY = f"http://127.0.0.1:{8000 + OFFSET}"
NETWORK = f"10.213.{OFFSET // 100}"
ADDRESSES = {"students": 11, "grades": 12, "web": 13, "gateway": 10}


class FakeRunner:
    """Vagrant as the driver sees it: `up` writes the inventory Vagrant's ansible provisioner would."""

    made: list[FakeRunner] = []

    def __init__(self, env: dict[str, str], log: Path, progress: Any) -> None:
        self.env, self.calls = dict(env), []
        FakeRunner.made.append(self)

    def vagrant(self, *args: str, check: bool = True) -> str:
        self.calls.append(args)
        if args[0] == "up":
            inventory = Path(self.env["VAGRANT_DOTFILE_PATH"]) / "provisioners/ansible/inventory/vagrant_ansible_inventory"
            inventory.parent.mkdir(parents=True, exist_ok=True)
            inventory.write_text("".join(
                f"{name} ansible_host=172.17.0.{host} ansible_port=22 ansible_user='vagrant' "
                f"private_ip='{NETWORK}.{host}'\n" for name, host in ADDRESSES.items()))
        return ""


class FakeEngine:
    def ping(self) -> bool:
        return False  # down: no engine, nothing to remove

    def container(self, name: str) -> dict[str, Any]:
        return {"HostConfig": {"Memory": 512 * 2**20}}


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LabContext]:
    monkeypatch.setenv("DEPLOYLAB_STATE_DIR", str(tmp_path / "lab"))
    monkeypatch.setenv("DEPLOYLAB_PORT_OFFSET", str(OFFSET))
    monkeypatch.delenv("VAGRANT_DEFAULT_PROVIDER", raising=False)
    FakeRunner.made = []
    bundles = {name: SimpleNamespace(path=tmp_path / f"{name}.tar.gz", release=f"{name}-release")
               for name in (*ADDRESSES, "agent")}
    monkeypatch.setattr(c_driver, "Runner", FakeRunner)
    monkeypatch.setattr(c_driver, "DockerEngine", FakeEngine)
    monkeypatch.setattr(c_driver, "require_free", lambda ports: None)
    monkeypatch.setattr(c_driver, "deploy_vars", lambda manifest, bundles, found, token, *rest: {"agent_token": token})
    monkeypatch.setattr(c_driver.Driver, "available", lambda self: None)
    monkeypatch.setattr(c_driver.Driver, "_build", lambda self: ("deploylab/c-vm:test", bundles))
    monkeypatch.setattr(c_driver.Driver, "_ssh_key", lambda self: self.model_dir / "ssh" / "id_ed25519")
    monkeypatch.setattr(c_driver.Driver, "_wait_ready", lambda self, runner: None)
    yield build_context()


def up(ctx: LabContext) -> dict[str, Any]:
    deployment = c_driver.Driver(ctx).up()
    assert deployment.base_url == ENTRY
    recorded = state.read_state(ctx.model_dir("c"))
    assert recorded
    return recorded


@pytest.fixture
def injected(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def inject(base_url: str, service: str, kind: str, params: Any, token: str, prefix: str = "/__chaos__",
               timeout: float = 10.0) -> dict[str, Any]:
        calls.append({"url": f"{base_url}{prefix}/{service}/{kind}", "params": dict(params), "token": token})
        return {"ok": True}

    monkeypatch.setattr(chaos, "inject", inject)
    return calls


def test_state_records_the_entry_address(lab: LabContext) -> None:
    assert up(lab)["base_url"] == ENTRY


@pytest.mark.parametrize(("kind", "params"), [("latency", {"ms": 500.0, "duration_s": 5.0}), ("reset", {})])
def test_in_process_faults_go_through_the_entry(lab: LabContext, injected: list[dict[str, Any]], kind: str,
                                                 params: dict[str, float]) -> None:
    up(lab)
    words = [f"{key}={value:g}" for key, value in params.items()]
    assert cli.main(["fault", "c", "grades", kind, *words]) == 0
    token = state.deployment_secrets(lab.model_dir("c"))["chaos_token"]
    assert injected == [{"url": f"{ENTRY}/__chaos__/grades/{kind}", "params": params, "token": token}]


def test_latency_on_a_state_written_before_it_recorded_its_address(lab: LabContext,
                                                                   injected: list[dict[str, Any]]) -> None:
    """A deployment made before `up` recorded base_url (or any model that does not) uses the lab's entry."""
    recorded = up(lab)
    del recorded["base_url"]
    state.write_state(lab.model_dir("c"), recorded)
    assert cli.main(["fault", "c", "grades", "latency", "ms=500", "duration_s=5"]) == 0
    assert [call["url"] for call in injected] == [f"{ENTRY}/__chaos__/grades/latency"]


def test_kill_goes_to_the_agent_on_the_units_machine(lab: LabContext, monkeypatch: pytest.MonkeyPatch) -> None:
    recorded = up(lab)
    sent: list[urllib.request.Request] = []

    def urlopen(request: urllib.request.Request, timeout: float = 0) -> io.BytesIO:
        sent.append(request)
        return io.BytesIO(json.dumps({"unit": "grades", "action": "kill"}).encode())

    monkeypatch.setattr(c_driver.urllib.request, "urlopen", urlopen)
    assert cli.main(["fault", "c", "grades", "kill"]) == 0
    [request] = sent
    assert (request.get_method(), request.full_url) == ("POST", f"http://{NETWORK}.12:9100/units/grades/kill")
    assert request.get_header("Authorization") == f"Bearer {recorded['agent_token']}"


def test_seed_goes_to_the_entry(lab: LabContext, monkeypatch: pytest.MonkeyPatch) -> None:
    up(lab)
    seeded: list[str] = []
    monkeypatch.setattr(seed_module, "seed", seeded.append)
    monkeypatch.setattr(seed_command, "seed", seeded.append, raising=False)  # where the verb imported it by name
    assert cli.main(["seed"]) == 0
    assert seeded == [ENTRY]


def test_status_lists_the_machines_and_asks_the_entry(lab: LabContext, monkeypatch: pytest.MonkeyPatch) -> None:
    up(lab)
    asked: list[str] = []
    monkeypatch.setattr(status_command, "http_status", lambda url, *a, **k: asked.append(url) or 200)
    found = status_command.collect(lab)
    assert (found["model"], found["base_url"], found["health"]) == ("c", ENTRY, 200)
    assert sorted(unit["unit"] for unit in found["units"]) == sorted(ADDRESSES)
    assert asked == [ENTRY + lab.manifest.entry_health]


def test_down_destroys_the_machines_and_removes_the_state(lab: LabContext, monkeypatch: pytest.MonkeyPatch) -> None:
    up(lab)
    monkeypatch.setattr(c_driver.shutil, "which", lambda name: f"/usr/bin/{name}")
    assert cli.main(["down", "c"]) == 0
    assert ("destroy", "-f") in FakeRunner.made[-1].calls
    assert state.read_state(lab.model_dir("c")) is None
    assert not (lab.model_dir("c") / "secrets.env").exists()
    assert cli.main(["down", "c"]) == 0  # idempotent


# -- data that outlives the machines ------------------------------------------------------------------

VAGRANTFILE = Path(c_driver.__file__).with_name("Vagrantfile")
COMMON_DEFAULTS = Path(c_driver.__file__).parent / "ansible" / "roles" / "common" / "defaults" / "main.yml"


def test_each_machine_gets_a_host_data_folder_at_its_services_data_root(lab: LabContext) -> None:
    up(lab)
    data = lab.model_dir("c") / "data"
    assert sorted(p.name for p in data.iterdir()) == sorted(ADDRESSES)
    assert FakeRunner.made[-1].env["DEPLOYLAB_C_DATA"] == str(data)
    # The Vagrantfile mounts <data>/<machine> where the common role puts the service's data folder.
    [root] = [line.split(":", 1)[1].strip() for line in COMMON_DEFAULTS.read_text().splitlines()
              if line.startswith("common_data_root:")]
    vagrantfile = VAGRANTFILE.read_text()
    assert 'ENV["DEPLOYLAB_C_DATA"]' in vagrantfile
    assert f'GUEST_DATA_ROOT = "{root}"' in vagrantfile
    assert '"#{File.join(DATA_DIR, name)}:#{GUEST_DATA_ROOT}/#{name}"' in vagrantfile


def test_down_keeps_the_data_and_purge_removes_it(lab: LabContext) -> None:
    up(lab)
    database = lab.model_dir("c") / "data" / "students" / "students.sqlite3"
    database.write_bytes(b"SQLite format 3\0")
    assert cli.main(["down", "c"]) == 0
    assert database.exists(), "plain down keeps the services' data, as in A, B and D"
    up(lab)
    assert database.exists(), "the next up finds it"
    assert cli.main(["down", "c", "--purge"]) == 0
    assert not (lab.model_dir("c") / "data").exists()
    assert cli.main(["down", "c", "--purge"]) == 0  # idempotent


@pytest.mark.parametrize("model", ["a", "b"])
def test_purge_removes_the_data_of_the_process_models_too(lab: LabContext, model: str) -> None:
    database = lab.model_dir(model) / "data" / "students" / "students.sqlite3"
    database.parent.mkdir(parents=True)
    database.write_bytes(b"SQLite format 3\0")
    assert cli.main(["down", model]) == 0
    assert database.exists()
    assert cli.main(["down", model, "--purge"]) == 0
    assert not database.parent.parent.exists()
