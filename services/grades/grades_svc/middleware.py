"""Refuse oversized bodies with 413 before anything reads them.

Django's own DATA_UPLOAD_MAX_MEMORY_SIZE check is a 400, and DRF's JSON and form parsers read the
stream past it; the declared length is known up front (waitress de-chunks), so check it once here.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse


class BodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.limit: int = settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > self.limit:
            return JsonResponse({"detail": f"Request body is larger than {self.limit} bytes."}, status=413)
        return self.get_response(request)
