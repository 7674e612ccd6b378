"""The fault timeline of a run: each fault fired on schedule, through the driver or the chaos middleware.

Out-of-process kinds (kill, stop, start) go to `driver.fault` on every unit that hosts the fault's
service (or on the one unit named; with params.replicas = N on the first N of them); a redeploy goes once, to the first, and rolls out to every replica.
In-process kinds go over HTTP to the service's chaos middleware (deploylab.measure.chaos), which works the same
for every model: through the entry, or, where the entry balances over replicas (Swarm), to each replica itself
(params.replicas = N: the first N). A `stop` with `until_s` is followed by a `start`, a `poweroff` by a `poweron`; an
in-process assault with `until_s` lasts `until_s - at_s` seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from deploylab.core.driver import DRIVER_FAULTS, UNDO, Deployment, Driver
from deploylab.core.errors import LabError
from deploylab.measure import chaos
from deploylab.measure.scenarios import Fault

OnEvent = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class Action:
    at_s: float
    kind: str
    fault: Fault
    index: int = 0  # the fault's place in the scenario's timeline


def plan(faults: tuple[Fault, ...]) -> list[Action]:
    actions = [Action(f.at_s, f.kind, f, i) for i, f in enumerate(faults)]
    actions += [Action(f.until_s, UNDO[f.kind], f, i) for i, f in enumerate(faults)
                if f.kind in UNDO and f.until_s is not None]
    return sorted(actions, key=lambda action: action.at_s)


def cannot(driver: Driver, faults: tuple[Fault, ...]) -> str | None:
    """Why a model has nothing for one of these faults to act on (A has no gateway; only C has machines; one unit
    of a service is all but Swarm have), before any load: a run that broke nothing would read as a model that nothing
    breaks, and one that broke what another phase breaks would measure it twice."""
    def replicas(fault: Fault) -> int | None:
        return int(fault.params["replicas"]) if "replicas" in fault.params else None

    return next((why for f in faults if (why := driver.cannot(f.kind, f.service, replicas(f)))), None)


def targets(driver: Driver, fault: Fault) -> list[str]:
    if fault.unit:
        return [fault.unit]
    units = [unit.name for unit in driver.units() if fault.service in unit.services]
    if not units:
        raise LabError(f"no unit of model {driver.name} hosts {fault.service!r}")
    return units


def fire(driver: Driver, deployment: Deployment, action: Action, chaos_prefix: str) -> dict[str, Any]:
    """Carry out one action; returns what was done, for the event log."""
    fault = action.fault
    if action.kind in DRIVER_FAULTS:
        units = targets(driver, fault)
        params = {key: value for key, value in fault.params.items() if key != "replicas"}
        if action.kind == "redeploy":  # one new version of the service, rolled out over all its replicas at once
            units = units[:1]
        elif "replicas" in fault.params:  # this many of the service's units (a model with one has only that one)
            units = units[:int(fault.params["replicas"])]
        for unit in units:
            driver.fault(unit, action.kind, **params)
        return {"fault": action.kind, "via": "driver", "units": units, "service": fault.service}
    params = {key: value for key, value in fault.params.items() if key != "replicas"}
    if fault.until_s is not None and action.kind != "crash":
        params["duration_s"] = round(fault.until_s - fault.at_s, 2)
    replicas = fault.params.get("replicas")
    return {"fault": action.kind, "service": fault.service, "params": params,
            **inject(driver, deployment.base_url, deployment.chaos_token, fault.service, action.kind, params,
                     chaos_prefix, None if replicas is None else int(replicas))}


def inject(driver: Driver, base_url: str, token: str, service: str, kind: str, params: dict[str, Any],
           chaos_prefix: str, replicas: int | None = None) -> dict[str, Any]:
    """An in-process fault: through the entry, or to each replica of a service the entry balances over (the
    first `replicas` of them), so that it reaches every instance meant and none twice."""
    units = driver.replicas(service)
    if not units:
        return {"via": "chaos", "answer": chaos.inject(base_url, service, kind, params, token, chaos_prefix)}
    if kind not in chaos.KINDS:
        raise LabError(f"unknown fault {kind!r}: choose one of {', '.join(chaos.KINDS)}")
    if not token:
        raise LabError("this deployment has no chaos token: fault injection is off")
    units = units[:replicas] if replicas is not None else units
    answers = {unit: driver.replica_chaos(unit, kind, params, token, chaos_prefix) for unit in units}
    return {"via": "replicas", "units": units, "answer": answers}


class Timeline(threading.Thread):
    """Fires each action at t0 + at_s (wall clock); errors are logged as events, never raised."""

    def __init__(
        self, driver: Driver, deployment: Deployment, faults: tuple[Fault, ...], t0: float, on_event: OnEvent,
        chaos_prefix: str = "/__chaos__",
    ) -> None:
        super().__init__(name="faults", daemon=True)
        self.driver, self.deployment, self.t0, self.on_event = driver, deployment, t0, on_event
        self.faults = faults
        self.actions = plan(faults)
        self.chaos_prefix = chaos_prefix
        self._halt = threading.Event()
        self.finished_at: float | None = None  # wall clock when the last action was carried out (or failed)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=30)

    def active(self, now: float | None = None) -> str:
        """A short label of the fault(s) in effect now, for the progress line."""
        elapsed = (now or time.time()) - self.t0
        live = [f"{f.kind} {f.target}" for f in self.faults if f.at_s <= elapsed < (f.until_s or f.at_s + 3)]
        return ", ".join(live) or "-"

    def run(self) -> None:
        undo: dict[int, Action] = {}  # by fault: the action that ends what was done and has not come yet
        for action in self.actions:
            if self._halt.wait(max(0.0, self.t0 + action.at_s - time.time())):
                break
            self._carry_out(action)
            if action.kind in UNDO and action.fault.until_s is not None:
                undo[action.index] = Action(action.fault.until_s, UNDO[action.kind], action.fault, action.index)
            elif action.kind in UNDO.values():
                undo.pop(action.index, None)
        else:
            self.finished_at = time.time()
            return
        # Stopped early (Ctrl-C, a failed load): a stopped unit, a machine without power or a cut network must not
        # outlive the run.
        for action in undo.values():
            self._carry_out(action)

    def _carry_out(self, action: Action) -> None:
        fired = round(time.time() - self.t0, 2)
        try:
            done = fire(self.driver, self.deployment, action, self.chaos_prefix)
            # at_s: when the action was carried out, which for a redeploy is many seconds after it was fired
            self.on_event("fault", {"at_s": round(time.time() - self.t0, 2), "fired_s": fired,
                                    "index": action.index, **done})
        except (LabError, OSError) as exc:
            self.on_event("fault-failed", {"fault": action.kind, "target": action.fault.target, "error": str(exc),
                                           "index": action.index})
