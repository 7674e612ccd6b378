"""What `grades.wsgi` does once at import when GRADES_MIGRATE_ON_START=1: bring the schema up to date.

Several processes may start at once on one database: Swarm's two Grades replicas share a volume.
Without coordination each plans the same migrations against the empty file and the second to create a
table fails. So migrations run under an exclusive lock on a file beside the database
(`<GRADES_DB>.migrate.lock`, `fcntl.flock`): the first process migrates, the others wait for it, then
plan again and find nothing to do. The lock is the kernel's, tied to the open file, so a process that
dies holding it releases it; the file itself stays (removing a lock file others may hold is a race).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from django.conf import settings
from django.core.management import call_command


def lock_path() -> Path | None:
    """The lock file of the default database, or None for a database that is no file (in memory)."""
    name = str(settings.DATABASES["default"]["NAME"])
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name + ".migrate.lock")


def migrate() -> None:
    """`migrate --noinput`, one process at a time per database file."""
    path = lock_path()
    if path is None:
        call_command("migrate", interactive=False, verbosity=0)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # blocks while another process migrates; released by close or death
        call_command("migrate", interactive=False, verbosity=0)
    finally:
        os.close(fd)
