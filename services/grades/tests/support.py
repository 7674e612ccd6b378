"""Run Python in a fresh interpreter, as a deployment would: settings are fixed once per process,
so the prod settings and the WSGI module's start-up can only be tried out in another one."""

import os
import subprocess
import sys
from pathlib import Path

SERVICE_DIR = Path(__file__).resolve().parent.parent
COMMON_DIR = SERVICE_DIR.parent / "common"


def run_python(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GRADES_", "CHAOS_"))}
    inherited["PYTHONPATH"] = os.pathsep.join([str(SERVICE_DIR), str(COMMON_DIR)])
    return subprocess.run(
        [sys.executable, *args], cwd=SERVICE_DIR, env={**inherited, **env}, capture_output=True, text=True, timeout=60
    )
