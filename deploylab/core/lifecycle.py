"""Which model is up, and the one place that brings a model up or takes it down for the lab.

Only one model holds the entry port at a time. `.lab/current` names the model started through here;
nothing else writes or clears it. A model started by other means (a crashed run) still shows through
its own state.json, which `recorded_up` also lists so that `down` finds it.
"""

from __future__ import annotations

from pathlib import Path

from deploylab.core.driver import Deployment, Driver
from deploylab.core.errors import LabError

CURRENT = "current"


def current(state_dir: Path) -> str | None:
    """The model brought up through here and not yet taken down."""
    try:
        return (state_dir / CURRENT).read_text().strip() or None
    except FileNotFoundError:
        return None


def recorded_up(state_dir: Path) -> list[str]:
    """The current model first, then any other with a state.json (started, and never taken down through here)."""
    first = current(state_dir)
    recorded = sorted(path.parent.name for path in state_dir.glob("*/state.json"))
    return ([first] if first else []) + [model for model in recorded if model != first]


def require_free_entry(driver: Driver) -> None:
    """Refuse to start a second model on the entry port, or this one twice."""
    held = current(driver.ctx.state_dir)
    if held == driver.name:
        raise LabError(f"model {held} is already up; `deploylab down` first to start it again")
    if held:
        raise LabError(f"model {held} is up and holds the entry port; `deploylab down` first")


def require_available(driver: Driver) -> None:
    reason = driver.available()
    if reason:
        raise LabError(f"model {driver.name} cannot run on this machine: {reason}")


def bring_up(driver: Driver) -> Deployment:
    """Build (cached), start and wait until ready; the model becomes the current one."""
    require_free_entry(driver)
    driver.build()
    deployment = driver.up()
    mark_up(driver)
    return deployment


def mark_up(driver: Driver) -> None:
    """Record a model started by its own driver (a warm start) as the current one."""
    state_dir = driver.ctx.state_dir
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / CURRENT).write_text(driver.name + "\n")


def take_down(driver: Driver) -> None:
    """Stop everything the model started; it is no longer the current one."""
    driver.down()
    if current(driver.ctx.state_dir) == driver.name:
        (driver.ctx.state_dir / CURRENT).unlink(missing_ok=True)
