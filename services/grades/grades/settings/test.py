"""pytest-django's settings: prod-like (DEBUG off, JSON only), a fixed key, and a fast hasher."""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-key-with-enough-length-and-variety-0123456789-abcdefghij"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost", "grades"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
