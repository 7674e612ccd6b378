"""The comparison's rounds phase: every model that was measured brought up at once, each on its own port, then
measured in interleaved rounds (deploylab.measure.rounds), then every one taken down.

Each model gets its own port offset (ROUNDS_OFFSET + 100 x its place) and its own state folder, so D and D on
Swarm run side by side. The caches (venvs, images, wheelhouses) are the lab's usual ones: nothing is built twice.
The model the matrix measured last may still be up at the lab's own port (`kept`): it is measured there as it is,
which spares its down and up (C's: a minute of making and provisioning machines).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from deploylab.compare.matrix import Log, driver_for, kept_up
from deploylab.core import lifecycle
from deploylab.core.driver import Driver, LabContext
from deploylab.measure.profiles import Profile
from deploylab.measure.rounds import Performance, Plan, run_rounds
from deploylab.measure.runner import generator_cpus, pinned
from deploylab.measure.seed import seed

ROUNDS_OFFSET = 1000  # 9000, 9100, …: away from the lab's own 8000 and from the model tests' offsets


def planned(profile: Profile, models: int) -> list[float]:
    """The phases the rounds add to the comparison's clock, in order, and their planned seconds."""
    plan = profile.rounds
    if plan is None:
        return []
    ups = [10.0] * models
    rounds = [plan.cost_s + 6.0 + (len(plan.sweep_rates) * plan.sweep_step_s + 4.0 if r in plan.sweep_rounds else 0.0)
              for r in range(plan.rounds) for _ in range(models)]
    return ups + rounds


def context_for(ctx: LabContext, key: str, place: int) -> LabContext:
    ctx = pinned(ctx)
    return replace(ctx, port_offset=ROUNDS_OFFSET + 100 * place, options={**ctx.options, "state_name": f"rounds-{key}"})


def run_phase(
    ctx: LabContext, keys: Sequence[str], plan: Plan, out_dir: Path, log: Log,
    on_phase: Callable[[str, str], None] | None = None, kept: str | None = None,
) -> Performance:
    """Up, rounds, down. A model that does not come up is left out of the rounds, with the reason."""
    up: list[tuple[str, Driver, str]] = []
    errors: dict[str, str] = {}
    held = driver_for(pinned(ctx), kept) if kept else None  # the matrix's last model, at the lab's own port
    try:
        if held is not None and not kept_up(held):
            lifecycle.take_down(held)  # it stopped answering: brought up below like the others
            held = None
        for place, key in enumerate(keys):
            driver = held if held is not None and key == kept else driver_for(context_for(ctx, key, place), key)
            if on_phase:
                on_phase(key, "up for the rounds")
            try:
                if driver is held:
                    base_url = driver.ctx.base_url
                else:
                    driver.down()  # whatever an interrupted comparison left at this port
                    driver.build()
                    base_url = driver.up().base_url
                seed(base_url)  # the open loop reads the seeded students and grades
            except Exception as exc:  # noqa: BLE001 - recorded; the others are still measured
                errors[key] = f"did not come up for the rounds: {(str(exc).splitlines() or [''])[0]}"
                log(f"[compare] model {key}: {errors[key]}")
                _down(driver, log)
                continue
            up.append((key, driver, base_url))
        result = run_rounds(up, plan, out_dir, log, on_phase)
    finally:
        downs = [driver for _, driver, _ in reversed(up)]
        if held is not None and all(driver is not held for driver in downs):
            downs.append(held)
        for driver in downs:
            _down(driver, log)
    result.errors |= errors
    result.pinning = {"sut_cpus": pinned(ctx).sut_cpus, "generator_cpus": generator_cpus(pinned(ctx).sut_cpus)}
    result.write(out_dir / "performance.json")
    return result


def _down(driver: Driver, log: Log) -> None:
    try:
        lifecycle.take_down(driver)
    except Exception as exc:  # noqa: BLE001 - the next model must still come down
        log(f"[compare] model {driver.name}: down after the rounds failed — {exc}")
