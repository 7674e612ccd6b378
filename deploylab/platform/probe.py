"""Readiness probes: wait until URLs answer as expected, with a deadline."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping


def http_status(url: str, timeout: float = 2.0) -> int | None:
    """The status a GET gets, or None when nothing answers. Only the lab's own addresses are probed."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, ValueError):
        return None


def wait_until_ready(
    probes: Mapping[str, str],
    timeout: float,
    *,
    still_running: Callable[[str], bool] = lambda unit: True,
    interval: float = 0.2,
) -> str | None:
    """Poll {unit: url} until each answers 200. Returns None when all are ready, else the first unit that is not.

    `still_running(unit)` lets a driver stop waiting as soon as a unit has died.
    """
    pending = dict(probes)
    deadline = time.monotonic() + timeout
    while pending:
        for unit, url in list(pending.items()):
            if http_status(url) == 200:
                del pending[unit]
            elif not still_running(unit):
                return unit
        if not pending:
            break
        if time.monotonic() > deadline:
            return next(iter(pending))
        time.sleep(interval)
    return None
