"""Model C for real: four machines from Vagrant's docker provider, provisioned by Ansible; Grades is killed
in its machine through the agent and systemd brings it back while Students keeps answering."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from deploylab_models.c_vm_vagrant.driver import MACHINES, Driver

from deploylab.core.driver import Deployment, LabContext
from deploylab.platform.docker_engine import DockerEngine
from deploylab.platform.probe import http_status

from .support import (
    ROOT,
    assert_partition_makes_callers_wait,
    bring_up,
    gateway_back_after_kill,
    lab_cli,
    run_contract_suite,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.docker]
ANSIBLE_DIR = ROOT / "models" / "c_vm_vagrant" / "ansible"


@pytest.fixture(scope="module")
def c_ctx(lab_ctx: LabContext) -> LabContext:
    # Wheelhouses, bundles and the VM image's debootstrap cache are shared with the lab's own .lab/.
    return dataclasses.replace(lab_ctx, up_timeout=180.0, options={**lab_ctx.options, "cache_dir": str(ROOT / ".lab")})


@pytest.fixture(scope="module")
def model_c(c_ctx: LabContext) -> Iterator[tuple[Driver, Deployment]]:
    why = Driver(c_ctx).available()
    assert why is None, f"model c needs: {why}"  # not a skip: CI installs docker.io and vagrant
    yield from bring_up("c", c_ctx)  # type: ignore[misc]


def test_contract_suite_passes(model_c: tuple[Driver, Deployment]) -> None:
    _, deployment = model_c
    assert deployment.details["provider"] == "docker"
    result = run_contract_suite(deployment)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def test_vagrant_by_hand_sees_the_lab_machines(model_c: tuple[Driver, Deployment], c_ctx: LabContext) -> None:
    """`eval "$(deploylab shell c)"; cd models/c_vm_vagrant; vagrant status` as an engineer types it (docs/models.md)."""
    driver, _ = model_c
    exports = lab_cli(c_ctx, "shell", "c")
    assert exports.returncode == 0, exports.stderr
    assert (driver.model_dir / "vagrant.env").read_text() == exports.stdout, "up wrote what `shell c` prints"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAGRANT_", "DEPLOYLAB_C_"))}
    by_hand = subprocess.run(
        ["bash", "-c", 'eval "$1"; cd models/c_vm_vagrant && vagrant status && '
                       "vagrant ssh grades -c 'sudo systemctl is-active grades'", "sh", exports.stdout],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert by_hand.returncode == 0, by_hand.stdout[-2000:] + by_hand.stderr[-2000:]
    lines = by_hand.stdout.splitlines()
    assert {m: any(line.split()[:2] == [m, "running"] for line in lines) for m in MACHINES} == dict.fromkeys(MACHINES, True)
    assert lines[-1].strip() == "active"


def test_a_second_provisioning_changes_nothing(model_c: tuple[Driver, Deployment]) -> None:
    driver, _ = model_c
    recap = driver.provision()
    assert set(recap) == set(MACHINES)
    assert {host: r["changed"] for host, r in recap.items()} == dict.fromkeys(MACHINES, 0)
    assert not any(r["failed"] or r["unreachable"] for r in recap.values())


def test_playbook_passes_ansible_lint() -> None:
    lint = Path(sys.executable).parent / "ansible-lint"
    result = subprocess.run([str(lint), "--profile", "production"], cwd=ANSIBLE_DIR, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def test_samples_split_each_service_from_its_machine(model_c: tuple[Driver, Deployment]) -> None:
    driver, _ = model_c
    assert [u.kind for u in driver.units()] == ["vm"] * len(MACHINES)
    samples = driver.sample()
    for name in MACHINES:
        s = samples[name]
        assert s.up and s.uss and s.rss >= s.uss, name
        assert s.overhead_rss and s.overhead_rss > 0, f"{name}: systemd, sshd and the agent are measured apart"
        assert s.reserved and s.reserved >= 256 * 2**20, f"{name}: the machine's configured memory"


READ_LIMITS = (
    "sudo systemctl show grades -p MemoryMax -p MemoryLimit -p CPUQuotaPerSecUSec; "
    "pid=$(sudo systemctl show -p MainPID --value grades); "
    "mem=$(grep -E '^[0-9]+:memory:' /proc/$pid/cgroup | cut -d: -f3); "
    "cpu=$(grep -E '^[0-9]+:([^:]*,)?cpu(,[^:]*)?:' /proc/$pid/cgroup | cut -d: -f3); "
    "echo limit_in_bytes=$(cat /sys/fs/cgroup/memory$mem/memory.limit_in_bytes); "
    "echo cfs_quota_us=$(cat /sys/fs/cgroup/cpu$cpu/cpu.cfs_quota_us); "
    "echo cfs_period_us=$(cat /sys/fs/cgroup/cpu$cpu/cpu.cfs_period_us)"
)


def test_grades_unit_has_the_manifests_limits_and_its_machine_room_above_them(model_c: tuple[Driver, Deployment]) -> None:
    driver, _ = model_c
    out = driver._runner().vagrant("ssh", "grades", "-c", READ_LIMITS, check=False)
    values = dict(line.strip().split("=", 1) for line in out.splitlines() if "=" in line)
    limit = driver.ctx.manifest.services["grades"].limits
    print(f"model c: grades {values}")
    assert int(values["limit_in_bytes"]) == limit.memory_bytes, out
    assert int(values["cfs_quota_us"]) == round(limit.cpus * int(values["cfs_period_us"])), out
    assert values["CPUQuotaPerSecUSec"] == f"{round(limit.cpus * 1000)}ms", out
    assert values["MemoryMax"] == str(limit.memory_bytes), out  # on cgroup v1 systemd applies it as MemoryLimit would
    for name, unit_limit in driver.ctx.manifest.unit_limits().items():
        assert driver.sample()[name].reserved > unit_limit.memory_bytes, f"{name}: the machine is larger than its service's limit"


def test_killed_grades_is_restarted_by_systemd_while_students_answers(model_c: tuple[Driver, Deployment]) -> None:
    driver, deployment = model_c
    base = deployment.base_url
    before = driver.sample()["grades"].cpu_seconds
    driver.fault("grades", "kill")
    started = time.monotonic()
    students, back = [], None
    while time.monotonic() - started < 30 and back is None:
        students.append(http_status(base + "/students"))
        grades = driver.sample()["grades"]
        if grades.up and grades.cpu_seconds < before and http_status(base + "/grades") == 200:
            back = time.monotonic() - started  # a new process: its CPU seconds started again from zero
        time.sleep(0.2)
    assert set(students) == {200}, "Students must keep answering while Grades is down"
    assert back is not None, "systemd must restart Grades within 30 s"


def _restarts(driver: Driver, machine: str) -> int:
    """How often systemd in the machine restarted its service (a docker-provider machine is a container)."""
    code, out = DockerEngine().exec(f"{driver.prefix}-{machine}", ["systemctl", "show", machine, "-p", "NRestarts", "--value"])
    assert code == 0, out
    return int(out.strip())


def test_the_killed_gateway_is_restarted_by_systemd_in_its_machine(model_c: tuple[Driver, Deployment]) -> None:
    driver, deployment = model_c
    before = _restarts(driver, "gateway")
    back = gateway_back_after_kill(driver, deployment, lambda: _restarts(driver, "gateway") > before)
    assert back is not None, "systemd must restart the gateway and the entry answer again within 20 s"


def test_a_partition_of_grades_machine_makes_its_callers_wait(model_c: tuple[Driver, Deployment]) -> None:
    driver, deployment = model_c
    pid = (DockerEngine().container(f"{driver.prefix}-grades") or {})["State"]["Pid"]
    assert_partition_makes_callers_wait(driver, deployment, pid)
    assert driver.sample()["grades"].up, "the agent answered throughout: only Grades' port was cut"


def test_a_power_cut_takes_grades_machine_alone_and_it_boots_back(model_c: tuple[Driver, Deployment]) -> None:
    """The whole machine, not the service: its agent goes too, Students and the page keep answering, and once
    switched on the machine boots, systemd starts Grades and Ansible can still find it."""
    driver, deployment = model_c
    base = deployment.base_url
    driver.fault("grades", "poweroff")
    try:
        assert wait_for(lambda: not driver.sample()["grades"].up, 10) is not None, "the machine must be off"
        assert http_status(base + "/grades") != 200
        pages = [requests.get(base + "/", timeout=5) for _ in range(3)]
        assert {page.status_code for page in pages} == {200}, "the page must render without Grades"
        assert {page.headers.get("X-Degraded") for page in pages} == {"grades"}
        assert http_status(base + "/students") == 200, "Students must keep answering"
    finally:
        driver.fault("grades", "poweron")
    assert wait_for(lambda: http_status(base + "/grades") == 200, 60) is not None, "Grades must be back after boot"
    assert all(sample.up for sample in driver.sample().values())
    address = (DockerEngine().container(f"{driver.prefix}-grades") or {})["NetworkSettings"]["IPAddress"]
    line = next(line for line in driver.inventory.read_text().splitlines() if line.startswith("grades "))
    assert f"ansible_host={address}" in line.split(), "Ansible must reach grades where it now is"


def test_a_redeploy_after_a_reboot_provisions_its_own_machine(model_c: tuple[Driver, Deployment]) -> None:
    """The reboot gives the docker provider's machines new bridge addresses in start order; Ansible must still
    reach grades as grades (it once reached another machine, wrote grades' agent address there and took that
    machine's agent down)."""
    driver, deployment = model_c
    driver.warm_start()
    assert driver.redeploy("grades", "7")["grades"]["failed"] == 0
    samples = driver.sample()
    assert all(samples[name].up for name in MACHINES), {name: samples[name].up for name in MACHINES}
    assert http_status(deployment.base_url + "/grades") == 200


def call(method: str, url: str, body: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data, {"Content-Type": "application/json"}, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


def test_data_outlives_the_machines(model_c: tuple[Driver, Deployment]) -> None:
    """down destroys the machines; their services' databases are host folders mounted into them, so the next
    up's new machines serve what the last ones stored."""
    driver, deployment = model_c
    base = deployment.base_url
    grade_id = f"KEEP{time.time_ns() % 10**9}"
    assert call("POST", base + "/grades", {"grade_id": grade_id, "building": "North", "teacher": "Ms. Keep"})[0] == 201
    status, student = call("POST", base + "/students", {"name": f"Kept {grade_id}", "grade": grade_id})
    assert status == 201
    driver.down()
    for service in ("students", "grades"):
        database = driver.data_dir / service / f"{service}.sqlite3"
        assert database.exists(), f"{database}: the machine's data folder is the host's"
        assert database.stat().st_uid == 10001, "written by the machine's service user, whose uid is fixed"
    driver.up()
    assert call("GET", f"{base}/students/{student['id']}") == (200, student)
    assert call("GET", f"{base}/grades/{grade_id}")[1]["teacher"] == "Ms. Keep"


def test_down_leaves_nothing(model_c: tuple[Driver, Deployment], c_ctx: LabContext) -> None:
    driver, deployment = model_c
    driver.down()
    engine = DockerEngine()
    names = {f"/{driver.prefix}-{m}" for m in MACHINES}
    assert not [c for c in engine.containers({"org.deploylab.model": "c"}) if names & set(c["Names"])]
    assert not [n for n in engine.request("GET", "/networks") if driver.network + ".0/24" in str(n.get("IPAM"))]
    assert http_status(deployment.base_url + "/healthz") is None
    assert driver.units() == [] and not (driver.model_dir / "vagrant").exists()
    assert (driver.data_dir / "grades" / "grades.sqlite3").exists(), "plain down keeps the data"
    Driver(dataclasses.replace(c_ctx, options={**c_ctx.options, "purge": True})).down()
    assert not driver.data_dir.exists(), "down --purge removes it"
