"""What ships into a machine or an image: host-built wheelhouses, and a folder's source files.

Builds inside containers (model D) and fresh VMs (model C) cannot reach the package index, but the
host can, with its own pip configuration. So wheels are made here once and installed there with
`pip install --no-index --find-links`. A stamp (hash of the requirements and the interpreter) makes
a second call with nothing changed a no-op.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from deploylab.core.errors import LabError

STAMP = ".stamp"
# Never shipped: tests, caches and databases left by running a service from the checkout.
SKIP_DIRS = frozenset({"tests", "__pycache__", ".pytest_cache", "node_modules"})
SKIP_SUFFIXES = (".pyc", ".sqlite3", ".sqlite3-journal", ".sqlite3-wal", ".sqlite3-shm")


def source_files(root: Path, folder: Path) -> Iterator[tuple[str, Path]]:
    """(path relative to root, file) for every file of folder that ships, in a stable order."""
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and not SKIP_DIRS & set(rel.parts) and not path.name.endswith(SKIP_SUFFIXES):
            yield rel.as_posix(), path


def stamp_of(requirements: Path, python: str) -> str:
    version = subprocess.run([python, "-c", "import sys; print(sys.implementation.cache_tag)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    return hashlib.sha256(requirements.read_bytes() + version.encode()).hexdigest()


def build_wheelhouse(requirements: Path, dest: Path, python: str = sys.executable) -> bool:
    """Wheels for every pinned requirement (and their dependencies) in dest. True when built, False when cached.

    `python` must be the minor version the target runs (3.11 on Debian bookworm and python:3.11-slim):
    binary wheels are chosen for it.
    """
    stamp = stamp_of(requirements, python)
    if (dest / STAMP).is_file() and (dest / STAMP).read_text() == stamp:
        return False
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    result = subprocess.run(
        [python, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "-r", str(requirements), "-w", str(tmp)],
        capture_output=True, text=True,
    )
    if result.returncode:
        shutil.rmtree(tmp, ignore_errors=True)
        tail = "\n".join(result.stderr.splitlines()[-10:])
        raise LabError(f"pip wheel for {requirements} failed:\n{tail}")
    (tmp / STAMP).write_text(stamp)
    shutil.rmtree(dest, ignore_errors=True)
    tmp.replace(dest)  # whole or not at all: a half-made wheelhouse never looks current
    return True
