"""The WSGI entry point of every deployment model: `grades.wsgi:application`.

Django's app, wrapped in the lab's fault-injection middleware (inert without a token), and that in the
Server-Timing middleware that adds `grades;dur=<ms>` to every answer (outside, so an injected fault shows in it).
With GRADES_MIGRATE_ON_START=1 the schema is brought up to date once, at import, before waitress
serves a request, so no deployment model needs to know about `manage.py migrate`; under a lock on a
file beside the database, so that processes starting at once on one database migrate it once
(`grades.startup`).
"""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from service_common import chaos, timing

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grades.settings.prod")

django_application = get_wsgi_application()

if settings.MIGRATE_ON_START:
    from grades import startup

    startup.migrate()

faults = chaos.ChaosMiddleware(django_application, token=settings.CHAOS_TOKEN, service="grades")
application = timing.ServerTiming(faults, "grades")
