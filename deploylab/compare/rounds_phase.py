"""The comparison's rounds phase: every model that was measured brought up at once, each on its own port, then
measured in interleaved rounds (deploylab.measure.rounds), then every one taken down.

Each model gets its own port offset (ROUNDS_OFFSET + 100 x its place) and its own state folder, so D and D on
Swarm run side by side. The caches (venvs, images, wheelhouses) are the lab's usual ones: nothing is built twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from deploylab.compare.matrix import Log, driver_for
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
    on_phase: Callable[[str, str], None] | None = None,
) -> Performance:
    """Up, rounds, down. A model that does not come up is left out of the rounds, with the reason."""
    up: list[tuple[str, Driver, str]] = []
    errors: dict[str, str] = {}
    try:
        for place, key in enumerate(keys):
            driver = driver_for(context_for(ctx, key, place), key)
            if on_phase:
                on_phase(key, "up for the rounds")
            try:
                driver.down()  # whatever an interrupted comparison left at this port
                driver.build()
                deployment = driver.up()
                seed(deployment.base_url)  # the open loop reads the seeded students and grades
            except Exception as exc:  # noqa: BLE001 - recorded; the others are still measured
                errors[key] = f"did not come up for the rounds: {(str(exc).splitlines() or [''])[0]}"
                log(f"[compare] model {key}: {errors[key]}")
                _down(driver, log)
                continue
            up.append((key, driver, deployment.base_url))
        result = run_rounds(up, plan, out_dir, log, on_phase)
    finally:
        for _, driver, _ in reversed(up):
            _down(driver, log)
    result.errors |= errors
    result.pinning = {"sut_cpus": pinned(ctx).sut_cpus, "generator_cpus": generator_cpus(pinned(ctx).sut_cpus)}
    result.write(out_dir / "performance.json")
    return result


def _down(driver: Driver, log: Log) -> None:
    try:
        driver.down()
    except Exception as exc:  # noqa: BLE001 - the next model must still come down
        log(f"[compare] model {driver.name}: down after the rounds failed — {exc}")
