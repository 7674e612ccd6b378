"""Endpoint groups: the unit in which every figure of a run is reported.

Shared by the Locust users (tags, request names) and the analysis (grouping the request log),
so that a request is counted in the same group on both sides.
"""

from __future__ import annotations

GROUPS = ("students", "grades", "web")
SETUP_NAME = "(setup)"  # a user's start-up requests (health wait, id lookup): not measurements, never logged
DEGRADED_SUFFIX = " (degraded)"  # appended to a request's name when the page answered 200 with X-Degraded


def group_of(name: str) -> str:
    """'/students/[id]' -> 'students'; '/grades' -> 'grades'; everything else is the web page."""
    for group in ("students", "grades"):
        if name == f"/{group}" or name.startswith(f"/{group}/") or name.startswith(f"/{group}?"):
            return group
    return "web"


def base_name(name: str) -> str:
    return name.removesuffix(DEGRADED_SUFFIX)
