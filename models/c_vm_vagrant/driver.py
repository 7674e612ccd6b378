"""Model C: one machine per service (students, grades, web, gateway), made by Vagrant, provisioned by Ansible.

Here the machines are containers booting systemd and sshd (Vagrant's docker provider): they share the
host's kernel, so they show the user-space overhead a VM brings (systemd, journald, sshd, an agent)
but not a guest kernel or memory reserved for it. A Bottle agent on each machine reports what its
units use and carries out kill / stop / start through systemd.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, ClassVar

from deploylab.core import state
from deploylab.core.driver import DRIVER_FAULTS, MACHINE_FAULTS, NETWORK_FAULTS, Deployment, Sample, Unit
from deploylab.core.driver import Driver as BaseDriver
from deploylab.core.errors import LabError
from deploylab.core.wiring import entry_probes
from deploylab.platform import partition
from deploylab.platform.docker_engine import DockerEngine, EngineError
from deploylab.platform.footprint import Footprint, images_footprint
from deploylab.platform.ports import require_free
from deploylab.platform.probe import wait_until_ready
from deploylab.platform.progress import progress

from .bundle import Bundle, make_bundle
from .deploy_vars import GATEWAY, deploy_vars
from .image import build_vm_image
from .vagrant import CommandFailed, Runner, recap

MACHINES = ("students", "grades", "web", GATEWAY)  # as in the Vagrantfile; the last one provisions all
AGENT_ACTIONS = {"kill": "kill", "stop": "stop", "start": "start"}
SAMPLE_TIMEOUT_S = 2.0


def with_hosts(inventory: str, addresses: dict[str, str]) -> str:
    """Vagrant's inventory with each machine's ansible_host replaced. The docker provider's machines get new
    bridge addresses, in start order, when they start again: the inventory written at `up` would then send
    Ansible (a redeploy) to another machine, which took that machine's place and its agent down."""
    lines = []
    for line in inventory.splitlines():
        name = line.split(" ", 1)[0]
        if addresses.get(name) and " ansible_host=" in line:
            head, rest = line.split(" ansible_host=", 1)
            line = f"{head} ansible_host={addresses[name]} {rest.split(' ', 1)[1] if ' ' in rest else ''}".rstrip()
        lines.append(line)
    return "\n".join(lines) + "\n"


