"""Actions on units through systemctl: an argument list built from an allow-list, never a shell string."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence

Runner = Callable[[Sequence[str]], tuple[int, str]]

ACTIONS: dict[str, tuple[str, ...]] = {
    "kill": ("kill", "--signal=SIGKILL"),  # every process of the unit, like kill -9 on a VM
    "stop": ("stop",),
    "start": ("start",),
    "restart": ("restart",),
}


def run_systemctl(argv: Sequence[str]) -> tuple[int, str]:
    done = subprocess.run(list(argv), capture_output=True, text=True, timeout=60)
    return done.returncode, (done.stdout + done.stderr).strip()


class Systemd:
    def __init__(self, runner: Runner = run_systemctl) -> None:
        self.runner = runner

    def act(self, unit: str, action: str) -> tuple[int, str]:
        return self.runner(["systemctl", *ACTIONS[action], f"{unit}.service"])

    def states(self, units: Sequence[str]) -> dict[str, str]:
        """ActiveState of each unit ("active", "activating", "failed", ...), one systemctl call for all."""
        if not units:
            return {}
        code, out = self.runner(["systemctl", "show", "--property=ActiveState", "--value",
                                 *(f"{unit}.service" for unit in units)])
        lines = [line for line in out.splitlines() if line.strip()] if code == 0 else []
        return {unit: lines[i] if i < len(lines) else "unknown" for i, unit in enumerate(units)}
