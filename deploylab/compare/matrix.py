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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from deploylab.compare.collect import PHASE_FILE
from deploylab.compare.records import Outcome
from deploylab.compare.startup import run_startup
from deploylab.core import lifecycle
from deploylab.core.driver import Driver, LabContext
from deploylab.core.errors import LabError
from deploylab.core.registry import make_driver
from deploylab.measure.faults import cannot
from deploylab.measure.profiles import Profile, parts
from deploylab.measure.runner import pinned, run_scenario
from deploylab.platform.probe import http_status

Log = Callable[[str], None]


def stderr_log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


# A column that is a model with one of its options on: key -> (model, option).
VARIANTS = {"d-swarm": ("d", "swarm"), "a-monolith": ("a", "monolith")}


def driver_for(ctx: LabContext, key: str) -> Driver:
    """'d-swarm' is model D with Swarm switched on, 'a-monolith' model A with in-process calls; the rest are the
    registry's models."""
    if key in VARIANTS:
        model, option = VARIANTS[key]
        return make_driver(model, replace(ctx, options={**ctx.options, option: True}))
    return make_driver(key, ctx)


class Clock:
    """Progress lines: which model and phase, elapsed, and an estimate of what is left that only moves believably.

    Each phase has a planned length (the profile's: Clock.plan). What is left is the planned length of the
    phases to come scaled by the pace so far, elapsed / planned length of the phases done, drawn towards 1 while
    little is done (PRIOR_S of planned time weighs as much as what was measured), so one slow or fast phase
    early cannot halve or double it. Between two lines the estimate falls by the time that passed, and may rise
    by at most RISE of the last one shown: a comparison really behind shows it over a few phases, not in one jump."""

    PRIOR_S = 120.0
    RISE = 0.15

    def __init__(self, total_phases: int, estimate_s: float, log: Log, planned: Sequence[float] | None = None,
                 now: Callable[[], float] = time.monotonic) -> None:
        self.planned = list(planned) if planned is not None else [estimate_s / max(total_phases, 1)] * total_phases
        self.log, self.now = log, now
        self.done, self.started = 0, now()
        self.shown: tuple[float, float] | None = None  # (when, the estimate shown then)

    @property
    def total(self) -> int:
        return len(self.planned)

    @staticmethod
    def plan(profile: Profile, models: int, overhead_s: float = 3.0) -> list[float]:
        """Each phase's planned seconds, in the matrix's order: per model its start-up, then every scenario."""
        per_run = overhead_s + profile.warmup_s + profile.run_idle_s
        startup = profile.repeats * 20.0 + profile.idle_s  # a build check, cold and warm start per repeat; idle once
        runs = [profile.scenario(name).duration_s + per_run for name in profile.scenarios] * profile.repeats
        return ([startup] + runs) * models

    def remaining(self) -> float:
        """Seconds left, as the next line will say."""
        now = self.now()
        elapsed = now - self.started
        done, left = sum(self.planned[:self.done]), sum(self.planned[self.done:])
        pace = (elapsed + self.PRIOR_S) / (done + self.PRIOR_S)
        estimate = left * pace
        if self.shown is not None:
            when, shown = self.shown
            carried = max(0.0, shown - (now - when))
            estimate = min(estimate, carried + self.RISE * shown)
        self.shown = (now, estimate)
        return max(0.0, estimate)

    def phase(self, model: str, what: str) -> None:
        elapsed = self.now() - self.started
        eta = self.remaining()
        self.log(f"[compare {self.done + 1}/{self.total}] model {model}: {what} — elapsed {elapsed / 60:.1f} min, "
                 f"about {eta / 60:.1f} min left")
        self.done += 1

    def skip(self, phases: int) -> None:
        """A model that will not run: its phases (the next ones) leave the plan."""
        del self.planned[self.done:self.done + phases]


def _label(out_dir: Path, compare_id: str, key: str, phase: str, repeat: int, profile: str) -> None:
    (out_dir / PHASE_FILE).write_text(json.dumps(
        {"compare_id": compare_id, "model_key": key, "phase": phase, "repeat": repeat, "profile": profile}))


def _why(exc: BaseException) -> str:
    """One line: a LabError's own message; anything else is a bug in a driver, so name its type."""
    first = (str(exc).splitlines() or [""])[0]
    return first if isinstance(exc, LabError) else f"{type(exc).__name__} in the driver: {first}"


RESTART_GRACE_S = 15.0  # a unit still restarting after the last phase (Swarm's task after a kill) is given this long


def _healthy(driver: Driver, grace_s: float = 0.0) -> bool:
    """The entry answers its health check and every unit is ready (Driver.settled), within grace_s: waiting for a
    model's own restart is cheaper than taking it down and up again (Swarm: 14 s up, and its down waits for the
    network to go)."""
    ctx = driver.ctx
    deadline = time.monotonic() + grace_s
    while http_status(ctx.base_url + ctx.manifest.entry_health) != 200 or not driver.settled():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.5)
    return True


