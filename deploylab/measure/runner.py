"""One measured run: up (if needed) -> seed -> warm-up -> Locust + sampler + fault timeline -> down -> report.

`run_scenario` is the library entry (the comparison calls it per model); `deploylab run` wraps it.
Locust runs as a subprocess pinned (taskset) to the cores the system under test does not use.
Ctrl-C stops the load, takes down what this run started and still writes a report marked partial.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from deploylab.core import lifecycle, state
from deploylab.core.driver import DRIVER_FAULTS, Deployment, Driver, LabContext
from deploylab.core.errors import LabError
from deploylab.measure import calibrate, machine
from deploylab.measure.faults import Timeline, cannot
from deploylab.measure.records import DeploymentInfo, HostSpeed, Pinning, RunMeta, RunSummary, UnitInfo
from deploylab.measure.sampler import Sampler
from deploylab.measure.scenarios import Scenario
from deploylab.measure.seed import seed
from deploylab.platform import loadgen, oom
from deploylab.platform.probe import http_status
from deploylab.platform.progress import Progress
from deploylab.report import write_reports

IDLE_S = 3.0  # idle readings before any load: the units' memory at rest
GENERATOR_LIMIT = 85.0  # the load generator's CPU% beyond which its figures are suspect
WARMUP_PATHS = ("/", "/students", "/grades", "/students/1", "/grades/G1")


@dataclass
class RunResult:
    run_id: str
    out_dir: Path
    summary: RunSummary
    partial: bool

    @property
    def generator_overloaded(self) -> bool:
        return self.summary.generator.overloaded


class EventLog:
    """events.jsonl: faults, restarts seen, up/down, with wall-clock times. Thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.events: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def __call__(self, kind: str, details: dict[str, Any] | None = None) -> None:
        event = {"t": time.time(), "kind": kind, **(details or {})}
        with self._lock:
            self.events.append(event)
            with self.path.open("a") as handle:
                handle.write(json.dumps(event) + "\n")


def memory_groups(driver: Driver) -> dict[str, str]:
    try:
        return driver.memory_groups()
    except (LabError, OSError):
        return {}


def note_oom_kills(events: EventLog, groups: dict[str, str], since: float, until: float) -> None:
    """An event per out-of-memory kill of a unit during the load, at the kernel's time."""
    if not groups:
        return
    try:
        log = oom.kernel_log()
    except oom.Unreadable as exc:
        events("oom-unknown", {"why": str(exc)})
        return
    events("oom-watched", {"units": sorted(groups)})
    for kill in oom.kills(log, groups, since, until, oom.boot_time()):
        events("oom-kill", {"t": kill.t, "unit": kill.unit, "memcg": kill.memcg, "pid": kill.pid})


def new_run_id(model: str, scenario: str) -> str:
    return f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{model}-{scenario}"


def pinned(ctx: LabContext, enable: bool = True) -> LabContext:
    """The system under test on the first half of the cores ("0" on two), unless already chosen or disabled."""
    cores = os.cpu_count() or 1
    if not enable or ctx.sut_cpus is not None or cores < 2:
        return ctx
    half = cores // 2
    return replace(ctx, sut_cpus="0" if half == 1 else f"0-{half - 1}")


def generator_cpus(sut_cpus: str | None) -> str | None:
    """The cores left to the load generator, in taskset's list form; None when nothing is pinned."""
    if not sut_cpus:
        return None
    taken: set[int] = set()
    for part in sut_cpus.split(","):
        low, _, high = part.partition("-")
        taken.update(range(int(low), int(high or low) + 1))
    rest = [str(cpu) for cpu in range(os.cpu_count() or 1) if cpu not in taken]
    return ",".join(rest) or None


def keep_lab_off(sut_cpus: str | None) -> None:
    """The lab's own process (progress, the sampler, the clients of the models) moves to the generator's cores, so
    it never competes with the system under test; what it starts inherits that, and pins its units itself."""
    cpus = generator_cpus(sut_cpus)
    if cpus and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {int(cpu) for cpu in cpus.split(",")})


def load_tail_s(scenario: Scenario) -> float | None:
    """How long the load must go on after the last action of the timeline was carried out, when an action may
    take long (a redeploy builds and rolls out): the time the scenario planned after its last fault. None when
    every action is instant (in-process assaults) or the shape is not a steady one that can simply go on."""
    if scenario.shape != "steady" or not any(f.kind in DRIVER_FAULTS for f in scenario.faults):
        return None
    return max(0.0, scenario.duration_s - max(f.until_s or f.at_s for f in scenario.faults))


