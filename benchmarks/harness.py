"""What the benchmark scripts share: pinning to a core, a server subprocess's life, and reading wrk.

Only loopback addresses are ever loaded. With two or more cores the system under test and the load
generator get different ones (taskset), so they do not compete for the same core.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from deploylab.platform.probe import wait_until_ready  # the lab, installed in its venv (make setup)

ROOT = Path(__file__).resolve().parent.parent

SUT_CPU, LOAD_CPU = "0", "1"
PINNING = shutil.which("taskset") is not None and {0, 1} <= os.sched_getaffinity(0)


def pinned(cpu: str, command: list[str]) -> list[str]:
    return ["taskset", "-c", cpu, *command] if PINNING else command


def where() -> str:
    return f"server on core {SUT_CPU}, wrk on core {LOAD_CPU}" if PINNING else "not pinned (fewer than 2 cores)"


@contextmanager
def running(
    label: str, command: list[str], env: dict[str, str], ready_url: str, log: Path, cpu: str = SUT_CPU
) -> Iterator[int]:
    """A server subprocess pinned to `cpu`, from ready until the block ends; yields its pid (taskset execs the
    command: same pid); its output goes to `log`."""
    with log.open("wb") as out:
        proc = subprocess.Popen(pinned(cpu, command), env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    try:
        if wait_until_ready({label: ready_url}, 30, still_running=lambda _: proc.poll() is None) is not None:
            raise SystemExit(f"{label} did not start; its log:\n{log.read_text()[-2000:]}")
        yield proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass(frozen=True)
class WrkResult:
    rate: float  # requests/s
    bad: int  # non-2xx/3xx answers: with any, the rate measures errors, not the app
    output: str


def wrk(args: list[str], url: str) -> WrkResult:
    """Runs wrk on the load core: `args` are wrk's options (-t -c -d --latency …)."""
    out = subprocess.run(pinned(LOAD_CPU, ["wrk", *args, url]), capture_output=True, text=True, check=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if rate is None:
        raise SystemExit(f"cannot read wrk's output:\n{out}")
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return WrkResult(float(rate.group(1)), int(bad.group(1)) if bad else 0, out)
