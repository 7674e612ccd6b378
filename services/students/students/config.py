"""The service's settings, read from the environment once (only when create_app gets no mapping)."""

from __future__ import annotations

from collections.abc import Mapping


class ConfigError(RuntimeError):
    """A setting is missing or wrong: the service refuses to start rather than guess."""


def from_env(environ: Mapping[str, str]) -> dict[str, str]:
    return {
        "STUDENTS_DB": environ.get("STUDENTS_DB", "").strip(),
        "CHAOS_TOKEN": environ.get("CHAOS_TOKEN", ""),  # empty: fault injection is off
    }
