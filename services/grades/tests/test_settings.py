import re
import secrets

from tests.support import run_python

PROD = {"DJANGO_SETTINGS_MODULE": "grades.settings.prod"}

# Only the checks that ask for HTTPS remain: the lab serves plain HTTP on 127.0.0.1 (see README.md).
HTTPS_ONLY_WARNINGS = {"security.W004", "security.W008", "security.W012", "security.W016"}


def test_prod_refuses_to_start_without_a_secret() -> None:
    result = run_python("-c", "import django; django.setup()", env=PROD)
    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY is not set" in result.stderr


def test_prod_starts_with_a_secret_and_debug_off() -> None:
    code = (
        "import django; django.setup(); from django.conf import settings; print(settings.DEBUG, settings.ALLOWED_HOSTS)"
    )
    result = run_python("-c", code, env={**PROD, "DJANGO_SECRET_KEY": "s"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(" ", 1) == ["False", "['127.0.0.1', 'localhost', 'grades']\n"]


def test_check_deploy_leaves_only_the_https_warnings() -> None:
    env = {**PROD, "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}
    result = run_python("manage.py", "check", "--deploy", env=env)
    assert result.returncode == 0, result.stderr
    assert set(re.findall(r"\((\w+\.[A-Z]\d+)\)", result.stderr + result.stdout)) == HTTPS_ONLY_WARNINGS
