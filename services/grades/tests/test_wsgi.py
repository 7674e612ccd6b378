import io
import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from wsgiref.util import setup_testing_defaults

import pytest
from rest_framework import status
from service_common import chaos, timing

from tests.support import run_python


def answer(app, path: str, **environ: str) -> tuple[str, list[tuple[str, str]], bytes]:
    env = {"PATH_INFO": path, "HTTP_HOST": "127.0.0.1", "wsgi.input": io.BytesIO(), **environ}
    setup_testing_defaults(env)
    started: list[tuple[str, list[tuple[str, str]]]] = []
    body = b"".join(app(env, lambda status_line, headers, exc_info=None: started.append((status_line, headers))))
    return started[0][0], started[0][1], body


def call(app, path: str, **environ: str) -> tuple[str, bytes]:
    status_line, _, body = answer(app, path, **environ)
    return status_line, body


@pytest.mark.django_db
def test_the_entry_point_is_django_inside_the_chaos_middleware_inside_the_timing() -> None:
    from grades.wsgi import application, django_application

    # the timing outside: an injected delay or error shows in Grades' own entry
    assert isinstance(application, timing.ServerTiming) and application.name == "grades"
    assert isinstance(application.app, chaos.ChaosMiddleware) and application.app.app is django_application
    assert call(application, "/healthz") == ("200 OK", b'{"status": "ok"}')
    # No token configured: the fault-injection routes do not exist.
    assert call(application, "/__chaos__")[0].startswith(str(status.HTTP_404_NOT_FOUND))


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/grades", "/grades/no-such-grade", "/readyz", "/admin/login/"])
def test_every_answer_carries_the_services_own_entry(path: str) -> None:
    from grades.wsgi import application

    _, headers, _ = answer(application, path)
    values = [value for name, value in headers if name.lower() == "server-timing"]
    assert len(values) == 1 and re.fullmatch(r"grades;dur=\d+\.\d", values[0]), headers


def test_migrate_on_start_creates_the_schema_once(tmp_path) -> None:
    db = tmp_path / "grades.sqlite3"
    env = {
        "DJANGO_SETTINGS_MODULE": "grades.settings.prod",
        "DJANGO_SECRET_KEY": "s",
        "GRADES_DB": str(db),
        "GRADES_MIGRATE_ON_START": "1",
    }
    for _ in range(2):  # the second start finds nothing to do
        result = run_python("-c", "import grades.wsgi", env=env)
        assert result.returncode == 0, result.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"grades_svc_grade", "django_session", "auth_user"} <= tables


def test_without_the_hook_nothing_is_migrated(tmp_path) -> None:
    db = tmp_path / "grades.sqlite3"
    env = {"DJANGO_SETTINGS_MODULE": "grades.settings.prod", "DJANGO_SECRET_KEY": "s", "GRADES_DB": str(db)}
    result = run_python("-c", "import grades.wsgi", env=env)
    assert result.returncode == 0, result.stderr
    assert not db.exists() or db.stat().st_size == 0


# Makes the race certain: each process, once it has planned what to migrate and before it creates
# anything, waits until the other has come as far (or until `patience` seconds have passed). Without a
# lock both have planned every migration by then and the second to create a table fails. With one, a
# process about to wait for the lock counts as arrived too (so the first need not wait out its patience);
# it plans only once the first is done, and finds nothing to do.
RACE = """
import fcntl, os, sys, time
from pathlib import Path
from django.db.migrations.executor import MigrationExecutor

rendezvous, patience = Path(sys.argv[1]), float(sys.argv[2])
migrate, flock = MigrationExecutor.migrate, fcntl.flock

def arrive():
    (rendezvous / str(os.getpid())).touch()

def arrive_then_flock(*args):
    arrive()
    return flock(*args)

def meet_then_migrate(self, *args, **kwargs):
    arrive()
    deadline = time.monotonic() + patience
    while len(list(rendezvous.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    return migrate(self, *args, **kwargs)

MigrationExecutor.migrate, fcntl.flock = meet_then_migrate, arrive_then_flock
import grades.wsgi
"""


def test_two_processes_starting_at_once_on_a_fresh_database_migrate_it_once(tmp_path) -> None:
    db = tmp_path / "grades.sqlite3"
    rendezvous = tmp_path / "rendezvous"
    rendezvous.mkdir()
    env = {
        "DJANGO_SETTINGS_MODULE": "grades.settings.prod",
        "DJANGO_SECRET_KEY": "s",
        "GRADES_DB": str(db),
        "GRADES_MIGRATE_ON_START": "1",
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        starts = list(pool.map(lambda _: run_python("-c", RACE, str(rendezvous), "20", env=env), range(2)))
    for result in starts:
        assert result.returncode == 0, result.stderr[-3000:]
    check = run_python("manage.py", "migrate", "--check", env=env)  # exits 1 when a migration is unapplied
    assert check.returncode == 0, check.stdout + check.stderr
    assert (tmp_path / "grades.sqlite3.migrate.lock").exists()
