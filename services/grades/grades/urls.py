"""Root URLconf: the Grades API, health probes, the OpenAPI document and the admin."""

from django.contrib import admin
from django.urls import include, path

from grades_svc import errors, health
from grades_svc.openapi import openapi_document

urlpatterns = [
    # Under the API's prefix, so that the entry routes it here in every model; ahead of the API, whose
    # /grades/<grade_id> would match it too (the serializer reserves the id). /openapi.json stays for
    # whoever asks the service's own port: at the entry that path is Web's.
    path("grades/openapi.json", openapi_document),
    path("", include("grades_svc.urls")),
    path("healthz", health.healthz),
    path("readyz", health.readyz),
    path("openapi.json", openapi_document),
    path("admin/", admin.site.urls),
]

# Outside DRF's views, errors are JSON too: no HTML error page reaches an API client.
handler400 = errors.bad_request
handler404 = errors.not_found
handler500 = errors.server_error
