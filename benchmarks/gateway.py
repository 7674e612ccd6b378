"""What the Tornado gateway costs: GET /students?limit=50 direct vs. through the gateway, as ratios.

    .venv/bin/python benchmarks/gateway.py          (make bench-gateway)

The upstream is the real Students service under waitress (or, when it cannot be imported, a minimal
WSGI app answering a 50-item JSON array, and the output says so); the gateway (`python -m gateway`)
runs in front of it. All are real subprocesses on ephemeral loopback ports. Two gateways are measured:
- "gateway": pinned to one core together with the upstream, as a model pins its system under test,
  the load generator on the other core. This is the figure the targets apply to.
- "gateway, own core": pinned to the load generator's core, so it does not take the upstream's CPU:
  what the gateway costs when it has a machine (VM, container host) of its own.

- saturation: wrk, 16 connections; requests/s and p50/p99, direct and through the gateway.
- light load: one keep-alive connection, paced at 50 requests/s; p50/p99 and what the gateway adds.

Direct and gateway runs alternate in the same run, so the ratios hold even when the machine's absolute
speed does not. A measurement, not a test: it prints PASS or BELOW next to each target and exits 0.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests
from harness import LOAD_CPU, PINNING, SUT_CPU, pinned, running, wrk

from deploylab.core import manifest as lab_manifest
from deploylab.measure import seed
from deploylab.platform.ports import free_port

PATH = "/students?limit=50"
WAITRESS_THREADS = 4
CONNECTIONS, SECONDS, ROUNDS = 16, 5, 2
LIGHT_RATE, LIGHT_REQUESTS = 50, 300  # paced: 6 s of one request every 20 ms
TARGET_THROUGHPUT, TARGET_ADDED_P50_MS = 0.80, 1.0


@dataclass(frozen=True)
class Load:
    rate: float  # requests/s
    p50_ms: float
    p99_ms: float
    errors: int = 0
    cpu_us: dict[str, float] = field(default_factory=dict)  # CPU per request of each process under test


@contextmanager
def process(label: str, command: list[str], env: dict[str, str], ready_url: str, log: Path, cpu: str = SUT_CPU) -> Iterator[psutil.Process]:
    """The harness's pinned server, as a psutil handle to read its CPU per request."""
    with running(label, command, env, ready_url, log, cpu) as pid:
        yield psutil.Process(pid)


def students_available() -> bool:
    manifest = lab_manifest.load()
    paths = [str(manifest.services["students"].dir), str(manifest.common_dir)]
    check = "import students; students.create_app"
    return (
        subprocess.run(
            [sys.executable, "-c", check], env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)}, capture_output=True
        ).returncode
        == 0
    )


@contextmanager
def upstream(tmp: Path) -> Iterator[tuple[str, str, psutil.Process]]:
    """(base URL, what it is, its process): Students seeded with 60 students, or the fallback app."""
    manifest = lab_manifest.load()
    port = free_port()
    command = [sys.executable, "-m", "waitress", "--host=127.0.0.1", f"--port={port}", f"--threads={WAITRESS_THREADS}"]
    base_url = f"http://127.0.0.1:{port}"
    if students_available():
        students = manifest.services["students"]
        env = students.render_env({"data_dir": str(tmp), "chaos_token": ""})
        env["PYTHONPATH"] = os.pathsep.join([str(students.dir), str(manifest.common_dir)])
        with process(
            "students", [*command, "--call", students.wsgi], env, base_url + "/readyz", tmp / "students.log"
        ) as proc:
            with requests.Session() as session:
                for student in seed.students()[:60]:
                    session.post(base_url + "/students", json=student, timeout=10).raise_for_status()
            yield base_url, "Students (Flask + SQLite) under waitress", proc
    else:
        fallback = [sys.executable, __file__, "--fallback", str(port)]
        with process("fallback", fallback, {}, base_url + PATH, tmp / "fallback.log") as proc:
            yield (
                base_url,
                "FALLBACK: minimal WSGI app answering 50 students under waitress (Students not importable)",
                proc,
            )


@contextmanager
def gateway(upstream_url: str, tmp: Path, cpu: str) -> Iterator[tuple[str, psutil.Process]]:
    manifest = lab_manifest.load()
    port = free_port()
    env = {
        "PYTHONPATH": os.pathsep.join([str(manifest.gateway.dir), str(manifest.common_dir)]),
        "GATEWAY_PORT": str(port),
        "GATEWAY_UPSTREAMS": f"students={upstream_url}",
        "GATEWAY_ROUTES": "/students=students",
    }
    base_url = f"http://127.0.0.1:{port}"
    # Its access log goes to a file, as in the models: the cost of writing it is part of the figure.
    log = tmp / f"gateway-{port}.log"
    with process("gateway", [sys.executable, "-m", "gateway"], env, base_url + PATH, log, cpu) as proc:
        yield base_url, proc


def saturate(url: str, watched: dict[str, psutil.Process]) -> Load:
    wrk(["-t1", f"-c{CONNECTIONS}", "-d1s"], url)  # warm-up
    before = {name: _cpu(proc) for name, proc in watched.items()}
    result = wrk(["-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency"], url)
    count = int(re.search(r"(\d+) requests in", result.output).group(1))  # type: ignore[union-attr]
    cpu_us = {name: (_cpu(proc) - before[name]) / count * 1e6 for name, proc in watched.items()}
    return Load(result.rate, _wrk_ms(result.output, "50"), _wrk_ms(result.output, "99"), result.bad, cpu_us)


