"""Lab state under .lab/: what runs, per model, as JSON; secrets generated per deployment, 0600.

.lab/<model>/state.json   what `up` started (PIDs, ports, units, base URL)
.lab/<model>/secrets.env  the deployment's secrets (Django key, chaos token)
.lab/<model>/logs/        one log file per unit
.lab/current              the model that is up now
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

SECRET_NAMES = ("secret_key", "chaos_token")


def read_state(model_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((model_dir / "state.json").read_text())
    except FileNotFoundError:
        return None
    except json.JSONDecodeError:
        return None  # a half-written file from a crash is as good as none: `down` cleans up by other means


def write_state(model_dir: Path, state: dict[str, Any]) -> None:
    model_dir.mkdir(parents=True, exist_ok=True)
    tmp = model_dir / "state.json.tmp"
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True))
    tmp.replace(model_dir / "state.json")  # atomic: a reader sees the old state or the new one


def clear_state(model_dir: Path) -> None:
    (model_dir / "state.json").unlink(missing_ok=True)


def deployment_secrets(model_dir: Path, *, fresh: bool = False) -> dict[str, str]:
    """The secrets of this model's deployment: generated on first use (or when fresh), kept in a 0600 file."""
    path = model_dir / "secrets.env"
    if path.exists() and not fresh:
        values = dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
        if all(values.get(name) for name in SECRET_NAMES):
            return values
    values = {name: secrets.token_urlsafe(32) for name in SECRET_NAMES}
    model_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.writelines(f"{name}={value}\n" for name, value in values.items())
    return values


def read_current(state_dir: Path) -> str | None:
    """The model recorded as up (.lab/current): only one model holds the entry port at a time."""
    try:
        return (state_dir / "current").read_text().strip() or None
    except FileNotFoundError:
        return None


def write_current(state_dir: Path, model: str) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "current").write_text(model + "\n")


def clear_current(state_dir: Path, model: str) -> None:
    if read_current(state_dir) == model:
        (state_dir / "current").unlink(missing_ok=True)


def up_models(state_dir: Path) -> list[str]:
    """The model in .lab/current first, then any other with a state.json (e.g. started by a run, not by `up`)."""
    current = read_current(state_dir)
    recorded = sorted(path.parent.name for path in state_dir.glob("*/state.json"))
    return [current] * bool(current) + [model for model in recorded if model != current]
