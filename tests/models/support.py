"""Helpers of the model tests: bring a model up and down, run the contract suite through it, poll."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import requests

from deploylab.core.driver import Deployment, Driver, LabContext
from deploylab.core.registry import make_driver
from deploylab.platform import partition, ports
from deploylab.platform.probe import http_status

ROOT = Path(__file__).resolve().parents[2]
PORT_OFFSET = int(os.environ.get("DEPLOYLAB_TEST_PORT_OFFSET", "0"))


def bring_up(model: str, ctx: LabContext) -> Iterator[tuple[Driver, Deployment]]:
    driver = make_driver(model, ctx)
    driver.down()  # whatever an earlier run left
    deployment = driver.up()
    try:
        yield driver, deployment
    finally:
        driver.down()


def lab_cli(ctx: LabContext, *argv: str) -> subprocess.CompletedProcess[str]:
    """The real `deploylab` command, pointed at the test's state and ports."""
    env = {
        **os.environ,
        "DEPLOYLAB_STATE_DIR": str(ctx.state_dir),
        "DEPLOYLAB_PORT_OFFSET": str(ctx.port_offset),
        "DEPLOYLAB_VENV_DIR": str(ctx.options["venv_dir"]),
    }
    return subprocess.run([sys.executable, "-m", "deploylab", *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def run_contract_suite(deployment: Deployment) -> subprocess.CompletedProcess[str]:
    """The contract suite through the deployment's entry; its chaos token in a private file, not on the command line."""
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/contract", f"--base-url={deployment.base_url}"]
    with tempfile.TemporaryDirectory(prefix="deploylab-contract-") as folder:  # mkdtemp: 0700
        if deployment.chaos_token:
            token_file = Path(folder) / "secrets.env"
            token_file.write_text(f"chaos_token={deployment.chaos_token}\n")
            argv.append(f"--chaos-token-file={token_file}")
        return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)


def poll(seconds: float, probe: Callable[[], None], interval: float = 0.1) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        probe()
        time.sleep(interval)


def wait_for(condition: Callable[[], bool], seconds: float) -> float | None:
    """Seconds until condition() held, or None."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        time.sleep(0.1)
    return None


def gateway_back_after_kill(driver: Driver, deployment: Deployment, restarted: Callable[[], bool],
                            seconds: float = 20.0) -> float | None:
    """kill -9 the gateway, the one entry: seconds until the model restarted it (restarted()) and the entry
    answers again, or None."""
    driver.fault("gateway", "kill")
    return wait_for(lambda: restarted() and http_status(deployment.base_url + "/healthz") == 200, seconds)


def cgroup_limits(pid: int) -> tuple[int, int, int, str]:
    """(memory.limit_in_bytes, cpu.cfs_quota_us, cpu.cfs_period_us, memory group) of the process's cgroup v1 groups,
    found through /proc/<pid>/cgroup as any tool would."""
    groups = {}
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(","):
            groups[controller] = path
    memory = Path("/sys/fs/cgroup/memory") / groups["memory"].lstrip("/")
    cpu = Path("/sys/fs/cgroup/cpu") / groups["cpu"].lstrip("/")
    return (int((memory / "memory.limit_in_bytes").read_text()), int((cpu / "cpu.cfs_quota_us").read_text()),
            int((cpu / "cpu.cfs_period_us").read_text()), groups["memory"])


def assert_cycles_leave_nothing(model: str, ctx: LabContext, cycles: int = 20) -> list[float]:
    """Up and down `cycles` times; after each down: no unit process, no port, no state. Returns cycle times."""
    import psutil

    driver = make_driver(model, ctx)
    driver.down()
    times = []
    for _ in range(cycles):
        started = time.monotonic()
        deployment = driver.up()
        assert http_status(deployment.base_url + "/healthz") == 200
        pids = [p for u in driver.units() if (p := driver.unit_pid(u.name))]  # A and B: process drivers
        driver.down()
        times.append(time.monotonic() - started)
        assert not [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        assert not [p for p in driver.ports() if ports.port_in_use(p)]
        assert driver.state() is None
    return times


def assert_partition_makes_callers_wait(driver: Driver, deployment: Deployment, pid: int) -> None:
    """Cut Grades off (pid: a process in its unit's network namespace): its routes wait and fail, not refuse at
    once; Students answers; the page renders degraded; healed, nothing is left in that namespace or the host's."""
    base = deployment.base_url
    driver.fault("grades", "partition")
    try:
        assert partition.rules(pid), "the rule is in Grades' own namespace"
        started = time.monotonic()
        assert http_status(base + "/grades") != 200
        assert time.monotonic() - started > 0.5, "dropped, not refused: the caller waits for its timeout"
        assert http_status(base + "/students") == 200, "Students must keep answering"
        page = requests.get(base + "/", timeout=10)
        assert (page.status_code, page.headers.get("X-Degraded")) == (200, "grades")
    finally:
        driver.fault("grades", "heal")
    assert partition.rules(pid) == [] and partition.rules(os.getpid()) == []
    assert wait_for(lambda: http_status(base + "/grades") == 200, 15) is not None, "healed, Grades answers again"
