"""Settings shared by every environment. Each variable of the environment is read once, here."""

import os
from pathlib import Path

# services/grades/
BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
# The gateway and model A forward the client's Host header; containers reach us as "grades".
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,grades")

# Read by grades.wsgi, the one place that wraps the app.
CHAOS_TOKEN = env("CHAOS_TOKEN")
MIGRATE_ON_START = env_bool("GRADES_MIGRATE_ON_START", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "grades_svc",
]

# Lean on purpose, in Django's order. The API needs the body limit, security headers, WhiteNoise and
# CommonMiddleware (it enforces ALLOWED_HOSTS); the rest serve the admin and are lazy, so an API
# request never touches a session.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "grades_svc.middleware.BodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "grades.urls"
WSGI_APPLICATION = "grades.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": env("GRADES_DB", str(BASE_DIR / "grades.sqlite3")),
        # Keep one connection per waitress thread instead of opening one per request.
        "CONN_MAX_AGE": None,
        "OPTIONS": {
            # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN,
            # so concurrent writers wait (timeout, seconds) instead of failing on lock upgrade.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
            "transaction_mode": "IMMEDIATE",
            "timeout": 5,
        },
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# "/static/" belongs to the Web service at the entry point, so the admin's assets live under a
# prefix that routes to Grades. WhiteNoise serves them straight from the apps' static folders
# (finders scanned once at start), so there is no collectstatic step and no STATIC_ROOT.
STATIC_URL = "/grades-static/"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = False

# Bodies are capped at 64 KiB; grades_svc.middleware answers 413 above it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024

REST_FRAMEWORK = {
    # The chapter's API is open, and the Web service posts forms without a CSRF token.
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "grades_svc.parsers.JSONParser",  # DRF's, with over-deep nesting a 400
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "grades_svc.pagination.HeaderLimitOffsetPagination",
}

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Client errors (4xx, a bad Host) are answered, not logged: under load they would flood the log.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}, "null": {"class": "logging.NullHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.security.DisallowedHost": {"handlers": ["null"], "propagate": False},
    },
}