def locust_command(
    ctx: LabContext, scenario: Scenario, base_url: str, out_dir: Path, run_time_s: float,
) -> list[str]:
    # `deploylab run --live`: Locust's web UI on 127.0.0.1 during the run, started and quit on its own
    live_port = ctx.options.get("locust_web_port")
    ui = (["--web-host", "127.0.0.1", "--web-port", str(live_port), "--autostart", "--autoquit", "5"]
          if live_port else ["--headless"])
    command = [
        *loadgen.locust(ctx.root), *ui, "--host", base_url,
        "--users", str(scenario.users), "--spawn-rate", str(scenario.spawn_rate),
        "--run-time", f"{max(1, round(run_time_s))}s",
        "--shape", scenario.shape, "--think-scale", str(scenario.think_scale),
        *(["--arrival-rate", f"{scenario.rate:g}", *(["--mix", scenario.mix] if scenario.mix else [])]
          if scenario.rate is not None else []),
        "--csv", str(out_dir / "locust"), "--csv-full-history",
        "--request-log", str(out_dir / "requests.csv"),
        "--only-summary", "--loglevel", "WARNING", "--logfile", str(out_dir / "locust.log"),
    ]
    cpus = generator_cpus(ctx.sut_cpus)
    if cpus and shutil.which("taskset"):
        command = ["taskset", "-c", cpus, *command]
    return command


def warm_up(base_url: str, seconds: float) -> int:
    """Requests every endpoint group for a few seconds before measuring (caches, pools, lazy imports)."""
    done, deadline = 0, time.monotonic() + seconds
    with requests.Session() as session:
        while time.monotonic() < deadline:
            for path in WARMUP_PATHS:
                try:
                    session.get(base_url + path, timeout=5)
                except requests.RequestException:
                    time.sleep(0.2)
                done += 1
    return done


def _existing_deployment(driver: Driver) -> Deployment | None:
    """The deployment of this model already up, if any: the run uses it and leaves it up."""
    ctx = driver.ctx
    current = lifecycle.current(ctx.state_dir)
    if current and current != driver.name:
        raise LabError(f"model {current} is up and holds the entry port; `deploylab down` first")
    if current != driver.name or http_status(ctx.base_url + ctx.manifest.entry_health) != 200:
        return None
    token = state.deployment_secrets(ctx.model_dir(driver.name)).get("chaos_token", "")
    return Deployment(driver.name, ctx.base_url, driver.units(), token, ready_seconds=float("nan"))


@dataclass
class _Run:
    """One run's pieces as it goes: what it drives, what it started, and its metadata so far (a record,
    replaced as each step adds to it)."""

    ctx: LabContext
    driver: Driver
    scenario: Scenario
    out_dir: Path
    events: EventLog
    meta: RunMeta
    show_progress: bool = True
    deployment: Deployment | None = None
    brought_up: bool = False
    sampler: Sampler | None = None
    timeline: Timeline | None = None

    def note(self, **changes: Any) -> None:
        self.meta = replace(self.meta, **changes)


def run_scenario(
    ctx: LabContext,
    driver: Driver,
    scenario: Scenario,
    out_dir: Path,
    *,
    profile: str | None = None,
    show_progress: bool = True,
    keep_up: bool = False,
    idle_s: float = IDLE_S,
) -> RunResult:
    """Run one scenario against one model and write its report into out_dir. `profile` is recorded only:
    the scenario passed in is already shaped by it (deploylab.measure.scenarios.load)."""
    why = cannot(driver, scenario.faults)
    if why:
        raise LabError(f"scenario {scenario.name} does not apply: {why}")
    out_dir.mkdir(parents=True, exist_ok=True)
    meta = RunMeta(
        run_id=out_dir.name, model=driver.name, model_title=getattr(driver, "title", driver.name),
        scenario=scenario, profile=profile or scenario.profile, machine=machine.facts(),
        pinning=Pinning(ctx.sut_cpus, generator_cpus(ctx.sut_cpus)), started=time.time(),
    )
    run = _Run(ctx, driver, scenario, out_dir, EventLog(out_dir / "events.jsonl"), meta, show_progress)
    partial = False
    try:
        _bring_up(run)
        _settle(run, idle_s)
        partial = _measure(run)
    except KeyboardInterrupt:
        partial = True
        run.events("interrupted")
    finally:
        _wind_down(run, keep_up)
    run.note(ended=time.time(), partial=partial)
    samples = run.sampler.taken() if run.sampler else []
    summary = write_reports(out_dir, run.meta, run.events.events, samples, GENERATOR_LIMIT)
    return RunResult(out_dir.name, out_dir, summary, partial)