class Driver(BaseDriver):
    name: ClassVar[str] = "c"
    title: ClassVar[str] = "one VM per service (Vagrant + Ansible; docker provider here), gateway in its own VM"
    has_machines: ClassVar[bool] = True
    has_network: ClassVar[bool] = True  # the machines' private network, and a namespace each

    # -- where things are ------------------------------------------------------------------

    @property
    def model_dir(self) -> Path:
        return self.ctx.model_dir(self.name)

    @property
    def cache_dir(self) -> Path:
        """Wheelhouses, bundles and debootstrap downloads; tests point it at the lab's own .lab/."""
        return Path(self.ctx.options.get("cache_dir") or self.ctx.state_dir)

    @property
    def provider(self) -> str:
        # Vagrant's own variable, honoured as Vagrant would; the lab's option wins.
        return str(self.ctx.options.get("provider") or os.environ.get("VAGRANT_DEFAULT_PROVIDER") or "docker")

    @property
    def prefix(self) -> str:
        return f"deploylab-c{self.ctx.port_offset or ''}"

    @property
    def network(self) -> str:
        """First three octets of this deployment's private /24; the port offset keeps test runs apart."""
        return str(self.ctx.options.get("network", f"10.213.{self.ctx.port_offset // 100 % 256}"))

    @property
    def data_dir(self) -> Path:
        """Each machine's service data (its SQLite database) on the host, <data_dir>/<machine>, mounted into the
        machine at the service's data folder (docker provider). It outlives the machines: `down` keeps it for
        the next `up`, as A, B and D keep theirs; `down --purge` removes it."""
        return self.model_dir / "data"

    @property
    def inventory(self) -> Path:
        return self.model_dir / "vagrant" / "provisioners" / "ansible" / "inventory" / "vagrant_ansible_inventory"

    def _runner(self, image: str = "") -> Runner:
        env = {
            "VAGRANT_DOTFILE_PATH": str(self.model_dir / "vagrant"),
            "VAGRANT_DEFAULT_PROVIDER": self.provider,
            "DEPLOYLAB_C_ENTRY_PORT": str(self.ctx.entry_port),
            "DEPLOYLAB_C_GUEST_PORT": str(self.ctx.manifest.entry_port),
            "DEPLOYLAB_C_NETWORK": self.network,
            "DEPLOYLAB_C_NAME": self.prefix,
            "DEPLOYLAB_C_SSH_KEY": str(self.model_dir / "ssh" / "id_ed25519"),
            "DEPLOYLAB_C_VARS": str(self.model_dir / "deploy-vars.json"),
            "DEPLOYLAB_C_DATA": str(self.data_dir),
        }
        if image:
            env["DEPLOYLAB_C_IMAGE"] = image
        if self.ctx.sut_cpus:
            env["DEPLOYLAB_C_CPUSET"] = self.ctx.sut_cpus
        if "box" in self.ctx.options:
            env["DEPLOYLAB_C_BOX"] = str(self.ctx.options["box"])
        return Runner(env, self.model_dir / "logs" / "vagrant.log", progress)

    # -- build -----------------------------------------------------------------------------

    def footprint(self) -> Footprint:
        return images_footprint(DockerEngine(), "org.deploylab.model=c")  # the machines' image

    def environments(self) -> int:
        return len(self.ctx.manifest.services) + 1  # one per service and the gateway, each in its own image

    def available(self) -> str | None:
        if shutil.which("vagrant") is None:
            return "vagrant is not installed (apt-get install vagrant)"
        if not (Path(sys.executable).parent / "ansible-playbook").exists() and shutil.which("ansible-playbook") is None:
            return "ansible-playbook is not installed (pip install -e '.[c]')"
        if self.provider == "docker" and not DockerEngine().ping():
            return "no Docker engine answers (bash scripts/ensure-docker.sh)"
        return None

    def _build(self) -> tuple[str, dict[str, Bundle]]:
        image = ""
        if self.provider == "docker":
            image = build_vm_image(DockerEngine(), self.cache_dir / "cache" / "debootstrap", progress)
        manifest = self.ctx.manifest
        parts = [(s.name, s.dir, s.requirements) for s in manifest.services.values()]
        parts += [(c.name, c.dir, c.requirements) for c in (manifest.gateway, manifest.agent)]
        bundles = {}
        for name, folder, requirements in parts:
            folders = [folder] if name == manifest.agent.name else [folder, manifest.common_dir]
            bundles[name] = make_bundle(self.ctx.root, name, folders, requirements, self.cache_dir)
        progress(f"c: bundles ready ({', '.join(f'{n} {b.release[:8]}' for n, b in bundles.items())})")
        return image, bundles

    def build(self) -> None:
        self._build()

    # -- up / down -------------------------------------------------------------------------

    def up(self) -> Deployment:
        started = time.monotonic()
        why = self.available()
        if why:
            raise LabError(f"model c cannot run here: {why}")
        if state.read_state(self.model_dir):
            raise LabError("model c is already up (deploylab down c)")
        require_free([self.ctx.entry_port])
        image, bundles = self._build()
        found = state.deployment_secrets(self.model_dir, fresh=True)
        agent_token = secrets.token_urlsafe(32)
        self._ssh_key()
        self._data_folders()
        self._write_vars(deploy_vars(self.ctx.manifest, bundles, found, agent_token))
        runner = self._runner(image)
        try:
            progress(f"c: starting {len(MACHINES)} machines ({self.provider} provider)")
            runner.vagrant("up", "--no-provision")
            progress("c: provisioning all machines with Ansible")
            runner.vagrant("provision", MACHINES[-1])
            machines = self._machines()
            state.write_state(self.model_dir, {  # base_url: what seed, fault and status reach, as in A, B and D
                "base_url": self.ctx.base_url,
                "agent_token": agent_token, "chaos_token": found["chaos_token"], "image": image,
                "machines": machines, "provider": self.provider, "versions": {},
                "bundles": {name: [str(b.path), b.release] for name, b in bundles.items()},
            })
            self._wait_ready(runner)
        except CommandFailed as exc:
            detail = self._journal(runner, exc.machine) if exc.machine else ""
            self.down()
            raise LabError(f"model c: {exc}\n{exc.tail}{detail}") from None
        except BaseException:
            self.down()  # a half-made deployment is never left running
            raise
        return Deployment(self.name, self.ctx.base_url, self.units(), found["chaos_token"],
                          time.monotonic() - started,
                          {"provider": self.provider, "machines": machines, "image": image})

    def warm_start(self) -> float:
        """Reboot every machine as it is (created and provisioned): systemd starts the services again."""
        recorded = self._state()
        started = time.monotonic()
        runner = self._runner(recorded["image"])
        if self.provider == "docker":
            engine = DockerEngine()
            for machine in MACHINES:  # stop all first: nothing answers until every machine has rebooted
                engine.request("POST", f"/containers/{self.prefix}-{machine}/stop", {"t": 30}, timeout=60)
            for machine in MACHINES:
                engine.request("POST", f"/containers/{self.prefix}-{machine}/start")
            self._readdress(engine)
        else:
            runner.vagrant("reload", "--no-provision")
        self._wait_ready(runner)
        return time.monotonic() - started

    def _readdress(self, engine: DockerEngine) -> None:
        """After machines started again: the inventory's ansible_host to each machine's new bridge address."""
        self.inventory.write_text(with_hosts(self.inventory.read_text(), {
            machine: (engine.container(f"{self.prefix}-{machine}") or {}).get("NetworkSettings", {}).get("IPAddress", "")
            for machine in MACHINES}))

    def _wait_ready(self, runner: Runner) -> None:
        base = self.ctx.base_url
        probes = entry_probes(self.ctx.manifest, base)
        failed = wait_until_ready(probes, self.ctx.up_timeout)
        if failed:
            raise LabError(f"model c: {failed} is not ready through {base} within {self.ctx.up_timeout:.0f} s"
                           + self._journal(runner, failed))

    def _journal(self, runner: Runner, machine: str) -> str:
        if machine not in MACHINES:
            return ""
        out = runner.vagrant("ssh", machine, "-c", f"sudo journalctl -u {machine} -n 30 --no-pager", check=False)
        return f"\n--- journal of {machine} on machine {machine} ---\n{out[-3000:]}"

    def down(self) -> None:
        runner = self._runner()
        if (self.model_dir / "vagrant").exists() and shutil.which("vagrant"):
            runner.vagrant("destroy", "-f", check=False)
        if self.provider == "docker":
            self._remove_containers_and_network()
        for leftover in ("vagrant", "ssh"):
            shutil.rmtree(self.model_dir / leftover, ignore_errors=True)
        for leftover in ("deploy-vars.json", "secrets.env"):
            (self.model_dir / leftover).unlink(missing_ok=True)
        state.clear_state(self.model_dir)
        if self.ctx.options.get("purge"):
            self._purge_data()

    def _data_folders(self) -> None:
        """One folder per machine, made here rather than by the engine; the machine's user takes it over."""
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        for machine in MACHINES:
            (self.data_dir / machine).mkdir(exist_ok=True)

    def _purge_data(self) -> None:
        try:
            shutil.rmtree(self.data_dir)
        except FileNotFoundError:
            pass
        except OSError as exc:  # the files belong to the machines' user (uid 10001): root removes them
            raise LabError(f"model c is down, but its data in {self.data_dir} was not removed: {exc}") from None

    def _remove_containers_and_network(self) -> None:
        engine = DockerEngine()
        if not engine.ping():
            return
        names = {f"/{self.prefix}-{machine}" for machine in MACHINES}
        for container in engine.containers({"org.deploylab.model": "c"}):
            if names & set(container.get("Names", [])):
                engine.request("DELETE", f"/containers/{container['Id']}", {"force": 1, "v": 1})
        subnet = f"{self.network}.0/24"
        for network in engine.request("GET", "/networks") or []:
            configs = (network.get("IPAM") or {}).get("Config") or []
            if network["Name"].startswith("vagrant_network") and any(c.get("Subnet") == subnet for c in configs):
                try:
                    engine.request("DELETE", f"/networks/{network['Id']}")
                except EngineError as exc:
                    progress(f"c: network {network['Name']} not removed: {exc}")

    # -- what runs -------------------------------------------------------------------------

    def _state(self) -> dict[str, Any]:
        found = state.read_state(self.model_dir)
        if not found:
            raise LabError("model c is not up (deploylab up c)")
        return found

    def _machines(self) -> dict[str, dict[str, Any]]:
        """{machine: {"ip": private address, "memory": configured bytes or None}} from Vagrant's inventory."""
        machines: dict[str, dict[str, Any]] = {}
        for line in self.inventory.read_text().splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            name, *pairs = line.split()
            fields = dict(pair.split("=", 1) for pair in pairs if "=" in pair)
            if name in MACHINES and "private_ip" in fields:
                machines[name] = {"ip": fields["private_ip"].strip("'\""), "memory": self._memory(name)}
        missing = set(MACHINES) - set(machines)
        if missing:
            raise LabError(f"model c: Vagrant's inventory has no private_ip for {', '.join(sorted(missing))}")
        return machines

    def memory_groups(self) -> dict[str, str]:
        """A machine of the docker provider is a container: its services' groups lie below the machine's."""
        if self.provider != "docker" or not state.read_state(self.model_dir):
            return {}
        engine = DockerEngine()
        found = {machine: (engine.container(f"{self.prefix}-{machine}") or {}).get("Id") for machine in MACHINES}
        return {machine: f"/docker/{cid}" for machine, cid in found.items() if cid}

    def _memory(self, machine: str) -> int | None:
        if self.provider != "docker":
            return None  # a real VM's size is in the Vagrantfile's table; not read back here
        info = DockerEngine().container(f"{self.prefix}-{machine}") or {}
        return (info.get("HostConfig") or {}).get("Memory") or None

    def units(self) -> list[Unit]:
        found = state.read_state(self.model_dir)
        if not found:
            return []
        manifest = self.ctx.manifest
        units = []
        for name, machine in found["machines"].items():
            address = (f"http://{machine['ip']}:{manifest.services[name].port}" if name in manifest.services
                       else self.ctx.base_url)
            units.append(Unit(name, "vm", (name,), address))
        return units

    # -- agent -----------------------------------------------------------------------------

    def _agent(self, machine: str, method: str, path: str, timeout: float = 30.0) -> dict[str, Any]:
        found = self._state()
        if machine not in found["machines"]:
            raise LabError(f"model c has no machine {machine!r}: {', '.join(found['machines'])}")
        url = f"http://{found['machines'][machine]['ip']}:{self.ctx.manifest.agent.port}{path}"
        request = urllib.request.Request(url, method=method, headers={"Authorization": f"Bearer {found['agent_token']}"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise LabError(f"agent on {machine}: {method} {path}: {exc.code} {exc.read()[:500]!r}") from None
        except OSError as exc:
            raise LabError(f"agent on {machine} does not answer: {exc}") from None

    def fault(self, unit: str, kind: str, **params: Any) -> None:
        if kind not in DRIVER_FAULTS:
            raise LabError(f"unknown fault {kind!r}: one of {', '.join(DRIVER_FAULTS)}")
        if kind in AGENT_ACTIONS:
            self._agent(unit, "POST", f"/units/{unit}/{AGENT_ACTIONS[kind]}")
        elif kind in MACHINE_FAULTS:
            self.power(unit, on=kind == "poweron")
        elif kind in NETWORK_FAULTS:
            self.cut(unit, kind)
        else:
            self.redeploy(unit, str(params.get("version", "")))

    def cut(self, machine: str, kind: str) -> None:
        """Drop the packets that reach a machine's service over the machines' network (its agent keeps answering),
        or stop dropping them: in the machine's own network namespace, which the docker provider's machine has."""
        if self.provider != "docker":
            raise LabError(f"model c: a partition needs the docker provider here, not {self.provider}")
        pid = ((DockerEngine().container(f"{self.prefix}-{machine}") or {}).get("State") or {}).get("Pid") or 0
        partition.apply(kind, int(pid), self.ctx.manifest.listen_port(machine),
                        f"model c: machine {machine}")

    def power(self, machine: str, on: bool) -> None:
        """Pull a machine's power, or switch it on again: the machine, not its service, and nothing shuts down
        cleanly. Switched on, it boots and systemd starts its units; nothing here waits for them."""
        found = self._state()
        if machine not in found["machines"]:
            raise LabError(f"model c has no machine {machine!r}: {', '.join(found['machines'])}")
        if self.provider != "docker":
            runner = self._runner(str(found.get("image") or ""))
            runner.vagrant(*(("up", "--no-provision") if on else ("halt", "--force")), machine)
            return
        engine, name = DockerEngine(), f"{self.prefix}-{machine}"
        if not on:  # SIGKILL to the machine's init: every process in it dies at once, as at a power cut
            engine.request("POST", f"/containers/{name}/kill", {"signal": "SIGKILL"})
            return
        engine.request("POST", f"/containers/{name}/start")
        self._readdress(engine)  # a machine started again may get another bridge address: Ansible must find it

    def redeploy(self, machine: str, version: str = "") -> dict[str, dict[str, int]]:
        """Provision one machine again with a new version label while the others keep serving."""
        found = self._state()
        if machine not in found["machines"]:
            raise LabError(f"model c has no machine {machine!r}")
        versions = found.get("versions", {})
        versions[machine] = version or str(int(versions.get(machine, "1")) + 1)
        bundles = {name: Bundle(Path(path), release) for name, (path, release) in found["bundles"].items()}
        secret_values = state.deployment_secrets(self.model_dir)
        self._write_vars(deploy_vars(self.ctx.manifest, bundles, secret_values, found["agent_token"], versions))
        output = self._runner(found["image"]).playbook(self.inventory, self.model_dir / "deploy-vars.json", machine)
        state.write_state(self.model_dir, {**found, "versions": versions})
        return recap(output)

    def provision(self) -> dict[str, dict[str, int]]:
        """Run the one Ansible provisioner again on every machine; the recap per host (a no-op: changed=0)."""
        return recap(self._runner(self._state()["image"]).vagrant("provision", MACHINES[-1]))

    def sample(self) -> dict[str, Sample]:
        found = self._state()
        samples = {}
        for name, machine in found["machines"].items():
            now = time.time()
            try:  # a machine without power does not answer at all: a short wait, or one reading would take 30 s
                metrics = self._agent(name, "GET", "/metrics", timeout=SAMPLE_TIMEOUT_S)
            except LabError:
                samples[name] = Sample(name, now, up=False, reserved=machine.get("memory"))
                continue
            app, other = metrics["units"][name], metrics["other"]
            samples[name] = Sample(
                unit=name, t=now, up=app["state"] == "active" and app["pids"] > 0,
                cpu_seconds=app["cpu_seconds"], rss=app["rss"], uss=app["uss"], pss=app["pss"],
                memory_source="uss", overhead_rss=other["rss"], reserved=machine.get("memory"), pids=app["pids"],
            )
        return samples

    # -- files of this deployment ----------------------------------------------------------

    def _ssh_key(self) -> Path:
        key = self.model_dir / "ssh" / "id_ed25519"
        if not key.exists():
            key.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "deploylab-c", "-f", str(key)],
                           check=True, capture_output=True)
        key.with_suffix(".pub").chmod(0o644)  # sshd reads it through a bind mount, as root
        return key

    def _write_vars(self, values: dict[str, Any]) -> None:
        state.write_private(self.model_dir / "deploy-vars.json", json.dumps(values, indent=2))  # holds secrets

    # -- by hand: the usual commands, and each machine's journal -----------------------------

    def shell_env(self) -> dict[str, str]:
        """The variables Vagrant reads for this deployment (the driver's own), for `eval "$(deploylab shell c)"`:
        then `vagrant status`, `vagrant ssh grades` in models/c_vm_vagrant see the lab's machines. `up` writes
        the same lines to .lab/c/vagrant.env."""
        return self._runner(str(self._state().get("image") or "")).exports

    def logs(self, unit: str | None, lines: int) -> str:
        """The last lines of each machine's service unit, from journald inside the machine (vagrant ssh)."""
        found = self._state()
        machines = [unit] if unit else [m for m in MACHINES if m in found["machines"]]
        unknown = [m for m in machines if m not in found["machines"]]
        if unknown:
            raise LabError(f"model c has no machine {unknown[0]!r}: {', '.join(found['machines'])}")
        runner = self._runner(str(found.get("image") or ""))
        parts = []
        for machine in machines:
            command = f"sudo journalctl -u {machine} -n {int(lines)} --no-pager"
            out = runner.vagrant("ssh", machine, "-c", command, check=False)
            parts.append(f"--- machine {machine}: {command} ---\n{out.rstrip()}\n")
        return "".join(parts)