def _cpu(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return times.user + times.system


def _wrk_ms(out: str, percent: str) -> float:
    value, unit = re.search(rf"^\s+{percent}(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def light(base_url: str) -> Load:
    """One keep-alive connection, one request every 1/LIGHT_RATE s; runs on the load core."""
    command = [sys.executable, __file__, "--paced", base_url]
    out = subprocess.run(pinned(LOAD_CPU, command), capture_output=True, text=True, check=True).stdout
    p50, p99, errors = out.split()
    return Load(LIGHT_RATE, float(p50), float(p99), int(errors))


def paced(base_url: str) -> None:
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    latencies, errors = [], 0
    start = time.perf_counter()
    for i in range(LIGHT_REQUESTS + 20):  # the first 20 warm up
        time.sleep(max(0.0, start + i / LIGHT_RATE - time.perf_counter()))
        sent = time.perf_counter()
        connection.request("GET", PATH)
        response = connection.getresponse()
        response.read()
        if i >= 20:
            latencies.append((time.perf_counter() - sent) * 1000)
            errors += response.status != 200
    cuts = statistics.quantiles(latencies, n=100)
    print(f"{cuts[49]:.3f} {cuts[98]:.3f} {errors}")


def serve_fallback(port: int) -> None:
    import json

    import waitress

    body = json.dumps([{"id": i, "name": f"Student {i}", "grade": "G1"} for i in range(1, 51)]).encode()

    def app(environ: dict, start_response: Callable) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    waitress.serve(app, host="127.0.0.1", port=port, threads=WAITRESS_THREADS)


def best(loads: list[Load]) -> Load:
    return max(loads, key=lambda load: load.rate)


def median_p50(loads: list[Load]) -> Load:
    return sorted(loads, key=lambda load: load.p50_ms)[len(loads) // 2]


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk); nothing measured")
        return 0
    with tempfile.TemporaryDirectory(prefix="deploylab-bench-gw-") as tmp, ExitStack() as stack:
        upstream_url, what, upstream_proc = stack.enter_context(upstream(Path(tmp)))
        shared_url, shared_proc = stack.enter_context(gateway(upstream_url, Path(tmp), SUT_CPU))
        own_url, own_proc = stack.enter_context(gateway(upstream_url, Path(tmp), LOAD_CPU))
        targets = {
            "direct": (upstream_url, {"upstream": upstream_proc}),
            "gateway": (shared_url, {"upstream": upstream_proc, "gateway": shared_proc}),
            "gateway, own core": (own_url, {"upstream": upstream_proc, "gateway": own_proc}),
        }
        print(f"upstream: {what}; waitress --threads={WAITRESS_THREADS}; gateway: python -m gateway, one process")
        if PINNING:
            print(
                f"pinning: upstream on core {SUT_CPU}; load generators on core {LOAD_CPU}; "
                f'"gateway" on core {SUT_CPU}, "gateway, own core" on core {LOAD_CPU}'
            )
        else:
            print("pinning: none (taskset missing or fewer than 2 cores)")
        print(
            f"saturation: wrk -t1 -c{CONNECTIONS} -d{SECONDS}s after a 1 s warm-up; {ROUNDS} rounds alternating, best of each"
        )
        print(
            f"light load: 1 keep-alive connection paced at {LIGHT_RATE} req/s, {LIGHT_REQUESTS} requests; median of rounds"
        )
        sat: dict[str, list[Load]] = {label: [] for label in targets}
        calm: dict[str, list[Load]] = {label: [] for label in targets}
        for _ in range(ROUNDS):
            for label, (base_url, watched) in targets.items():
                sat[label].append(saturate(base_url + PATH, watched))
                calm[label].append(light(base_url))
    print()
    for label in targets:
        s, c = best(sat[label]), median_p50(calm[label])
        cpu = " + ".join(f"{name} {us:.0f}" for name, us in s.cpu_us.items())
        print(
            f"  {label:<17} saturated {s.rate:6.0f} req/s  p50 {s.p50_ms:6.2f} ms  p99 {s.p99_ms:6.2f} ms"
            f"  | light p50 {c.p50_ms:5.2f} ms  p99 {c.p99_ms:5.2f} ms  | CPU/request {cpu} us"
            f"  | errors {s.errors + c.errors}"
        )
    print()
    direct = best(sat["direct"]).rate, median_p50(calm["direct"]).p50_ms
    for label in ("gateway", "gateway, own core"):
        ratio = best(sat[label]).rate / direct[0]
        added = median_p50(calm[label]).p50_ms - direct[1]
        print(
            f"  {label:<17} throughput / direct {ratio:4.2f} (target >= {TARGET_THROUGHPUT:.2f}) "
            f"{'PASS' if ratio >= TARGET_THROUGHPUT else 'BELOW'};  added p50 at light load {added:+.2f} ms "
            f"(target <= {TARGET_ADDED_P50_MS:.2f}) {'PASS' if added <= TARGET_ADDED_P50_MS else 'BELOW'}"
        )
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--paced"]:  # the light-load client, started pinned on the load core
        sys.exit(paced(sys.argv[2]))
    if sys.argv[1:2] == ["--fallback"]:  # the upstream when Students cannot be imported
        sys.exit(serve_fallback(int(sys.argv[2])))
    sys.exit(main())