def _bring_up(run: _Run) -> None:
    """The deployment already up, or a new one (built, started, recorded as the current model)."""
    driver, events = run.driver, run.events
    deployment = _existing_deployment(driver)
    if deployment is None:
        if lifecycle.current(run.ctx.state_dir) == driver.name:  # recorded as up, but not healthy: start afresh
            lifecycle.take_down(driver)
        events("up-start")
        deployment = lifecycle.bring_up(driver)
        run.brought_up = True
        events("up-ready", {"ready_seconds": deployment.ready_seconds})
    else:
        events("reused", {"base_url": deployment.base_url})
    run.deployment = deployment
    run.note(deployment=DeploymentInfo(
        deployment.base_url, deployment.ready_seconds, run.brought_up,
        tuple(UnitInfo(u.name, u.kind, tuple(u.services)) for u in deployment.units)))


def _settle(run: _Run, idle_s: float) -> None:
    """Seeded, the sampler running, idle readings with no load at all, then a warm-up that is not measured."""
    assert run.deployment is not None
    seeded = seed(run.deployment.base_url)
    run.events("seeded", {"students_created": seeded.students_created, "grades_created": seeded.grades_created})
    run.sampler = Sampler(run.driver, run.out_dir / "samples.jsonl", run.events)
    run.sampler.start()
    run.note(idle=(time.time(), time.time() + idle_s))
    time.sleep(idle_s)
    run.events("warmup", {"requests": warm_up(run.deployment.base_url, run.scenario.warmup_s)})


def _measure(run: _Run) -> bool:
    """The load with its fault timeline; around a capacity run, the host's speed just before and just after
    (throughput is measured against it). True when interrupted."""
    capacity = run.scenario.shape == "step"
    if capacity:
        run.note(host_speed=HostSpeed(calibrate.host_speed(run.ctx.sut_cpus, 0.5), calibrate.UNIT))
    partial = _load(run)
    if capacity and run.meta.host_speed is not None:
        run.note(host_speed=replace(run.meta.host_speed, after=calibrate.host_speed(run.ctx.sut_cpus, 0.5)))
    return partial


def _wind_down(run: _Run, keep_up: bool) -> None:
    """The timeline and the sampler stopped; the deployment taken down if this run brought it up."""
    try:
        for part in (run.timeline, run.sampler):
            if part is not None:
                part.stop()
    finally:
        if run.brought_up and not keep_up:
            run.events("down")
            lifecycle.take_down(run.driver)


def _ended(process: subprocess.Popen[bytes], timeout_s: float) -> bool:
    """Waits up to timeout_s for the process; True once it has exited (no second lost after it did)."""
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return False
    return True


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGINT, as Ctrl-C would: Locust writes its CSVs and summary (SIGTERM kills it before it does)."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _load(run: _Run) -> bool:
    """Locust for the scenario's duration with the fault timeline beside it. True when interrupted.

    A timeline with a slow action (a redeploy) keeps the load going until the action was carried out and the
    scenario's after-time has passed, up to the deployment's up timeout: a redeploy measured after the load
    ended would show nothing."""
    ctx, scenario, out_dir, events = run.ctx, run.scenario, run.out_dir, run.events
    assert run.deployment is not None and run.sampler is not None
    tail = load_tail_s(scenario)
    run_time = scenario.duration_s + (ctx.up_timeout if tail is not None else 0.0)
    command = locust_command(ctx, scenario, run.deployment.base_url, out_dir, run_time)
    run.note(locust_command=tuple(command))
    groups = memory_groups(run.driver)  # before any fault: a replaced container's group is the one killed
    t0 = time.time()
    process = subprocess.Popen(command, cwd=ctx.root, stdout=subprocess.DEVNULL,
                               stderr=(out_dir / "locust.stderr").open("w"), start_new_session=True)
    run.note(load=(t0, t0 + scenario.duration_s))
    events("load-start", {"pid": process.pid, "users": scenario.users, "shape": scenario.shape, "rate": scenario.rate})
    run.sampler.watch_generator(process.pid)
    timeline = Timeline(run.driver, run.deployment, scenario.faults, t0, events, ctx.manifest.chaos_prefix)
    run.timeline = timeline
    timeline.start()
    progress = Progress(out_dir / "locust_stats_history.csv", t0, scenario.duration_s, timeline.active,
                        enabled=run.show_progress)
    planned_end = t0 + scenario.duration_s
    try:
        while not _ended(process, 0.25):
            progress.show()
            done = timeline.finished_at
            if tail is not None and done is not None and time.time() >= max(planned_end, done + tail):
                _stop(process)
    except KeyboardInterrupt:
        _stop(process)
        events("interrupted")
        return True
    finally:
        progress.done()
        run.sampler.watch_generator(None)
    run.note(load=(t0, min(time.time(), t0 + run_time)))
    events("load-end", {"exit_code": process.returncode})
    note_oom_kills(events, groups, t0, time.time())
    if process.returncode not in (0, 1):  # 1: some requests failed, which a fault run expects
        raise LabError(f"locust exited with {process.returncode}; see {out_dir / 'locust.log'}")
    return False
