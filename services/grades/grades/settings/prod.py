"""Every deployment model runs these settings. No default secret: refuse to start without one."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set: grades.settings.prod needs a secret key from the environment "
        "(each deployment generates its own)."
    )
