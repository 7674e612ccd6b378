"""Builds the one LabContext from flags and environment, at the edge (the CLI); tests build their own."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from deploylab.core import manifest as manifest_mod
from deploylab.core.driver import LabContext
from deploylab.core.errors import UsageError

RESTART_POLICIES = ("always", "on-failure", "no")


def _int(value: str, what: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise UsageError(f"{what} must be an integer, not {value!r}") from None


def build_context(
    *,
    port_offset: int | None = None,
    restart_policy: str | None = None,
    up_timeout: float | None = None,
    verbose: bool = False,
    options: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] = os.environ,
    root: Path = manifest_mod.REPO_ROOT,
) -> LabContext:
    """Flags win over DEPLOYLAB_* variables, which win over the defaults."""
    if port_offset is None:
        port_offset = _int(environ.get("DEPLOYLAB_PORT_OFFSET", "0"), "DEPLOYLAB_PORT_OFFSET")
    policy = restart_policy or environ.get("DEPLOYLAB_RESTART", "on-failure")
    if policy not in RESTART_POLICIES:
        raise UsageError(f"restart policy must be one of {', '.join(RESTART_POLICIES)}, not {policy!r}")
    state_dir = Path(environ.get("DEPLOYLAB_STATE_DIR") or root / ".lab").resolve()
    return LabContext(
        root=root,
        state_dir=state_dir,
        manifest=manifest_mod.load(root / "services" / "manifest.toml", root),
        port_offset=port_offset,
        python=environ.get("DEPLOYLAB_PYTHON", "python3"),
        up_timeout=up_timeout if up_timeout is not None else float(environ.get("DEPLOYLAB_UP_TIMEOUT", "120")),
        sut_cpus=environ.get("DEPLOYLAB_SUT_CPUS") or None,
        restart_policy=policy,
        verbose=verbose,
        options={**({"venv_dir": environ["DEPLOYLAB_VENV_DIR"]} if environ.get("DEPLOYLAB_VENV_DIR") else {}), **(options or {})},
    )
