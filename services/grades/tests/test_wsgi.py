import io
import sqlite3
from wsgiref.util import setup_testing_defaults

import pytest
from rest_framework import status
from service_common import chaos

from tests.support import run_python


def call(app, path: str, **environ: str) -> tuple[str, bytes]:
    env = {"PATH_INFO": path, "HTTP_HOST": "127.0.0.1", "wsgi.input": io.BytesIO(), **environ}
    setup_testing_defaults(env)
    answer: list[str] = []
    body = b"".join(app(env, lambda status_line, headers, exc_info=None: answer.append(status_line)))
    return answer[0], body


@pytest.mark.django_db
def test_the_entry_point_is_django_inside_the_chaos_middleware() -> None:
    from grades.wsgi import application

    assert isinstance(application, chaos.ChaosMiddleware)
    assert call(application, "/healthz") == ("200 OK", b'{"status": "ok"}')
    # No token configured: the fault-injection routes do not exist.
    assert call(application, "/__chaos__")[0].startswith(str(status.HTTP_404_NOT_FOUND))


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
