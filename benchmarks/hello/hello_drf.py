"""The DRF baseline: one APIView returning a small JSON, in the least Django settings DRF runs with.

Settings, URLconf and WSGI app in one module (served as `hello_drf:application`), so that the
baseline has nothing Grades could be blamed for: no middleware, no database, no admin.
"""

import django
from django.conf import settings
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY="benchmark-only-not-a-secret",
    ALLOWED_HOSTS=["127.0.0.1"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=["rest_framework"],
    MIDDLEWARE=[],
    REST_FRAMEWORK={  # the renderer and auth choices Grades makes, so the frameworks match
        "DEFAULT_AUTHENTICATION_CLASSES": [],
        "DEFAULT_PERMISSION_CLASSES": [],
        "UNAUTHENTICATED_USER": None,
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    },
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402  (needs the settings above)
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402


class Hello(APIView):
    def get(self, request):
        return Response({"message": "hello", "items": [1, 2, 3]})


urlpatterns = [path("", Hello.as_view())]
application = get_wsgi_application()
