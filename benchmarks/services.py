"""Requests/s of Students and Grades next to a hello-world app of the same framework, as ratios.

    .venv/bin/python benchmarks/services.py          (make bench-services)

Each app runs alone as a real `waitress-serve` subprocess (same settings for all) on an ephemeral
loopback port, pinned to one core; wrk loads it from another core. The pairs are measured in the
same run, one server at a time, so the ratios hold even when the machine's absolute speed does not.
A measurement, not a test: it prints PASS or BELOW next to each target and exits 0 either way.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests
from harness import running, where, wrk

from deploylab.core import manifest as lab_manifest
from deploylab.measure import seed  # the lab's sample data, posted straight to each service
from deploylab.platform.ports import free_port

WAITRESS_THREADS = 4
WRK = ["-t1", "-c8", "-d3s"]
WARMUP = ["-t1", "-c8", "-d1s"]
RUNS = 3  # the best of three: other work on a shared machine only ever slows a run down
HELLO_DIR = Path(__file__).resolve().parent / "hello"
STUDENTS_SEEDED = 60  # more than the page of 50 that is measured


@dataclass(frozen=True)
class App:
    label: str
    target: str  # waitress-serve's module:attribute
    pythonpath: tuple[Path, ...]
    path: str  # what wrk requests
    factory: bool = False
    env: dict[str, str] = field(default_factory=dict)
    load: Callable[[str], None] = lambda base_url: None  # puts the data in before measuring


@dataclass(frozen=True)
class Pair:
    service: App
    baseline: App
    target_ratio: float


def _post_all(path: str, items: list[dict]) -> Callable[[str], None]:
    def load(base_url: str) -> None:
        with requests.Session() as session:
            for item in items:
                session.post(base_url + path, json=item, timeout=10).raise_for_status()

    return load


def pairs(data_dir: Path) -> list[Pair]:
    manifest = lab_manifest.load()
    values = {"data_dir": str(data_dir), "chaos_token": "", "secret_key": secrets.token_urlsafe(50)}

    def service(name: str, path: str, load: Callable[[str], None]) -> App:
        s = manifest.services[name]
        return App(name, s.wsgi, (s.dir, manifest.common_dir), path, s.factory, s.render_env(values), load)

    students = service("students", "/students?limit=50", _post_all("/students", seed.students()[:STUDENTS_SEEDED]))
    grades = service("grades", "/grades", _post_all("/grades", seed.grades()))
    return [
        Pair(students, App("flask hello", "hello_flask:app", (HELLO_DIR,), "/"), 0.40),
        Pair(grades, App("drf hello", "hello_drf:application", (HELLO_DIR,), "/"), 0.50),
    ]


def measure(app: App, tmp: Path) -> float:
    port = free_port()
    command = [sys.executable, "-m", "waitress", "--host=127.0.0.1", f"--port={port}"]
    command += [f"--threads={WAITRESS_THREADS}", *(["--call"] if app.factory else []), app.target]
    env = {**app.env, "PYTHONPATH": os.pathsep.join(map(str, app.pythonpath))}
    url = f"http://127.0.0.1:{port}"
    with running(app.label, command, env, url + app.path.split("?")[0], tmp / f"{app.label}.log"):
        app.load(url)
        wrk(WARMUP, url + app.path)
        best = max((wrk(WRK, url + app.path) for _ in range(RUNS)), key=lambda result: result.rate)
    flag = f"  ({best.bad} non-2xx answers!)" if best.bad else ""
    print(f"  {app.label:<12} GET {app.path:<20} {best.rate:>9.0f} req/s{flag}", flush=True)
    return best.rate


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk); nothing measured")
        return 0
    print(
        f"waitress --threads={WAITRESS_THREADS}; best of {RUNS} x `wrk {' '.join(WRK)}` after a 1 s warm-up; {where()}"
    )
    with tempfile.TemporaryDirectory(prefix="deploylab-bench-") as tmp:
        results = [
            (pair, measure(pair.service, Path(tmp)) / measure(pair.baseline, Path(tmp))) for pair in pairs(Path(tmp))
        ]
    print()
    for pair, ratio in results:
        verdict = "PASS" if ratio >= pair.target_ratio else "BELOW"
        print(
            f"{pair.service.label:<9} / {pair.baseline.label:<12} {ratio:5.2f}  (target >= {pair.target_ratio:.2f})  {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
