"""Lab state under .lab/: what runs, per model, as JSON; secrets generated per deployment, 0600.

.lab/<model>/state.json   what `up` started (PIDs, ports, units, base URL)
.lab/<model>/secrets.env  the deployment's secrets (Django key, chaos token)
.lab/<model>/logs/        one log file per unit
.lab/current              the model that is up now (owned by deploylab.core.lifecycle)
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


def write_private(path: Path, text: str) -> None:
    """Write a file that may hold a deployment's secrets: 0600 whatever the umask or an older file's mode, and
    atomic (a reader sees the old content or the new one, never half)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        os.fchmod(handle.fileno(), 0o600)  # O_CREAT's mode applies only to a file it creates
        handle.write(text)
    tmp.replace(path)


def write_env_file(path: Path, values: dict[str, str]) -> None:
    """KEY=value lines, private."""
    write_private(path, "".join(f"{key}={value}\n" for key, value in values.items()))


def write_state(model_dir: Path, state: dict[str, Any]) -> None:
    write_private(model_dir / "state.json", json.dumps(state, indent=2, sort_keys=True))  # C's holds tokens


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
    write_env_file(path, values)
    return values

