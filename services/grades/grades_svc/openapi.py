"""GET /openapi.json: the hand-written OpenAPI 3 document (tests keep it in step with the code)."""

from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

DOCUMENT_PATH = Path(__file__).with_name("openapi.json")
_document = DOCUMENT_PATH.read_bytes()


@require_safe
def openapi_document(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_document, content_type="application/json")
