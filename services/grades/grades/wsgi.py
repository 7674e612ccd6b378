"""The WSGI entry point of every deployment model: `grades.wsgi:application`.

Django's app, wrapped in the lab's fault-injection middleware (inert without a token).
With GRADES_MIGRATE_ON_START=1 the schema is brought up to date once, at import, before waitress
serves a request, so no deployment model needs to know about `manage.py migrate`; under a lock on a
file beside the database, so that processes starting at once on one database migrate it once
(`grades.startup`).
"""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from service_common import chaos

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grades.settings.prod")

django_application = get_wsgi_application()

if settings.MIGRATE_ON_START:
    from grades import startup

    startup.migrate()

application = chaos.ChaosMiddleware(django_application, token=settings.CHAOS_TOKEN, service="grades")
