"""The one Locust shape: `TableShape` follows the table named by `--shape` (loadtests/shape_table.py).

So the same locustfile serves steady runs, capacity searches and spikes, from the command line and
from scenario definitions.
"""

from __future__ import annotations

from locust import LoadTestShape

from .shape_table import DEFAULT_RUN_TIME_S, SHAPES, stages

__all__ = ["SHAPES", "TableShape"]


class TableShape(LoadTestShape):
    """Follows SHAPES[--shape]; --users, --spawn-rate and --run-time keep their usual meaning."""

    use_common_options = True  # the web UI keeps its users / spawn rate / run time fields

    def tick(self) -> tuple[int, float] | None:
        options = self.runner.environment.parsed_options
        run_time = options.run_time or DEFAULT_RUN_TIME_S
        table = stages(options.shape, run_time, options.num_users or 1)
        elapsed = self.get_run_time()
        if options.run_time and elapsed >= run_time:
            return None
        current = next((stage for stage in table if elapsed < stage.end_s), table[-1])
        return current.users, float(options.spawn_rate or current.users)
