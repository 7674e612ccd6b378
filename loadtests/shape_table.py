"""Load shapes as data: each is a table of stages (end as a fraction of the run, users as a fraction of --users).

Free of Locust on purpose: the lab's own process reads these tables (to know when each step of a
capacity run began) and must not import Locust, whose gevent monkey-patching would reach it.
"""

from __future__ import annotations

from dataclasses import dataclass

# (end of stage as a fraction of the run time, users as a fraction of --users)
SHAPES: dict[str, tuple[tuple[float, float], ...]] = {
    "steady": ((1.0, 1.0),),
    # capacity search: five equal steps up to --users
    "step": ((0.2, 0.2), (0.4, 0.4), (0.6, 0.6), (0.8, 0.8), (1.0, 1.0)),
    # a quiet baseline, a burst at full load, and the same quiet baseline after it
    "spike": ((0.4, 0.25), (0.6, 1.0), (1.0, 0.25)),
}
DEFAULT_RUN_TIME_S = 300  # web UI without --run-time: the table spans this many seconds, then holds its last stage


@dataclass(frozen=True)
class Stage:
    start_s: float
    end_s: float
    users: int


def stages(shape: str, run_time_s: float, users: int) -> list[Stage]:
    """The shape's table in seconds and users for one run."""
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}: choose one of {', '.join(SHAPES)}")
    result, start = [], 0.0
    for end_fraction, user_fraction in SHAPES[shape]:
        end = end_fraction * run_time_s
        result.append(Stage(start, end, max(1, round(user_fraction * users))))
        start = end
    return result


