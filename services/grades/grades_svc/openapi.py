"""GET /grades/openapi.json (and /openapi.json): the hand-written OpenAPI 3 document (tests keep it in step with the code)."""

from pathlib import Path

from django.http import HttpRequest, HttpResponse

from .readonly import read_only

DOCUMENT_PATH = Path(__file__).with_name("openapi.json")
_document = DOCUMENT_PATH.read_bytes()


@read_only
def openapi_document(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_document, content_type="application/json")
