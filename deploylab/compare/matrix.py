"""Runs the matrix: for each model, the start-up/idle phase, then every scenario of the profile.

One deployment per model stays up across its scenarios (the runner reuses it); a phase that left it
broken (model A after a crash: nothing restarts it) is taken down so the next run starts it again.
A model this machine cannot run is skipped with the driver's reason; a phase that fails is recorded
and the matrix goes on with the next one.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from deploylab.compare.collect import PHASE_FILE
from deploylab.compare.profiles import Profile, parts
from deploylab.compare.startup import run_startup
from deploylab.core import state
from deploylab.core.driver import Driver, LabContext
from deploylab.core.errors import LabError
from deploylab.core.registry import make_driver
from deploylab.measure.runner import pinned, run_scenario
from deploylab.platform.probe import http_status

Log = Callable[[str], None]


def stderr_log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def driver_for(ctx: LabContext, key: str) -> Driver:
    """'d-swarm' is model D with Swarm switched on; the rest are the registry's models."""
    base, _, variant = key.partition("-")
    if variant == "swarm":
        ctx = replace(ctx, options={**ctx.options, "swarm": True})
    return make_driver(base, ctx)


class Clock:
    """Progress lines: which model and phase, elapsed, and an ETA from the profile's estimate."""

    def __init__(self, total_phases: int, estimate_s: float, log: Log) -> None:
        self.total, self.estimate_s, self.log = total_phases, estimate_s, log
        self.done, self.started = 0, time.monotonic()

    def phase(self, model: str, what: str) -> None:
        elapsed = time.monotonic() - self.started
        rate = elapsed / self.done if self.done else self.estimate_s / max(self.total, 1)
        eta = max(0.0, rate * (self.total - self.done))
        self.log(f"[compare {self.done + 1}/{self.total}] model {model}: {what} — elapsed {elapsed / 60:.1f} min, "
                 f"about {eta / 60:.1f} min left")
        self.done += 1

    def skip(self, phases: int) -> None:
        self.total -= phases


def _label(out_dir: Path, compare_id: str, key: str, phase: str, repeat: int, profile: str) -> None:
    (out_dir / PHASE_FILE).write_text(json.dumps(
        {"compare_id": compare_id, "model_key": key, "phase": phase, "repeat": repeat, "profile": profile}))


def _why(exc: BaseException) -> str:
    """One line: a LabError's own message; anything else is a bug in a driver, so name its type."""
    first = (str(exc).splitlines() or [""])[0]
    return first if isinstance(exc, LabError) else f"{type(exc).__name__} in the driver: {first}"


def _healthy(driver: Driver) -> bool:
    ctx = driver.ctx
    return http_status(ctx.base_url + ctx.manifest.entry_health) == 200


def _take_down(driver: Driver) -> None:
    driver.down()
    state.clear_current(driver.ctx.state_dir, driver.name)


def run_model(
    ctx: LabContext, key: str, profile: Profile, runs_dir: Path, compare_id: str, clock: Clock, log: Log,
) -> dict[str, Any]:
    """{"status", "reason", "runs": [dirs], "errors": {phase: why}} for one model."""
    phases = 1 + profile.repeats * len(profile.scenarios)
    try:
        driver = driver_for(pinned(ctx), key)
        reason = driver.available()
    except LabError as exc:
        driver, reason = None, str(exc)
    if driver is None or reason:
        clock.skip(phases)
        log(f"[compare] model {key}: skipped — {reason}")
        return {"status": "skipped", "reason": reason, "runs": [], "errors": {}}
    result: dict[str, Any] = {"status": "measured", "reason": None, "runs": [], "errors": {}}
    try:
        clock.phase(key, "start-up (cold, warm) and idle footprint")
        out_dir = runs_dir / f"{compare_id}-{key}-startup"
        try:
            run_startup(driver.ctx, driver, key, out_dir, profile.idle_s, cycles=profile.repeats)
            _label(out_dir, compare_id, key, "startup", 0, profile.name)
            result["runs"].append(out_dir)
        except Exception as exc:  # noqa: BLE001 - a driver's bug must not lose the other models' figures
            result["errors"]["startup"] = _why(exc)
            log(f"[compare] model {key}: start-up failed — {_why(exc)}")
        for repeat in range(profile.repeats):
            for name in profile.scenarios:
                clock.phase(key, name + (f" (repeat {repeat + 1}/{profile.repeats})" if profile.repeats > 1 else ""))
                if state.read_current(ctx.state_dir) == driver.name and not _healthy(driver):
                    _take_down(driver)  # the last phase left it broken: the runner starts it afresh
                out_dir = runs_dir / (f"{compare_id}-{key}-{name}" + (f"-{repeat + 1}" if profile.repeats > 1 else ""))
                try:
                    run = run_scenario(driver.ctx, driver, profile.scenario(name), out_dir, profile=profile.name,
                                       keep_up=True, idle_s=profile.run_idle_s)
                    _label(out_dir, compare_id, key, name, repeat, profile.name)
                    result["runs"].append(out_dir)
                except Exception as exc:  # noqa: BLE001 - recorded; the matrix goes on
                    result["errors"] |= dict.fromkeys(parts(name), _why(exc))  # each table it fills
                    log(f"[compare] model {key}: {name} failed — {exc}")
                    continue
                if run.partial:  # Ctrl-C reached the run, which kept its partial report: stop the whole comparison
                    raise KeyboardInterrupt
    finally:
        try:
            _take_down(driver)
        except Exception as exc:  # noqa: BLE001
            result["errors"]["down"] = _why(exc)
            log(f"[compare] model {key}: down failed — {_why(exc)}")
    if not result["runs"]:
        result["status"], result["reason"] = "failed", "; ".join(f"{k}: {v}" for k, v in result["errors"].items())
    return result