def kept_up(driver: Driver, grace_s: float = 0.0) -> bool:
    """Whether the matrix left this model up and answering (within grace_s), for the rounds to measure as it is."""
    return lifecycle.current(driver.ctx.state_dir) == driver.name and _healthy(driver, grace_s)


def _driver(ctx: LabContext, key: str) -> tuple[Driver | None, str | None]:
    """(the model's driver, why this machine cannot run it)."""
    try:
        driver = driver_for(pinned(ctx), key)
        return driver, driver.available()
    except LabError as exc:
        return None, str(exc)


@dataclass
class _Model:
    """One model's way through the matrix: where its runs go, what each phase gave."""

    driver: Driver
    key: str
    profile: Profile
    runs_dir: Path
    compare_id: str
    clock: Clock
    log: Log
    runs: list[Path] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    inapplicable: dict[str, str] = field(default_factory=dict)

    def failed(self, phases: Iterable[str], exc: BaseException, line: str) -> None:
        """The phases' tables get the one-line reason; the log gets line."""
        self.errors |= dict.fromkeys(phases, _why(exc))
        self.log(f"[compare] model {self.key}: {line}")

    def startup(self) -> None:
        self.clock.phase(self.key, "start-up (cold, warm) and idle footprint")
        out_dir = self.runs_dir / f"{self.compare_id}-{self.key}-startup"
        try:
            run_startup(self.driver.ctx, self.driver, self.key, out_dir, self.profile.idle_s, cycles=self.profile.repeats)
            _label(out_dir, self.compare_id, self.key, "startup", 0, self.profile.name)
            self.runs.append(out_dir)
        except Exception as exc:  # noqa: BLE001 - a driver's bug must not lose the other models' figures
            self.failed(["startup"], exc, f"start-up failed — {_why(exc)}")

    def scenario(self, name: str, repeat: int) -> None:
        repeats = self.profile.repeats
        self.clock.phase(self.key, name + (f" (repeat {repeat + 1}/{repeats})" if repeats > 1 else ""))
        driver = self.driver
        why = cannot(driver, self.profile.scenario(name).faults)
        if why:  # nothing for the fault to act on: a row that says so, not a run that breaks nothing
            self.inapplicable |= dict.fromkeys(parts(name), why)
            self.log(f"[compare] model {self.key}: {name} does not apply — {why}")
            return
        if lifecycle.current(driver.ctx.state_dir) == driver.name and not _healthy(driver, RESTART_GRACE_S):
            lifecycle.take_down(driver)  # the last phase left it broken: the runner starts it afresh
        out_dir = self.runs_dir / (f"{self.compare_id}-{self.key}-{name}" + (f"-{repeat + 1}" if repeats > 1 else ""))
        try:
            run = run_scenario(driver.ctx, driver, self.profile.scenario(name), out_dir, profile=self.profile.name,
                               keep_up=True, idle_s=self.profile.run_idle_s)
            _label(out_dir, self.compare_id, self.key, name, repeat, self.profile.name)
            self.runs.append(out_dir)
        except Exception as exc:  # noqa: BLE001 - recorded; the matrix goes on
            self.failed(parts(name), exc, f"{name} failed — {exc}")  # each table it fills
            return
        if run.partial:  # Ctrl-C reached the run, which kept its partial report: stop the whole comparison
            raise KeyboardInterrupt

    def take_down(self) -> None:
        try:
            lifecycle.take_down(self.driver)
        except Exception as exc:  # noqa: BLE001
            self.failed(["down"], exc, f"down failed — {_why(exc)}")

    def outcome(self) -> Outcome:
        if not self.runs:
            return Outcome("failed", "; ".join(f"{k}: {v}" for k, v in self.errors.items()), [], self.errors,
                           self.inapplicable)
        return Outcome("measured", None, self.runs, self.errors, self.inapplicable)


def run_model(
    ctx: LabContext, key: str, profile: Profile, runs_dir: Path, compare_id: str, clock: Clock, log: Log,
    keep_up: bool = False,
) -> Outcome:
    """One model through the start-up phase and every scenario of the profile; skipped when it cannot run here.
    keep_up: leave it up when it answers at the end (the rounds measure it next, without a down and an up)."""
    driver, reason = _driver(ctx, key)
    if driver is None or reason:
        clock.skip(1 + profile.repeats * len(profile.scenarios))
        log(f"[compare] model {key}: skipped — {reason}")
        return Outcome("skipped", reason)
    model = _Model(driver, key, profile, runs_dir, compare_id, clock, log)
    kept = False
    try:
        model.startup()
        for repeat in range(profile.repeats):
            for name in profile.scenarios:
                model.scenario(name, repeat)
        kept = keep_up and kept_up(driver, RESTART_GRACE_S)
    finally:
        if not kept:
            model.take_down()
    return model.outcome()
