"""Root URLconf: the Grades API, health probes, the OpenAPI document and the admin."""

from django.contrib import admin
from django.urls import include, path

from grades_svc import errors, health
from grades_svc.openapi import openapi_document

urlpatterns = [
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
